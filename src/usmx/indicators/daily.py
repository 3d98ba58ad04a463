"""The government's daily preliminary homicide count, by day, month or state, beside SESNSP's monthly victims.

The daily count is published the next morning; SESNSP publishes the month's victims about three weeks after the
month ends. The two count different things (a preliminary tally of reports against the prosecutors' case files), and
the preliminary count runs below SESNSP's: the monthly rows give both and their ratio, the input of a nowcast.
A month's total is comparable only when all its days are loaded (``complete``).
"""

from __future__ import annotations

import ibis
import pyarrow as pa

from ..errors import UsmxError
from . import indicator
from ._common import (
    VICTIMS,
    check_by,
    check_choice,
    check_state,
    days_in_month,
    in_group,
    table_or_none,
    with_state_names,
)

DAILY = "core_sspc__daily_homicides"
REPORTS = ("gpo_interinstitucional", "fuentes_abiertas")


@indicator("daily_homicides")
def daily_homicides(
    con, by: str = "month", report: str = "gpo_interinstitucional", state: str | None = None
) -> pa.Table:
    """Victims in the government's daily preliminary homicide count, by day, month (with SESNSP's homicide and
    feminicide victims of the same month and the ratio of the two) or state; ``report`` gpo_interinstitucional
    (default: the inter-institutional group's count by state) or fuentes_abiertas (open-source reports)."""
    check_by("daily_homicides", by)
    report = check_choice("report", str(report), REPORTS)
    code = check_state(state)
    t = con.table(DAILY)
    t = t.filter(t.report == report)
    if code or by == "state":  # a national count without states (state 00) belongs to no state
        t = t.filter(t.state_code != "00")
    # the days the report covers in each month (a state with no victim on a day has no row that day)
    covered = t.group_by("period").aggregate(days=t.day.nunique())
    if code:
        t = t.filter(t.state_code == code)
    if by == "day":
        res = t.group_by("day").aggregate(value=t.homicides.sum(), states=t.state_code.nunique()).order_by("day")
        out = res.to_pyarrow()
    elif by == "state":
        res = t.group_by(["period", "state_code"]).aggregate(value=t.homicides.sum())
        res = res.inner_join(covered, "period")
        res = res.mutate(complete=res.days == days_in_month(res.period)).order_by(["period", "state_code"])
        out = with_state_names(res.to_pyarrow())
    else:
        res = t.group_by("period").aggregate(value=t.homicides.sum()).inner_join(covered, "period")
        res = res.mutate(days_in_month=days_in_month(res.period))
        res = res.mutate(complete=res.days == res.days_in_month)
        v = table_or_none(con, VICTIMS)
        if v is not None:
            v = v.filter(in_group(v, ["intentional_homicide", "feminicide"]))
            if code:
                v = v.filter(v.state_code == code)
            ses = v.group_by("period").aggregate(sesnsp_victims=v.victims.sum())
            res = res.left_join(ses, "period").drop("period_right")
            res = res.mutate(
                ratio_to_sesnsp=ibis.ifelse(
                    res.complete & (res.sesnsp_victims > 0), res.value / res.sesnsp_victims, ibis.null("float64")
                )
            )
        else:
            res = res.mutate(sesnsp_victims=ibis.null("int64"), ratio_to_sesnsp=ibis.null("float64"))
        out = res.order_by("period").to_pyarrow()
    out = out.append_column("report", pa.array([report] * out.num_rows, pa.string()))
    note = (
        f"Daily preliminary count ({report}), published by the federal security cabinet the next morning. It runs "
        "below SESNSP's victims for the same month; ratio_to_sesnsp is given only for complete months. Days missing "
        "from a month make its total an undercount (complete = false)."
    )
    return out.replace_schema_metadata({b"note": note.encode()})


