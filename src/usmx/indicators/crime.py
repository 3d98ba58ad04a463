"""Crime indicators: homicide victims, daily averages, rates, administrations, records, anomalies, INEGI vs SESNSP.

Every function takes an Ibis backend first (the warehouse, or another engine with the same tables) and returns a
pyarrow Table. Definitions, units and labels are in catalog/indicators.yaml; groups in catalog/taxonomy.yaml.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
import pyarrow as pa

from .. import catalog, i18n
from .._dates import month_end, months_between
from ..errors import UsmxError
from . import indicator
from ._common import (
    INEGI,
    INEGI_OCCURRENCE,
    MUNICIPAL_CRIMES,
    STATE_CRIMES,
    VICTIMS,
    administration,
    as_bool,
    attach_population,
    check_by,
    check_choice,
    check_state,
    days_in_month,
    in_group,
    monthly_population,
    table_or_none,
    with_state_names,
)
from ._common import group as crime_group
from .bridge import NEW, OLD, bridged_crimes


def _series(con: Any, groups: list[str], *, table: str = VICTIMS, state: str | None = None, by_state: bool = False):
    """Monthly totals of the groups' rows: ``period[, state_code], value`` (an Ibis expression)."""
    t = con.table(table)
    value = t.victims if "victims" in t.columns else t.crimes
    t = t.filter(in_group(t, groups))
    if state:
        t = t.filter(t.state_code == state)
    keys = ["period", "state_code"] if by_state else ["period"]
    return t.group_by(keys).aggregate(value=value.sum())


def _homicide_groups(feminicide: bool) -> list[str]:
    return ["intentional_homicide", "feminicide"] if feminicide else ["intentional_homicide"]


def _by(expr, by: str, *, daily: bool):
    """Aggregate a monthly national or state series to the requested grain."""
    e = expr.mutate(days=days_in_month(expr.period))
    if by == "month":
        out = e.mutate(value=(e.value / e.days) if daily else e.value)
        return out.select("period", "value").order_by("period"), None
    if by == "year":
        g = e.group_by(year=e.period.year()).aggregate(
            months=e.period.nunique(), days=e.days.sum(), total=e.value.sum()
        )
        value = (g.total / g.days) if daily else g.total
        return g.select(g.year, g.months, value=value).order_by("year"), None
    if by == "state":
        g = e.group_by(["state_code", e.period.year().name("year")]).aggregate(
            months=e.period.nunique(), days=e.days.sum(), total=e.value.sum()
        )
        value = (g.total / g.days) if daily else g.total
        return g.select("state_code", "year", "months", value=value).order_by(["year", "state_code"]), "state"
    # administration
    g = e.filter(administration(e.period).notnull())
    g = g.group_by(administration=administration(g.period)).aggregate(
        first=g.period.min(), last=g.period.max(), days=g.days.sum(), total=g.value.sum()
    )
    return g, "administration"


def _administration_table(t: pa.Table, *, daily: bool, value_name: str) -> pa.Table:
    """Order by term, state each term's covered span, and say where the data clip it."""
    rows = {r["administration"]: r for r in t.to_pylist()}
    out = []
    for a in catalog.administrations():
        r = rows.get(a.key)
        if r is None:
            continue
        start, end = max(a.start, r["first"]), min(a.end, month_end(r["last"]))
        notes = []
        if start > a.start:
            notes.append(f"data start {start:%Y-%m-%d}; term began {a.start:%Y-%m-%d}")
        if end < a.end:
            notes.append(
                f"data end {end:%Y-%m-%d}; term ends {a.end:%Y-%m-%d}"
                if a.end > date.today()
                else f"data end {end:%Y-%m-%d}; term ended {a.end:%Y-%m-%d}"
            )
        out.append(
            {
                "administration": a.key,
                "president": a.president,
                "start": start,
                "end": end,
                "days": r["days"],
                value_name: r["total"],
                "value": (r["total"] / r["days"]) if daily else r["total"],
                "coverage": "; ".join(notes) or "full term",
            }
        )
    return pa.Table.from_pylist(out)


def _finish(expr, kind: str | None, *, daily: bool, value_name: str = "victims") -> pa.Table:
    if kind == "administration":
        return _administration_table(expr.to_pyarrow(), daily=daily, value_name=value_name)
    t = expr.to_pyarrow()
    return with_state_names(t) if kind == "state" else t


