"""The US side: fentanyl seizures, overdose deaths, southwest border encounters, and how seizures and deaths move.

CBP counts in fiscal years (October-September); ``by="fiscal_year"`` sums over them. CDC counts deaths in the 12
months ending in each month; the value for December is the calendar year's total.
"""

from __future__ import annotations

import math

import pyarrow as pa

from .._dates import next_month
from ..errors import UsmxError
from . import indicator
from ._common import as_bool, check_by, check_choice

SEIZURES = "core_cbp__drug_seizures_monthly"
ENCOUNTERS = "core_cbp__encounters_monthly"
OVERDOSES = "core_cdc__overdose_deaths_monthly"

REGIONS = {
    "southwest_border": "Southwest Border",
    "northern_border": "Northern Border",
    "coastal_interior": "Coastal/Interior",
}
COMPONENTS = {"ofo": "Office of Field Operations", "usbp": "U.S. Border Patrol", "amo": "Air and Marine Operations"}


def _seizures(
    con, measure: str, by: str, drug: str, region: str | None, aor: str | None, component: str | None, split: str | None
) -> pa.Table:
    check_by("fentanyl_seizures_lbs", by)
    t = con.table(SEIZURES)
    t = t.filter(t.drug == drug.lower())
    if region:
        if region not in REGIONS:
            raise UsmxError(f"region must be one of {', '.join(REGIONS)}; got {region!r}.")
        t = t.filter(t.region == REGIONS[region])
    if component:
        if component not in COMPONENTS:
            raise UsmxError(f"component must be one of {', '.join(COMPONENTS)}; got {component!r}.")
        t = t.filter(t.component == COMPONENTS[component])
    if aor:
        t = t.filter(t.area.upper() == aor.upper())
    if split:
        check_choice("split", split, ("region", "area", "component"))
    key = "period" if by == "month" else "fiscal_year"
    keys = [key] + ([split] if split else [])
    value = t.quantity_lbs.sum() if measure == "lbs" else t.events.sum()
    agg = t.group_by(keys).aggregate(value=value)
    if by == "fiscal_year":
        months = t.group_by(keys).aggregate(months=t.period.nunique())
        agg = agg.join(months, keys)
    if split:
        # each part's share of its month's (or fiscal year's) total, in percent
        agg = agg.mutate(share_pct=agg.value * 100.0 / agg.value.sum().over(group_by=key))
    return agg.order_by(keys).to_pyarrow()


@indicator("fentanyl_seizures_lbs")
def fentanyl_seizures_lbs(
    con,
    by: str = "month",
    drug: str = "fentanyl",
    region: str | None = None,
    aor: str | None = None,
    component: str | None = None,
    split: str | None = None,
) -> pa.Table:
    """Pounds of a drug seized by CBP (fentanyl by default), nationwide or by region, component or AOR."""
    return _seizures(con, "lbs", by, drug, region, aor, component, split)


@indicator("fentanyl_seizure_events")
def fentanyl_seizure_events(
    con,
    by: str = "month",
    drug: str = "fentanyl",
    region: str | None = None,
    aor: str | None = None,
    component: str | None = None,
    split: str | None = None,
) -> pa.Table:
    """Number of CBP seizure events of a drug (fentanyl by default)."""
    return _seizures(con, "events", by, drug, region, aor, component, split)


@indicator("overdose_deaths")
def overdose_deaths(
    con, jurisdiction: str = "US", drug: str = "all_drugs", by: str = "month", predicted: bool = False
) -> pa.Table:
    """Drug overdose deaths in the 12 months ending each month (CDC VSRR), reported or predicted."""
    check_by("overdose_deaths", by)
    predicted = as_bool(predicted)
    t = con.table(OVERDOSES)
    t = t.filter((t.jurisdiction_code == jurisdiction.upper()) & (t.indicator_key == drug) & (t.value_kind == "count"))
    value = t.predicted_12m_ending if predicted else t.deaths_12m_ending
    if by == "year":
        t = t.filter(t.period.month() == 12)
        out = t.select(
            year=t.period.year(),
            jurisdiction_code=t.jurisdiction_code,
            value=value,
            indicator=t.indicator,
            percent_complete=t.percent_complete,
        )
        return out.order_by("year").to_pyarrow()
    out = t.select(
        period=t.period,
        jurisdiction_code=t.jurisdiction_code,
        value=value,
        indicator=t.indicator,
        percent_complete=t.percent_complete,
    )
    return out.order_by("period").to_pyarrow()


