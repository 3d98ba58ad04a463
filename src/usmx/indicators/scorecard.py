"""The cooperation scorecard: counted acts of cooperation and pressure beside the news proxy, never summed.

Components (catalog/ledger_kinds.yaml ``quantities`` names the counted ones):

- Mexican deliveries: ``extraditions`` and ``transfers`` (persons), from the ledger's counts; where no count covers a
  period, the persons named in the ledger's events of that kind, marked ``basis = named_events`` (a floor, not a
  total);
- US pressure: ``designations`` (entries tied to Mexico first seen on an OFAC SDN list, from ``designations``) and
  ``terrorist_designations``, ``indictments`` (ledger counts);
- joint work: ``joint_operations``, ``firearm_traces`` (ledger counts, where loaded);
- what the US Department of Justice announced (``usmx fetch doj-press-releases``, catalog/doj_rules.yaml):
  ``doj_extraditions``, ``doj_criminal_groups``, ``doj_cooperation``, press releases per period;
- ``reported_cooperation``: law-enforcement cooperation as a share of USA–MEX events in GDELT, with a 95% Wilson
  interval that treats events as independent (news events cluster, so the true interval is wider).

A count is placed in the period that holds its last day; ``covers_from`` and ``covers_to`` say what it covers and
``spans_periods`` flags a count longer than the period it is placed in (a yearly count read by month, or an OFAC list
that adds what was designated since the previous list). Where several publishers count the same quantity for the same
period, ``value`` is their median, ``low`` and ``high`` the smallest and largest figure and ``sources`` names each
publisher with its figure: the disagreement is shown, not averaged away.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date
from statistics import median
from typing import Any

import pyarrow as pa

from .. import catalog
from .._dates import month_end, next_month
from . import indicator
from ._common import check_by
from .doj import categories

#: ledger event kinds whose persons stand in for a count where none is loaded (a floor)
EVENT_FLOORS = {"extraditions": "extradition", "transfers": "transfer"}

SCHEMA = pa.schema(
    [
        ("period", pa.date32()),
        ("administration", pa.string()),
        ("component", pa.string()),
        ("value", pa.float64()),
        ("low", pa.float64()),
        ("high", pa.float64()),
        ("unit", pa.string()),
        ("sources", pa.string()),
        ("publishers", pa.int32()),
        ("basis", pa.string()),
        ("side", pa.string()),
        ("covers_from", pa.date32()),
        ("covers_to", pa.date32()),
        ("spans_periods", pa.bool_()),
    ]
)


def _place(day: date, by: str) -> tuple[date, str | None] | None:
    """The period (first day) and administration that hold ``day`` at grain ``by``; None outside every term."""
    if by == "month":
        return date(day.year, day.month, 1), None
    if by == "year":
        return date(day.year, 1, 1), None
    term = next((a for a in catalog.administrations() if a.start <= day <= a.end), None)
    return (term.start, term.key) if term else None


def _period_end(start: date, by: str, administration: str | None) -> date:
    if by == "month":
        return next_month(start)
    if by == "year":
        return date(start.year + 1, 1, 1)
    return catalog.administration(administration).end if administration else start


def _wilson(k: float, n: float, z: float = 1.959964) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def table_rows(con, name: str) -> list[dict]:
    try:
        return con.table(name).to_pyarrow().to_pylist()
    except Exception:  # an engine or warehouse without the table: the components it feeds are left out
        return []


def counted(con, by: str) -> list[dict]:
    """Ledger counts and OFAC additions, one row per component, period and publisher."""
    known = catalog.ledger_quantities()
    items: list[dict[str, Any]] = []
    for c in table_rows(con, "core_ledger__counts"):
        q = known[c["quantity"]]
        items.append(
            {
                "component": q["component"], "unit": q["unit"], "side": q["side"], "publisher": c["publisher"],
                "value": c["amount"], "first": c["period_start"], "last": c["period_end"], "basis": "count",
                "batches": (c["acts"], c["amount"] / c["acts"]) if c.get("acts") else (c["amount"], 1.0),
            }
        )  # fmt: skip
    counted = {(i["component"], _place(i["last"], by)) for i in items}
    for component, kind in EVENT_FLOORS.items():
        for e in table_rows(con, "core_ledger__events"):
            where = _place(e["event_date"], by)
            if e["kind"] != kind or e["persons"] is None or (component, where) in counted:
                continue
            items.append(
                {
                    "component": component, "unit": "persons", "side": known[component]["side"],
                    "publisher": e["publisher"], "value": float(e["persons"]), "first": e["event_date"],
                    "last": e["event_date"], "basis": "named_events", "batches": (1, float(e["persons"])),
                }
            )  # fmt: skip
    try:
        from . import run

        sdn = run(con, "designations").to_pylist()
    except Exception:  # no OFAC list loaded
        sdn = []
    try:
        doj = run(con, "doj_press_releases", by="month").to_pylist()
    except Exception:  # no DOJ extract loaded
        doj = []
    cats = categories()
    for r in doj:
        c = cats[r["category"]]
        end = month_end(r["period"])
        items.append(
            {
                "component": c["component"], "unit": "press releases", "side": c["side"],
                "publisher": "US Department of Justice (press releases)", "value": float(r["value"]),
                "first": r["period"], "last": end, "basis": "press_releases", "batches": (r["value"], 1.0),
            }
        )  # fmt: skip
    added: dict[date, dict] = {}
    for r in sdn:
        if r["value"] is None:
            continue  # the baseline list: its designation dates are unknown
        a = added.setdefault(r["list_date"], {"value": 0.0, "first": r["previous_list_date"]})
        a["value"] += r["value"]
    for day, a in added.items():
        items.append(
            {
                "component": "designations", "unit": "entries", "side": "united_states",
                "publisher": "US Department of the Treasury (OFAC SDN list)", "value": a["value"],
                "first": a["first"] or day, "last": day, "basis": "list_difference", "batches": (a["value"], 1.0),
            }
        )  # fmt: skip
    return items


def _rows(items: list[dict], by: str) -> list[dict]:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for i in items:
        where = _place(i["last"], by)
        if where is not None:
            groups[(i["component"], *where)].append(i)
    out = []
    for (component, start, term), found in groups.items():
        per: dict[str, float] = defaultdict(float)
        for i in found:
            per[i["publisher"]] += i["value"]
        figures = sorted(per.values())
        first, last = min(i["first"] for i in found), max(i["last"] for i in found)
        out.append(
            {
                "period": start, "administration": term, "component": component, "value": float(median(figures)),
                "low": figures[0], "high": figures[-1], "unit": found[0]["unit"],
                "sources": "; ".join(f"{p}: {v:g}" for p, v in sorted(per.items())), "publishers": len(per),
                "basis": found[0]["basis"], "side": found[0]["side"], "covers_from": first, "covers_to": last,
                "spans_periods": first < start or last >= _period_end(start, by, term),
            }
        )  # fmt: skip
    return out


def _reported(con, by: str) -> list[dict]:
    """The GDELT share of law-enforcement cooperation in USA-MEX events, per period, with a Wilson interval."""
    try:
        from .cooperation import cooperation_expr

        monthly = cooperation_expr(con).to_pyarrow().to_pylist()
    except Exception:  # no GDELT events loaded, or an engine without them
        return []
    sums: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    firsts: dict[tuple, list[date]] = defaultdict(list)
    for m in monthly:
        where = _place(m["period"], by)
        if where is None or not m["dyad_events"]:
            continue
        s = sums[where]
        s[0] += m["law_enforcement_events"] or 0
        s[1] += m["dyad_events"]
        s[2] += 1
        firsts[where].append(m["period"])
    out = []
    for (start, term), (k, n, months) in sums.items():
        few = n < MIN_EVENTS  # a share of one event is 0% or 100%: not a measure
        low, high = (None, None) if few else _wilson(k, n)
        told = f"GDELT: {int(k):,} of {int(n):,} events in {int(months)} month{'s' * (int(months) != 1)}"
        out.append(
            {
                "period": start, "administration": term, "component": "reported_cooperation",
                "value": None if few else k / n, "low": low, "high": high, "unit": "share of USA-MEX events",
                "sources": told + (f" (too few: a share needs {MIN_EVENTS} events or more)" if few else ""),
                "publishers": 1,
                "basis": "too_few_events" if few else "news_events", "side": "both",
                "covers_from": min(firsts[(start, term)]), "covers_to": max(firsts[(start, term)]),
                "spans_periods": False,
            }
        )  # fmt: skip
    return out


#: the fewest USA-MEX events whose cooperation share is shown; below it the share is blank and basis too_few_events
MIN_EVENTS = 30


ORDER = catalog.scorecard_order()


@indicator("cooperation_scorecard")
def cooperation_scorecard(con, by: str = "year") -> pa.Table:
    """Counted acts of cooperation and pressure and the news proxy, per period and component, never summed: long
    format with the publishers' range and names (see the module's documentation)."""
    check_by("cooperation_scorecard", by)
    rows = _rows(counted(con, by), by) + _reported(con, by)
    rows.sort(key=lambda r: (r["period"], ORDER.index(r["component"]) if r["component"] in ORDER else 99))
    note = (
        "Components are kept apart, never summed. value = the median of the publishers' figures, low and high their "
        "range; basis named_events = persons named in ledger events where no count is loaded (a floor, not a total); "
        "reported_cooperation's interval treats news events as independent (too narrow where coverage clusters); "
        f"a period with fewer than {MIN_EVENTS} USA-MEX events has no share (basis too_few_events)."
    )
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    if by != "administration":
        table = table.drop_columns(["administration"])
    return table.replace_schema_metadata({b"note": note.encode()})


# -- evidence: before and after the key dates, and the news proxy against counted acts ----------------------------