@indicator("homicide_victims")
def homicide_victims(con, by: str = "month", state: str | None = None, feminicide: bool = False) -> pa.Table:
    """Intentional homicide victims (optionally + feminicide), national or one state, by month/year/term/state."""
    check_by("homicide_victims", by)
    state = check_state(state)
    expr = _series(con, _homicide_groups(as_bool(feminicide)), state=state, by_state=by == "state")
    out, kind = _by(expr, by, daily=False)
    return _finish(out, kind, daily=False)


@indicator("homicide_victims_daily_average")
def homicide_victims_daily_average(
    con, by: str = "month", state: str | None = None, feminicide: bool = False
) -> pa.Table:
    """Victims / days in the period; by administration each term is clipped to the data and says so."""
    check_by("homicide_victims_daily_average", by)
    state = check_state(state)
    expr = _series(con, _homicide_groups(as_bool(feminicide)), state=state, by_state=by == "state")
    out, kind = _by(expr, by, daily=True)
    return _finish(out, kind, daily=True)


def _rate_source(group_key: str, level: str, measure: str) -> str:
    if level == "municipal":
        if measure != "crimes":
            raise UsmxError("municipal rates use the municipal incidence file (measure=crimes).")
        return MUNICIPAL_CRIMES
    return VICTIMS if measure == "victims" else STATE_CRIMES


@indicator("crime_rate_per_100k")
def crime_rate_per_100k(
    con,
    group: str = "intentional_homicide",
    by: str = "year",
    level: str = "state",
    measure: str | None = None,
    state: str | None = None,
) -> pa.Table:
    """Crimes or victims of a crime group per 100,000 inhabitants per year, by state, municipality or nation; by
    default the group's own measure (catalog/taxonomy.yaml: victims for homicide, kidnapping, extortion...), the
    same as the dashboard and the report. The ``measure`` column names the basis."""
    check_by("crime_rate_per_100k", by)
    check_choice("level", level, ("national", "state", "municipal"))
    g = crime_group(group)
    if measure is None:  # the group's own measure; municipalities publish crimes only
        measure = "crimes" if level == "municipal" else g.measure
    check_choice("measure", measure, ("crimes", "victims"))
    state = check_state(state)
    if measure == "crimes" and level != "municipal":  # both methodologies, bridged at January 2026
        t = bridged_crimes(con, g.key, state)
    else:
        t = con.table(_rate_source(g.key, level, measure))
        t = t.filter(in_group(t, [g.key]))
        if state:
            t = t.filter(t.state_code == state)
        t = t.mutate(crimes=t.victims) if measure == "victims" else t
        t = t.mutate(methodology=ibis.literal(OLD))
    unit = {"national": None, "state": "state_code", "municipal": "municipality_code"}[level]
    keys = ["period"] + ([unit] if unit else [])
    m = t.group_by(keys).aggregate(total=t.crimes.sum(), _m0=t.methodology.min(), _m1=t.methodology.max())
    if unit is None:
        m = m.mutate(unit_code=ibis.literal("00"))
        unit = "unit_code"
    m = m.mutate(days=days_in_month(m.period))
    if by == "last_12_months":
        return _last_12_months(m, con, unit, level, g.key, measure)
    if by == "month":
        m = attach_population(m, con, unit, "municipal" if level == "municipal" else "state")
        year_days = ibis.ifelse(days_in_month(ibis.date(m.period.year(), 2, 1)) == 29, 366, 365)
        out = _label_methodology(m.mutate(value=m.total / m.population * 100_000 * year_days / m.days))
        cols = ["period"] + ([unit] if unit != "unit_code" else []) + ["total", "population", "value", "methodology"]
        out = out.select(*cols).order_by(cols[:2] if len(cols) > 4 else ["period"])
    else:
        yk = [m.period.year().name("year"), unit]
        y = m.group_by(yk).aggregate(
            months=m.period.nunique(), days=m.days.sum(), total=m.total.sum(), _m0=m._m0.min(), _m1=m._m1.max()
        )
        # the year's mid-year (1 July) population, whatever months the data cover
        pop = monthly_population(con, "municipal" if level == "municipal" else "state")
        y = y.left_join(pop, [y[unit] == pop.unit_code, y.year == pop.base_year])
        y = y.mutate(population=y.pop_mid.cast("float64"))
        # partial years are annualised from the months covered
        year_days = ibis.ifelse(days_in_month(ibis.date(y.year, 2, 1)) == 29, 366, 365)
        out = _label_methodology(y.mutate(value=y.total / y.population * 100_000 * year_days / y.days))
        cols = ["year"] + ([unit] if unit != "unit_code" else []) + ["months", "total", "population", "value"]
        cols.append("methodology")
        out = out.select(*cols).order_by(cols[:2] if unit != "unit_code" else ["year"])
    res = out.to_pyarrow()
    res = res.append_column("group", pa.array([g.key] * res.num_rows, pa.string()))
    res = res.append_column("measure", pa.array([measure] * res.num_rows, pa.string()))
    return with_state_names(res) if level == "state" else res


