"""Cooperation before and after the ledger's key dates, and the news against the counted acts.

The scorecard (``usmx.indicators.scorecard``) counts acts of cooperation and pressure per period; here they are read
as evidence: each component's yearly rate in the months before and after each key date (catalog/ledger_kinds.yaml
``key_dates``), with 95% intervals and the after/before ratio, and how far GDELT's reported cooperation share
follows the counted acts year by year (``usmx evaluate cooperation``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from statistics import median

import pyarrow as pa

from .. import catalog
from .._dates import add_months
from ..errors import UsmxError
from ..indicators.scorecard import EVENT_FLOORS, ORDER, cooperation_scorecard, counted, table_rows


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
    events = [e["event_date"] for e in table_rows(con, "core_ledger__events")]
    span: dict[str, tuple[date, date]] = {}
    for i in items:
        # the acts whose events the ledger records (extraditions, transfers) are observed over the ledger's span too
        ledger = i["component"] in EVENT_FLOORS and events
        first, last = (min(events), max(events)) if ledger else (i["first"], i["last"])
        old = span.get(i["component"])
        span[i["component"]] = (min(old[0], first, i["first"]), max(old[1], last, i["last"])) if old else (
            min(first, i["first"]), max(last, i["last"]))  # fmt: skip
    return span


#: the fewest periods before a date to fit its trend on (years for counts, months for the news share)
MIN_YEARS_BEFORE = 5
MIN_MONTHS_BEFORE = 24
TREND_ALPHA = 0.05


def _yearly_before(mine: list[dict], per: dict, first: date, day: date) -> tuple[list[float], list[float]]:
    """Each whole year from ``first`` to the date: its time (the middle of the year, in years) and its count (the
    median of the publishers')."""
    t, k = [], []
    y = first.year + (first > date(first.year, 1, 1))
    while date(y + 1, 1, 1) <= day:
        lo, hi = date(y, 1, 1), date(y + 1, 1, 1)
        k.append(median(sum(_spread(i, lo, hi) for i in mine if i["publisher"] == pub) for pub in per))
        t.append(y + 0.5)
        y += 1
    return t, k


def _years(d: date) -> float:
    return d.year + (d.month - 1) / 12 + (d.day - 1) / 365.25


def event_studies(con, window: int = 24) -> pa.Table:
    """Each component's level in the ``window`` months before and after each key date (catalog/ledger_kinds.yaml),
    with 95% intervals and the after/before ratio; and the after-window against the trend of the years (the news
    share: the months) before the date (:func:`usmx.evaluate.cooperation.trend_change`): ``finding`` is ``fell`` or
    ``rose`` only where the after-window departs from that trend (``trend_p`` below :data:`TREND_ALPHA`), so that a
    steady rise or fall is not read as a change at the date; ``not measurable`` where too few periods came before."""
    from ..evaluate.cooperation import MIN_MONTHS, dispersion, rate_change, share_change, trend_change

    if not 1 <= int(window) <= 120:
        raise UsmxError(f"window must be 1 to 120 months; got {window}.")
    window = int(window)
    items = counted(con, "month")
    spans = _observed(con, items)
    try:
        from ..indicators.cooperation import cooperation_expr

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
            ty, ky = _yearly_before(mine, per, first, day)
            trend = (
                trend_change(ty, ky, [12.0] * len(ky), _years(day) + ma / 24, ka, ma, dispersion(batches))
                if ok and len(ky) >= MIN_YEARS_BEFORE
                else None
            )
            rows.append(_study(kd, component, mine[0]["unit"] + " per year", mine[0]["basis"], ch, mb, ma, per, trend))
        b = [(m["law_enforcement_events"] or 0, m["dyad_events"]) for m in monthly if lo <= m["period"] < day]
        a = [(m["law_enforcement_events"] or 0, m["dyad_events"]) for m in monthly if day <= m["period"] < hi]
        if monthly:
            ok = len(b) >= MIN_MONTHS and len(a) >= MIN_MONTHS
            ch = share_change(b, a) if ok else None
            gdelt = {"GDELT": [sum(x[1] for x in b), sum(x[1] for x in a)]}
            pre = [m for m in monthly if m["period"] < day]
            trend = (
                trend_change([_years(m["period"]) + 1 / 24 for m in pre],
                             [float(m["law_enforcement_events"] or 0) for m in pre],
                             [float(m["dyad_events"]) for m in pre], _years(day) + len(a) / 24,
                             float(sum(x[0] for x in a)), float(sum(x[1] for x in a)))
                if ok and len(pre) >= MIN_MONTHS_BEFORE
                else None
            )  # fmt: skip
            rows.append(_study(kd, "reported_cooperation", "share of USA-MEX events", "news_events", ch, len(b),
                               len(a), gdelt, trend))  # fmt: skip
    return pa.Table.from_pylist(rows, schema=STUDY_SCHEMA)


STUDY_SCHEMA = pa.schema(
    [("key_date", pa.string()), ("date", pa.date32()), ("event_en", pa.string()), ("event_es", pa.string()),
     ("component", pa.string()), ("unit", pa.string()), ("basis", pa.string()),
     ("before", pa.float64()), ("before_low", pa.float64()), ("before_high", pa.float64()),
     ("after", pa.float64()), ("after_low", pa.float64()), ("after_high", pa.float64()),
     ("ratio", pa.float64()), ("ratio_low", pa.float64()), ("ratio_high", pa.float64()),
     ("months_before", pa.float64()), ("months_after", pa.float64()), ("finding", pa.string()),
     ("trend_ratio", pa.float64()), ("trend_low", pa.float64()), ("trend_high", pa.float64()),
     ("trend_p", pa.float64()), ("trend_points", pa.int32()), ("method", pa.string()), ("sources", pa.string())]
)  # fmt: skip


def _study(
    kd: dict, component: str, unit: str, basis: str, ch, mb: float, ma: float, per: dict, trend=None,
) -> dict:  # fmt: skip
    if ch is None:
        finding = "not measurable"  # too few months observed on one side
    elif ch.before == 0:
        finding = "rose from none" if ch.after else "none on either side"
    elif trend is None:
        finding = "not measurable"  # too few periods before the date to tell a change from a trend
    elif trend.p_value >= TREND_ALPHA:
        finding = "no clear change"  # within what the trend before it projects
    else:
        finding = "fell" if trend.ratio < 1 else "rose"
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
        "trend_ratio": trend.ratio if trend else None, "trend_low": trend.low if trend else None,
        "trend_high": trend.high if trend else None, "trend_p": trend.p_value if trend else None,
        "trend_points": trend.points if trend else None,
        "method": (ch.method + "; after-window against the quasi-Poisson trend before the date" if ch is not None
                   else "fewer than 3 months observed on a side"), "sources": sources,
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
        and r["value"] is not None  # a year of too few events has no share
        and _months(r["covers_from"], add_months(r["covers_to"], 1)) >= min_months - 0.5
    }
    spans = _observed(con, counted(con, "year"))
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