@indicator("southwest_border_encounters")
def southwest_border_encounters(
    con, by: str = "month", citizenship: str | None = None, demographic: str | None = None, split: str | None = None
) -> pa.Table:
    """CBP encounters at the southwest land border, by month or fiscal year, optionally split or filtered."""
    check_by("southwest_border_encounters", by)
    t = con.table(ENCOUNTERS)
    t = t.filter(t.land_border_region == "Southwest Land Border")
    if citizenship:
        t = t.filter(t.citizenship.upper() == citizenship.upper())
    if demographic:
        t = t.filter(t.demographic.upper() == demographic.upper())
    if split:
        check_choice("split", split, ("citizenship", "demographic", "title_of_authority"))
    key = "period" if by == "month" else "fiscal_year"
    keys = [key] + ([split] if split else [])
    agg = t.group_by(keys).aggregate(value=t.encounters.sum(), months=t.period.nunique())
    cols = keys + ["value"] + (["months"] if by == "fiscal_year" else [])
    out = agg.select(*cols).order_by(keys).to_pyarrow()
    if by == "fiscal_year" and not split:
        # change against the previous fiscal year (full years compared with full years only)
        rows = out.to_pylist()
        prev = {r["fiscal_year"]: r for r in rows}
        change = [
            (r["value"] / p["value"] - 1) * 100
            if (p := prev.get(r["fiscal_year"] - 1)) and p["months"] == 12 and r["months"] == 12 and p["value"]
            else None
            for r in rows
        ]
        out = out.append_column("change_pct", pa.array(change, pa.float64()))
    return out


CAUTION_EN = (
    "A correlation between seizures and deaths says that the two series moved together at some lag; it "
    "does not say that seizures prevent or cause deaths. Both series trend for reasons of their own "
    "(enforcement effort, purity, reporting), and the band assumes independent observations, which "
    "smoothed 12-month series are not: read it as a lower bound on uncertainty."
)
CAUTION_ES = (
    "Una correlación entre decomisos y muertes dice que ambas series se movieron juntas con cierto "
    "rezago; no dice que los decomisos eviten o causen muertes. Ambas tienen tendencias propias "
    "(esfuerzo policial, pureza, registro), y la banda supone observaciones independientes, lo que no "
    "son las series de 12 meses: léala como un límite inferior de la incertidumbre."
)