def _label_methodology(t):
    """The methodology of a row's months (see :func:`usmx.indicators.bridge.methodology_label`)."""
    label = ibis.cases((t._m0 == t._m1, t._m0), else_=ibis.literal(f"{OLD}+{NEW} (bridged)"))
    return t.mutate(methodology=label).drop("_m0", "_m1")


def _last_12_months(m, con, unit: str, level: str, group_key: str, measure: str) -> pa.Table:
    """Per unit: the total of the latest 12 months in the data, over the mean interpolated population."""
    latest = m.period.max().as_scalar()
    w = m.filter(m.period > latest - ibis.interval(months=12))
    w = attach_population(w, con, unit, "municipal" if level == "municipal" else "state")
    keys = [unit] if unit != "unit_code" else []
    agg = w.group_by(keys or [ibis.literal("00").name("unit_code")]).aggregate(
        window_start=w.period.min(),
        window_end=w.period.max(),
        months=w.period.nunique(),
        days=w.days.sum(),
        total=w.total.sum(),
        population=w.population.mean(),
        _m0=w._m0.min(),
        _m1=w._m1.max(),
    )
    agg = _label_methodology(agg.mutate(value=agg.total / agg.population * 100_000 * 365.25 / agg.days))
    res = agg.order_by(ibis.desc("value")).to_pyarrow()
    res = res.append_column("rank", pa.array(range(1, res.num_rows + 1), pa.int64()))
    res = res.append_column("group", pa.array([group_key] * res.num_rows, pa.string()))
    res = res.append_column("measure", pa.array([measure] * res.num_rows, pa.string()))
    return with_state_names(res) if level == "state" else res


@indicator("homicide_headline")
def homicide_headline(con, feminicide: bool = False) -> pa.Table:
    """The latest month's daily average against the same month a year earlier and each administration's average."""
    monthly = homicide_victims_daily_average(con, by="month", feminicide=feminicide).to_pylist()
    terms = homicide_victims_daily_average(con, by="administration", feminicide=feminicide).to_pylist()
    if not monthly:
        return pa.table({"comparison": pa.array([], pa.string()), "value": pa.array([], pa.float64())})
    last = monthly[-1]
    year_before = next(
        (r for r in monthly if r["period"] == date(last["period"].year - 1, last["period"].month, 1)), None
    )
    rows = []
    if year_before:
        rows.append(
            {
                "comparison": "same_month_previous_year",
                "reference": f"{year_before['period']:%Y-%m}",
                "reference_value": year_before["value"],
            }
        )
    for t in terms:
        rows.append(
            {
                "comparison": f"administration:{t['administration']}",
                "reference": f"{t['start']:%Y-%m} … {t['end']:%Y-%m}",
                "reference_value": t["value"],
            }
        )
    for r in rows:
        r["latest_period"] = last["period"]
        r["latest_value"] = last["value"]
        r["value"] = (last["value"] / r["reference_value"] - 1) * 100
    return pa.Table.from_pylist(rows).select(
        ["comparison", "value", "latest_period", "latest_value", "reference", "reference_value"]
    )


#: the groups compared across administrations (each in its catalogue measure: victims where SESNSP counts them)
#: the crime groups the administration comparison covers by default (catalog/taxonomy.yaml)
COMPARISON_GROUPS = catalog.comparison_groups()


#: a change between administrations is flagged when either term has fewer months of data than this
MIN_COMPARISON_MONTHS = 12