def _why_no_nowcast(daily: dict, official: dict, history: list, window: int, report: str) -> str:
    """Why no month could be nowcast, with the spans of both series and what to do."""

    def span(months) -> str:
        months = sorted(months)
        return f"{months[0]:%Y-%m} to {months[-1]:%Y-%m}" if months else "nothing"

    if not daily:
        return f"the daily preliminary count ({report}) is not loaded; `usmx fetch sspc-daily-homicides` loads it."
    return (
        f"a nowcast needs {window} whole months with both the daily count ({report}) and SESNSP's victims before the "
        f"month it estimates; the daily count covers {span(daily)}, SESNSP's victims {span(official)}, and "
        f"{len(history)} month(s) have both, none with {window} such months before it. Load more of the daily "
        "count (`usmx fetch sspc-daily-homicides`)"
        + (", or shorten the window (3 months at the least)." if window > 3 else ".")
    )


def nowcast_inputs(con, report: str = "gpo_interinstitucional") -> tuple[dict, dict]:
    """The daily count's national days by month (period -> counts in day order; days with only a national total
    count as they are) and SESNSP's intentional-homicide victims by month (feminicide apart, as SESNSP counts it)."""
    t = con.table(DAILY)
    t = t.filter(t.report == report)
    days = t.group_by(["period", "day"]).aggregate(value=t.homicides.sum()).order_by("day").to_pyarrow().to_pylist()
    daily: dict = {}
    for r in days:
        daily.setdefault(r["period"], []).append(float(r["value"]))
    official: dict = {}
    v = table_or_none(con, VICTIMS)
    if v is not None:
        v = v.filter(in_group(v, ["intentional_homicide"]))
        rows = v.group_by("period").aggregate(victims=v.victims.sum()).to_pyarrow().to_pylist()
        official = {r["period"]: float(r["victims"]) for r in rows}
    return daily, official


@indicator("homicide_nowcast")
def homicide_nowcast(con, window: int = 6, report: str = "gpo_interinstitucional") -> pa.Table:
    """SESNSP's intentional-homicide victims of each month estimated from the daily preliminary count before SESNSP
    publishes, with a 90% interval: the count divided by its recent share of SESNSP's figure (``window`` months).
    Months SESNSP has published are nowcast out of sample, from the months before them only, and carry the
    published figure and the error."""
    from ..evaluate.nowcast import days_in, nowcast

    report = check_choice("report", str(report), REPORTS)
    window = int(window)
    if window < 3:
        raise UsmxError(f"window must be at least 3 months (a ratio and its spread); got {window}.")
    daily, official = nowcast_inputs(con, report)
    history = [(p, sum(v), official[p]) for p, v in sorted(daily.items()) if p in official and len(v) == days_in(p)]
    rows = []
    for p, counts in sorted(daily.items()):
        nc = nowcast(p, counts, [h for h in history if h[0] < p], window=window)
        if nc is None:
            continue
        published = official.get(p)
        rows.append(
            {
                "period": p,
                "value": nc.estimate,
                "low": nc.low,
                "high": nc.high,
                "preliminary_count": nc.daily_total,
                "days": nc.days,
                "days_in_month": nc.days_in_month,
                "ratio": nc.ratio,
                "sesnsp_victims": published,
                "error_pct": (nc.estimate / published - 1) * 100 if published else None,
                "status": "checked" if published else "nowcast",
            }
        )
    schema = pa.schema(
        [("period", pa.date32()), ("value", pa.float64()), ("low", pa.float64()), ("high", pa.float64()),
         ("preliminary_count", pa.float64()), ("days", pa.int64()), ("days_in_month", pa.int64()),
         ("ratio", pa.float64()), ("sesnsp_victims", pa.float64()), ("error_pct", pa.float64()),
         ("status", pa.string())]
    )  # fmt: skip
    out = pa.Table.from_pylist(rows, schema=schema)
    meta = {}
    if not rows:
        meta[b"empty"] = _why_no_nowcast(daily, official, history, window, report).encode()
    note = (
        f"Nowcast of SESNSP intentional-homicide victims (feminicide apart) from the daily preliminary count "
        f"({report}): the month's count (extrapolated from its mean day when incomplete) over its share of SESNSP's "
        f"figure in the {window} months before; 90% Student-t prediction interval on the log scale. Rows with "
        "status 'checked' were nowcast from earlier months only and set beside what SESNSP published "
        "(`usmx evaluate nowcast-backtest` scores them)."
    )
    return out.replace_schema_metadata({b"note": note.encode(), **meta})