@indicator("fentanyl_seizures_vs_overdoses")
def fentanyl_seizures_vs_overdoses(
    con,
    output: str = "ccf",
    region: str | None = None,
    max_lag: int = 12,
    min_overlap: int = 24,
    jurisdiction: str = "US",
    drug: str = "auto",
) -> pa.Table:
    """Fentanyl seizures (12-month sums) aligned with overdose deaths (12 months ending), and their lagged
    cross-correlation on month-to-month changes with a 95% band (output=ccf or output=series). ``drug``:
    synthetic_opioids (mostly fentanyl), all_drugs, or auto (synthetic opioids where they overlap the seizures for
    ``min_overlap`` months, else all drugs; the table's metadata says which)."""
    check_choice("output", output, ("ccf", "series"))
    check_choice("drug", drug, ("auto", "synthetic_opioids", "all_drugs"))
    max_lag, min_overlap = int(max_lag), int(min_overlap)
    s = fentanyl_seizures_lbs(con, by="month", region=region).to_pylist()
    seized = {r["period"]: r["value"] for r in s}

    def deaths_of(kind: str) -> dict:
        d = overdose_deaths(con, jurisdiction=jurisdiction, drug=kind).to_pylist()
        return {r["period"]: r["value"] for r in d if r["value"] is not None}

    used = "synthetic_opioids" if drug == "auto" else drug
    deaths = deaths_of(used)
    months = sorted(seized)
    rolling = {}
    if months:
        # months with no seizure rows are zero: CBP lists only months with events
        first, last = months[0], months[-1]
        p, series = first, []
        while p <= last:
            series.append((p, seized.get(p, 0.0)))
            p = next_month(p)
        for i in range(11, len(series)):
            rolling[series[i][0]] = sum(v for _, v in series[i - 11 : i + 1])
    common = sorted(set(rolling) & set(deaths))
    if drug == "auto" and len(common) < min_overlap:  # e.g. a CDC file without drug classes after 2018
        alt = deaths_of("all_drugs")
        if len(set(rolling) & set(alt)) > len(common):
            used, deaths = "all_drugs", alt
            common = sorted(set(rolling) & set(deaths))
    if output == "series":
        # long: one row per month and series (seizures_lbs_12m, <drug>_deaths_12m)
        periods = sorted(set(rolling) | set(deaths))
        named = {"seizures_lbs_12m": rolling, f"{used}_deaths_12m": deaths}
        return pa.table(
            {
                "period": pa.array([p for p in periods for _ in named], pa.date32()),
                "series": pa.array([n for _ in periods for n in named], pa.string()),
                "value": pa.array([v.get(p) for p in periods for v in named.values()], pa.float64()),
            }
        )
    rows = []
    if len(common) >= min_overlap:
        x = [rolling[p] for p in common]
        y = [deaths[p] for p in common]
        dx = [b - a for a, b in zip(x, x[1:])]
        dy = [b - a for a, b in zip(y, y[1:])]
        for lag in range(-max_lag, max_lag + 1):
            # positive lag: deaths follow seizures by `lag` months
            pairs = [(dx[i], dy[i + lag]) for i in range(len(dx)) if 0 <= i + lag < len(dy)]
            n = len(pairs)
            r = _corr(pairs) if n >= 3 else None
            band = 1.96 / math.sqrt(n) if n else None
            rows.append(
                {
                    "lag_months": lag,
                    "value": r,
                    "n": n,
                    "band_low": -band if band else None,
                    "band_high": band,
                    "outside_band": (r is not None and band is not None and abs(r) > band),
                }
            )
    note = (
        f"{len(common)} overlapping months; deaths: {used.replace('_', ' ')}"
        if len(common) >= min_overlap
        else f"only {len(common)} overlapping months (need {min_overlap}): load CBP and CDC files covering the same "
        "years (usmx fetch cdc-overdoses brings the current CDC export)"
    )
    schema = pa.schema(
        [
            ("lag_months", pa.int64()),
            ("value", pa.float64()),
            ("n", pa.int64()),
            ("band_low", pa.float64()),
            ("band_high", pa.float64()),
            ("outside_band", pa.bool_()),
        ]
    )
    table = pa.Table.from_pylist(rows, schema=schema)
    meta = {
        b"note": note.encode(),
        b"overlap_months": str(len(common)).encode(),
        b"deaths": used.encode(),
        b"caution_en": CAUTION_EN.encode(),
        b"caution_es": CAUTION_ES.encode(),
    }
    return table.replace_schema_metadata(meta)


def _corr(pairs: list[tuple[float, float]]) -> float | None:
    n = len(pairs)
    mx = sum(a for a, _ in pairs) / n
    my = sum(b for _, b in pairs) / n
    sxx = sum((a - mx) ** 2 for a, _ in pairs)
    syy = sum((b - my) ** 2 for _, b in pairs)
    if sxx == 0 or syy == 0:
        return None
    return sum((a - mx) * (b - my) for a, b in pairs) / math.sqrt(sxx * syy)