@indicator("administration_comparison")
def administration_comparison(con, groups: str | None = None) -> pa.Table:
    """Totals, daily averages and rates per administration and crime group, sources never mixed in a row."""
    wanted = [crime_group(g.strip()).key for g in groups.split(",")] if groups else list(COMPARISON_GROUPS)
    pieces = []
    for g in wanted:
        measure = crime_group(g).measure
        table = VICTIMS if measure == "victims" else STATE_CRIMES
        expr = _series(con, [g], table=table)
        pieces.append((g, f"SESNSP {measure} ({'IDVFC' if measure == 'victims' else 'IDEFC'})", expr))
        if g == "intentional_homicide":
            t = con.table(INEGI)
            t = t.filter(t.state_code <= "32")
            inegi = t.group_by(period=t.registration_period).aggregate(value=t.deaths.sum())
            pieces.append((g, "INEGI death records (month of registration)", inegi))
            # by month of occurrence (2000 onwards): the months SESNSP counts, so whole terms compare on death records
            o = table_or_none(con, INEGI_OCCURRENCE)
            if o is not None:
                occurred = o.group_by("period").aggregate(value=o.deaths.sum())
                pieces.append((g, "INEGI death records (month of occurrence)", occurred))
    rows = []
    for g, source, expr in pieces:
        e = expr.mutate(unit_code=ibis.literal("00"))
        e = attach_population(e, con, "unit_code")
        e = e.mutate(days=days_in_month(e.period))
        e = e.filter(administration(e.period).notnull())
        agg = e.group_by(administration=administration(e.period)).aggregate(
            first=e.period.min(),
            last=e.period.max(),
            days=e.days.sum(),
            total=e.value.sum(),
            person_years=(e.population * e.days / 365.25).sum(),
            months=e.period.nunique(),
        )
        res = {r["administration"]: r for r in agg.to_pyarrow().to_pylist()}
        prev: float | None = None
        prev_months = 0
        for a in catalog.administrations():
            r = res.get(a.key)
            if r is None:
                continue
            start, end = max(a.start, r["first"]), min(a.end, month_end(r["last"]))
            term_days = (a.end - a.start).days + 1
            daily = r["total"] / r["days"]
            rate = r["total"] / r["person_years"] * 100_000 if r["person_years"] else None
            coverage = f"{r['days'] / term_days:.0%} of the term ({start:%Y-%m} … {end:%Y-%m})"
            change: float | None = (daily / prev - 1) * 100 if prev else None
            short = [m for m in (r["months"], prev_months) if m < MIN_COMPARISON_MONTHS] if prev else []
            flag = (
                f"fragile: {min(short)} month(s) of data in one of the two terms (fewer than {MIN_COMPARISON_MONTHS})"
                if short
                else None
            )
            rows.append(
                {
                    "administration": a.key,
                    "group": g,
                    "source": source,
                    "value": daily,
                    "president": a.president,
                    "start": start,
                    "end": end,
                    "days": r["days"],
                    "months": r["months"],
                    "total": r["total"],
                    "rate_per_100k": rate,
                    "change_vs_previous_pct": change,
                    "change_flag": flag,
                    "coverage": coverage,
                    "full_term": r["days"] == term_days,
                }
            )
            prev, prev_months = daily, r["months"]
    # chronological within each group: the terms in order, the older source first where two cover one term
    order = {g: i for i, g in enumerate(wanted)}
    rows.sort(key=lambda r: (order[r["group"]], r["start"], r["source"]))
    return pa.Table.from_pylist(rows)


