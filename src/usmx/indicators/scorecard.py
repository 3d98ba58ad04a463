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
from datetime import date, timedelta
from statistics import median
from typing import Any

import pyarrow as pa

from .. import catalog
from .._dates import add_months, month_end, next_month
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


def _table(con, name: str) -> list[dict]:
    try:
        return con.table(name).to_pyarrow().to_pylist()
    except Exception:  # an engine or warehouse without the table: the components it feeds are left out
        return []


def _counted(con, by: str) -> list[dict]:
    """Ledger counts and OFAC additions, one row per component, period and publisher."""
    known = catalog.ledger_quantities()
    items: list[dict[str, Any]] = []
    for c in _table(con, "core_ledger__counts"):
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
        for e in _table(con, "core_ledger__events"):
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
        low, high = _wilson(k, n)
        out.append(
            {
                "period": start, "administration": term, "component": "reported_cooperation", "value": k / n,
                "low": low, "high": high, "unit": "share of USA-MEX events",
                "sources": f"GDELT: {int(k):,} of {int(n):,} events in {int(months)} month{'s' * (int(months) != 1)}",
                "publishers": 1,
                "basis": "news_events", "side": "both", "covers_from": min(firsts[(start, term)]),
                "covers_to": max(firsts[(start, term)]), "spans_periods": False,
            }
        )  # fmt: skip
    return out


ORDER = catalog.scorecard_order()


@indicator("cooperation_scorecard")
def cooperation_scorecard(con, by: str = "year") -> pa.Table:
    """Counted acts of cooperation and pressure and the news proxy, per period and component, never summed: long
    format with the publishers' range and names (see the module's documentation)."""
    check_by("cooperation_scorecard", by)
    rows = _rows(_counted(con, by), by) + _reported(con, by)
    rows.sort(key=lambda r: (r["period"], ORDER.index(r["component"]) if r["component"] in ORDER else 99))
    note = (
        "Components are kept apart, never summed. value = the median of the publishers' figures, low and high their "
        "range; basis named_events = persons named in ledger events where no count is loaded (a floor, not a total); "
        "reported_cooperation's interval treats news events as independent (too narrow where coverage clusters)."
    )
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    if by != "administration":
        table = table.drop_columns(["administration"])
    return table.replace_schema_metadata({b"note": note.encode()})


# -- evidence: before and after the key dates, and the news proxy against counted acts ----------------------------
def _months(first: date, last: date) -> float:
    """Months between two days (``last`` exclusive), in average-month units."""
    return max(0.0, (last - first).days / 30.4375)


def _spread(item: dict, lo: date, hi: date) -> float:
    """The part of an item's value that falls in [lo, hi), spread evenly over the days it covers."""
    first, last = item["first"], item["last"]
    days = (last - first).days + 1
    inside = (min(last, hi - timedelta(days=1)) - max(first, lo)).days + 1
    return item["value"] * max(0, inside) / days


def _observed(con, items: list[dict]) -> dict[str, tuple[date, date]]:
    """Per component, the span of days its sources observe: counts their own span; the events' floors the span of
    the ledger (read as recording every act of its kinds from its first row on: a floor, stated as one)."""
    events = [e["event_date"] for e in _table(con, "core_ledger__events")]
    span: dict[str, tuple[date, date]] = {}
    for i in items:
        # the acts whose events the ledger records (extraditions, transfers) are observed over the ledger's span too
        ledger = i["component"] in EVENT_FLOORS and events
        first, last = (min(events), max(events)) if ledger else (i["first"], i["last"])
        old = span.get(i["component"])
        span[i["component"]] = (min(old[0], first, i["first"]), max(old[1], last, i["last"])) if old else (
            min(first, i["first"]), max(last, i["last"]))  # fmt: skip
    return span


def event_studies(con, window: int = 24) -> pa.Table:
    """Each component's level in the ``window`` months before and after each key date (catalog/ledger_kinds.yaml),
    with 95% intervals and the after/before ratio; ``finding`` says whether the ratio's interval excludes 1."""
    from ..errors import UsmxError
    from ..evaluate.cooperation import MIN_MONTHS, dispersion, rate_change, share_change

    if not 1 <= int(window) <= 120:
        raise UsmxError(f"window must be 1 to 120 months; got {window}.")
    window = int(window)
    items = _counted(con, "month")
    spans = _observed(con, items)
    try:
        from .cooperation import cooperation_expr

        monthly = [m for m in cooperation_expr(con).to_pyarrow().to_pylist() if m["dyad_events"]]
    except Exception:  # no GDELT events
        monthly = []
    rows = []
    for kd in catalog.cooperation_key_dates():
        day = kd["date"]
        lo, hi = add_months(day, -window), add_months(day, window)
        for component in [c for c in ORDER if c in spans]:
            first, last = spans[component]
            b_lo, a_hi = max(lo, first), min(hi, last + timedelta(days=1))
            mb, ma = _months(b_lo, day), _months(day, a_hi)
            mine = [i for i in items if i["component"] == component]
            per: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
            for i in mine:
                per[i["publisher"]][0] += _spread(i, b_lo, day) if mb else 0.0
                per[i["publisher"]][1] += _spread(i, day, a_hi) if ma else 0.0
            kb = median(v[0] for v in per.values())
            ka = median(v[1] for v in per.values())
            ok = mb >= MIN_MONTHS and ma >= MIN_MONTHS
            batches = [
                (i["batches"][0] * _spread(i, b_lo, a_hi) / i["value"], i["batches"][1]) for i in mine if i["value"]
            ]
            ch = rate_change(kb, mb, ka, ma, dispersion(batches)) if ok else None
            rows.append(_study(kd, component, mine[0]["unit"] + " per year", mine[0]["basis"], ch, mb, ma, per))
        b = [(m["law_enforcement_events"] or 0, m["dyad_events"]) for m in monthly if lo <= m["period"] < day]
        a = [(m["law_enforcement_events"] or 0, m["dyad_events"]) for m in monthly if day <= m["period"] < hi]
        if monthly:
            ok = len(b) >= MIN_MONTHS and len(a) >= MIN_MONTHS
            ch = share_change(b, a) if ok else None
            gdelt = {"GDELT": [sum(x[1] for x in b), sum(x[1] for x in a)]}
            rows.append(
                _study(kd, "reported_cooperation", "share of USA-MEX events", "news_events", ch, len(b), len(a), gdelt)
            )
    return pa.Table.from_pylist(rows, schema=STUDY_SCHEMA)


