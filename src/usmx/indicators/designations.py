"""US designations: Mexico-tied entries of OFAC's SDN list, and what changed between consecutive lists.

The SDN list has no designation dates, so each list loaded is compared with the one before it, and every entity is
counted once per list (an entity under two programs is one entity):

- ``value`` (new): entities on this list that are on no earlier list loaded, under any program or tie;
- ``re_designated``: entities already on the previous list that gained a sanctions program (designated again
  under a new authority, e.g. the 2021 illicit-drugs order);
- ``removed``: entities of the previous list that are not on this one;
- ``entries``: the entities on this list.

With ``mexico`` (the default) each count keeps the entities tied to Mexico on the list where they are counted (new
and re-designated on this list, removed on the previous one). The earliest list loaded is the baseline: its entries
were designated at some earlier, unknown date, so it gives how many entries were on the list, not how many were new
(its counts are empty). ``by=program`` gives the same counts per sanctions program: there an entity under two
programs counts under each, so the rows must not be added up.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pyarrow as pa

from . import indicator
from ._common import as_bool, check_by

SDN = "core_ofac__sdn_entries"

SCHEMA = pa.schema(
    [("list_date", pa.date32()), ("program", pa.string()), ("value", pa.int64()), ("re_designated", pa.int64()),
     ("removed", pa.int64()), ("entries", pa.int64()), ("previous_list_date", pa.date32()), ("baseline", pa.bool_())]
)  # fmt: skip


def _programs(text: str | None) -> frozenset[str]:
    return frozenset(p.strip() for p in (text or "").split("] [") if p.strip())


@indicator("designations")
def designations(con, by: str = "list", mexico: bool = True, program: str | None = None) -> pa.Table:
    """Per list date (or list date and program): Mexico-tied entities first seen on that list, re-designated under
    a new program, removed since the previous list, and on the list; each entity counted once per list."""
    check_by("designations", by)
    mexico = as_bool(mexico)
    wanted = str(program).strip().upper() if program else None
    rows = con.table(SDN).select("list_date", "ent_num", "programs", "mexico_tie").to_pyarrow().to_pylist()
    lists: dict[date, dict[int, tuple[frozenset[str], bool]]] = defaultdict(dict)
    for r in rows:
        lists[r["list_date"]][r["ent_num"]] = (_programs(r["programs"]), bool(r["mexico_tie"]))
    order = sorted(lists)
    seen: set[int] = set()
    out = []

    def keep(entry: tuple[frozenset[str], bool]) -> bool:
        return (entry[1] or not mexico) and (wanted is None or wanted in {p.upper() for p in entry[0]})

    for i, day in enumerate(order):
        now = lists[day]
        prev = lists[order[i - 1]] if i else {}
        baseline = i == 0
        groups: dict[str | None, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        for ent, entry in now.items():
            if not keep(entry):
                continue
            gained = set(entry[0] - prev[ent][0]) if ent in prev else set()
            if wanted:
                gained = {p for p in gained if p.upper() == wanted}
            for g in sorted(entry[0]) if by == "program" else [None]:
                if wanted and g is not None and g.upper() != wanted:
                    continue
                groups[g]["entries"].add(ent)
                if ent not in seen and not baseline:
                    groups[g]["new"].add(ent)
                elif gained and (g is None or g in gained):
                    groups[g]["re_designated"].add(ent)
        for ent, entry in prev.items():
            if keep(entry) and ent not in now:
                for g in sorted(entry[0]) if by == "program" else [None]:
                    if not (wanted and g is not None and g.upper() != wanted):
                        groups[g]["removed"].add(ent)
        seen |= set(now)
        for g in sorted(groups, key=lambda x: x or ""):
            counts = groups[g]
            out.append(
                {
                    "list_date": day,
                    "program": g or (program.strip() if program else "all"),
                    "value": None if baseline else len(counts["new"]),
                    "re_designated": None if baseline else len(counts["re_designated"]),
                    "removed": None if baseline else len(counts["removed"]),
                    "entries": len(counts["entries"]),
                    "previous_list_date": order[i - 1] if i else None,
                    "baseline": baseline,
                }
            )
    note = (
        "value = entities first seen on this list (on no earlier list loaded); re_designated = entities of the "
        "previous list that gained a sanctions program; removed = entities of the previous list no longer listed; "
        "each entity once per list. The earliest list is the baseline, whose designation dates are unknown."
        + (
            " By program, an entity under several programs counts under each: do not add the rows."
            if by == "program"
            else ""
        )
    )
    return pa.Table.from_pylist(out, schema=SCHEMA).replace_schema_metadata({b"note": note.encode()})