@indicator("records")
def records(con, feminicide: bool = False) -> pa.Table:
    """Worst month and worst complete year for the nation and each state, and how long ago the worst month was."""
    expr = _series(con, _homicide_groups(as_bool(feminicide)), by_state=True).to_pyarrow().to_pylist()
    if not expr:
        return pa.table({"value": pa.array([], pa.float64())})
    latest = max(r["period"] for r in expr)
    series: dict[str, dict[date, int]] = {"00": {}}
    for r in expr:
        series.setdefault(r["state_code"], {})[r["period"]] = r["value"]
        series["00"][r["period"]] = series["00"].get(r["period"], 0) + r["value"]
    names = catalog.state_names() | {"00": i18n.t("national", "en")}  # data columns are in English
    out = []
    for code in sorted(series):
        s = series[code]
        worst_month = max(s, key=lambda p: (s[p], p))
        years: dict[int, list[int]] = {}
        for p, v in s.items():
            years.setdefault(p.year, []).append(v)
        complete = {y: sum(v) for y, v in years.items() if len(v) == 12}
        worst_year = max(complete, key=lambda y: (complete[y], y)) if complete else None
        out.append(
            {
                "state_code": code,
                "state": names[code],
                "worst_month": worst_month,
                "value": s[worst_month],
                "months_ago": months_between(worst_month, latest),
                "worst_year": worst_year,
                "worst_year_value": complete.get(worst_year) if worst_year is not None else None,
                "latest_month": latest,
                "latest_value": s.get(latest),
            }
        )
    return pa.Table.from_pylist(out)


@indicator("anomalies")
def anomalies(
    con,
    level: str = "state",
    group: str = "intentional_homicide",
    threshold: float = 4.0,
    min_count: int = 10,
    since: str | None = None,
) -> pa.Table:
    """Months far outside their expected range (robust STL residuals); each flag says why it was raised."""
    import numpy as np
    import pandas as pd
    from statsmodels.tsa.seasonal import STL

    check_choice("level", level, ("state", "municipal"))
    g = crime_group(group)
    threshold, min_count = float(threshold), int(min_count)
    if level == "state":
        table, unit = (VICTIMS if g.measure == "victims" else STATE_CRIMES), "state_code"
    else:
        table, unit = MUNICIPAL_CRIMES, "municipality_code"
    t = con.table(table)
    value = t.victims if "victims" in t.columns else t.crimes
    t = t.filter(in_group(t, [g.key]))
    df = t.group_by(["period", unit]).aggregate(value=value.sum()).to_pandas()
    rows = []
    if df.empty:
        return _empty_anomalies(unit)
    df["period"] = pd.to_datetime(df["period"])
    cutoff = pd.Timestamp(since) if since else None
    for code, s in df.groupby(unit):
        s = s.set_index("period")["value"].sort_index().asfreq("MS", fill_value=0).astype(float)
        if len(s) < 36 or s.sum() == 0:
            continue
        res = STL(s, period=12, robust=True).fit()
        expected = res.trend + res.seasonal
        resid = s - expected
        mad = float(np.median(np.abs(resid - np.median(resid))))
        sd = 1.4826 * mad
        if sd == 0:
            continue
        z = resid / sd
        for p in s.index[(np.abs(z) > threshold) & (np.abs(resid) >= min_count)]:
            if cutoff is not None and p < cutoff:
                continue
            obs, exp = float(s[p]), float(expected[p])
            lo, hi = exp - threshold * sd, exp + threshold * sd
            direction = "above" if obs > exp else "below"
            pct = (obs / exp - 1) * 100 if exp > 0 else float("nan")
            rows.append(
                {
                    unit: code,
                    "period": p.date(),
                    "value": obs,
                    "expected": round(exp, 1),
                    "lower": round(lo, 1),
                    "upper": round(hi, 1),
                    "z": round(float(z[p]), 2),
                    "direction": direction,
                    "change_pct": pct,
                    "reason": f"observed {obs:,.0f} vs expected {exp:,.0f} (range {max(lo, 0):,.0f}-{hi:,.0f}): "
                    f"{pct:+.0f}%, {abs(float(z[p])):.1f} robust SDs {direction} the seasonal trend",
                }
            )
    if not rows:
        return _empty_anomalies(unit)
    out = pa.Table.from_pylist(sorted(rows, key=lambda r: (-abs(r["z"]), r["period"])))
    return with_state_names(out) if level == "state" else out


def _empty_anomalies(unit: str) -> pa.Table:
    return pa.table(
        {
            unit: pa.array([], pa.string()),
            "period": pa.array([], pa.date32()),
            "value": pa.array([], pa.float64()),
            "expected": pa.array([], pa.float64()),
            "lower": pa.array([], pa.float64()),
            "upper": pa.array([], pa.float64()),
            "z": pa.array([], pa.float64()),
            "direction": pa.array([], pa.string()),
            "change_pct": pa.array([], pa.float64()),
            "reason": pa.array([], pa.string()),
        }
    )