STUDY_SCHEMA = pa.schema(
    [("key_date", pa.string()), ("date", pa.date32()), ("event_en", pa.string()), ("event_es", pa.string()),
     ("component", pa.string()), ("unit", pa.string()), ("basis", pa.string()),
     ("before", pa.float64()), ("before_low", pa.float64()), ("before_high", pa.float64()),
     ("after", pa.float64()), ("after_low", pa.float64()), ("after_high", pa.float64()),
     ("ratio", pa.float64()), ("ratio_low", pa.float64()), ("ratio_high", pa.float64()),
     ("months_before", pa.float64()), ("months_after", pa.float64()), ("finding", pa.string()),
     ("method", pa.string()), ("sources", pa.string())]
)  # fmt: skip


def _study(kd: dict, component: str, unit: str, basis: str, ch, mb: float, ma: float, per: dict) -> dict:
    if ch is None:
        finding = "not measurable"  # too few months observed on one side
    elif ch.before == 0:
        finding = "rose from none" if ch.after else "none on either side"
    elif ch.ratio is None or ch.ratio_low is None or ch.ratio_high is None:
        finding = "not measurable"
    elif ch.ratio_high < 1:
        finding = "fell"
    elif ch.ratio_low > 1:
        finding = "rose"
    else:
        finding = "no clear change"
    if basis == "news_events":
        sources = f"GDELT: {int(per['GDELT'][0]):,} events before, {int(per['GDELT'][1]):,} after"
    else:
        sources = "; ".join(sorted(per))
    fields = ("before", "before_low", "before_high", "after", "after_low", "after_high", "ratio", "ratio_low",
              "ratio_high")  # fmt: skip
    return {
        "key_date": kd["key"], "date": kd["date"], "event_en": kd["label_en"], "event_es": kd["label_es"],
        "component": component, "unit": unit, "basis": basis,
        **{f: (getattr(ch, f) if ch is not None else None) for f in fields},
        "months_before": round(mb, 1), "months_after": round(ma, 1), "finding": finding,
        "method": ch.method if ch is not None else "fewer than 3 months observed on a side", "sources": sources,
    }  # fmt: skip


def reported_vs_counted(con, min_months: int = 6) -> pa.Table:
    """Per counted component, Pearson's r (Fisher's z 95% interval) and Spearman's rho between its yearly value
    and GDELT's yearly reported-cooperation share, over the years with both (GDELT years with at least
    ``min_months`` months of events)."""
    from ..evaluate.cooperation import correlation

    rows = cooperation_scorecard(con, by="year").to_pylist()
    share = {
        r["period"].year: r["value"]
        for r in rows
        if r["component"] == "reported_cooperation"
        and _months(r["covers_from"], add_months(r["covers_to"], 1)) >= min_months - 0.5
    }
    spans = _observed(con, _counted(con, "year"))
    out = []
    for component in [c for c in ORDER if c != "reported_cooperation"]:
        if not any(r["component"] == component for r in rows):
            continue
        value = {r["period"].year: r["value"] for r in rows if r["component"] == component}
        if component in EVENT_FLOORS:  # a year the ledger observes whole with no such act: zero, not missing
            first, last = spans[component]
            for y in range(
                first.year + (first > date(first.year, 1, 1)), last.year + (last >= date(last.year, 12, 31))
            ):
                value.setdefault(y, 0.0)
        years = sorted(y for y in value if y in share)
        c = correlation([value[y] for y in years], [share[y] for y in years])
        out.append(
            {
                "component": component, "years": ", ".join(map(str, years)) or "-", "n": c.n,
                "pearson": c.pearson, "low": c.low, "high": c.high, "spearman": c.spearman,
                "note": c.note or "Fisher's z interval",
            }
        )  # fmt: skip
    return pa.Table.from_pylist(
        out,
        schema=pa.schema(
            [
                ("component", pa.string()),
                ("years", pa.string()),
                ("n", pa.int32()),
                ("pearson", pa.float64()),
                ("low", pa.float64()),
                ("high", pa.float64()),
                ("spearman", pa.float64()),
                ("note", pa.string()),
            ]
        ),  # fmt: skip
    )
