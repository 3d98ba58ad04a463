"""The US side: fentanyl seizures, overdose deaths, southwest border encounters, and how seizures and deaths move.

CBP counts in fiscal years (October-September); ``by="fiscal_year"`` sums over them. CDC counts deaths in the 12
months ending in each month; the value for December is the calendar year's total.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from .._dates import next_month
from ..errors import ParameterError, UsmxError
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
#: what ``component`` selects: CBP's published nationwide drug seizures are the Office of Field Operations' and the
#: Border Patrol's (FY2023 fentanyl: 27,023 lbs); Air and Marine Operations publishes its own table apart
COMPONENT_CHOICES = {
    "published": ("ofo", "usbp"),
    "ofo": ("ofo",),
    "usbp": ("usbp",),
    "amo": ("amo",),
    "all": ("ofo", "usbp", "amo"),
}


def _seizures(
    con, measure: str, by: str, drug: str, region: str | None, aor: str | None, component: str, split: str | None
) -> pa.Table:
    check_by("fentanyl_seizures_lbs", by)
    t = con.table(SEIZURES)
    t = t.filter(t.drug == drug.lower())
    if region:
        if region not in REGIONS:
            raise UsmxError(f"region must be one of {', '.join(REGIONS)}; got {region!r}.")
        t = t.filter(t.region == REGIONS[region])
    chosen = COMPONENT_CHOICES[check_choice("component", str(component).lower(), tuple(COMPONENT_CHOICES))]
    if len(chosen) < len(COMPONENTS):
        t = t.filter(t.component.isin([COMPONENTS[c] for c in chosen]))
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
    component: str = "published",
    split: str | None = None,
) -> pa.Table:
    """Pounds of a drug seized by CBP (fentanyl by default), nationwide or by region, component or AOR.
    ``component``: published (CBP's nationwide figure: Office of Field Operations and Border Patrol; default), ofo,
    usbp, amo (Air and Marine Operations, published apart) or all."""
    return _seizures(con, "lbs", by, drug, region, aor, component, split)


@indicator("fentanyl_seizure_events")
def fentanyl_seizure_events(
    con,
    by: str = "month",
    drug: str = "fentanyl",
    region: str | None = None,
    aor: str | None = None,
    component: str = "published",
    split: str | None = None,
) -> pa.Table:
    """Number of CBP seizure events of a drug (fentanyl by default); ``component`` as for the pounds."""
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
    "A correlation between seizures and deaths says that the two series moved together at some lag; it does not say "
    "that seizures prevent or cause deaths. Both series trend for reasons of their own (enforcement effort, purity, "
    "reporting) and are 12-month sums, so neighbouring months share most of their data: the correlations are of "
    "month-to-month changes after removing each change's own history (prewhitening), and the band allows for every "
    "lag looked at (Bonferroni), so that a trend or the smoothing alone does not cross it."
)
CAUTION_ES = (
    "Una correlación entre decomisos y muertes dice que ambas series se movieron juntas con cierto rezago; no dice "
    "que los decomisos eviten o causen muertes. Ambas tienen tendencias propias (esfuerzo policial, pureza, registro) "
    "y son sumas de 12 meses, así que los meses vecinos comparten casi todos sus datos: las correlaciones son de los "
    "cambios mes a mes tras quitar a cada cambio su propia historia (preblanqueo), y la banda toma en cuenta todos "
    "los rezagos revisados (Bonferroni), para que una tendencia o el suavizado por sí solos no la crucen."
)
#: the deaths series each choice reads (catalog/headers/cdc.yaml), and its words
DEATHS = {"synthetic_opioids": "synthetic opioids other than methadone (T40.4, mostly fentanyl)",
          "all_drugs": "all drug overdoses"}  # fmt: skip


def _ar_fit(x: np.ndarray, max_order: int) -> np.ndarray:
    """AR coefficients of ``x`` (demeaned), the order chosen by AIC among 0..``max_order`` (least squares)."""
    x = x - x.mean()
    best, best_aic = np.zeros(0), len(x) * math.log(max(float(np.var(x)), 1e-300))
    for p in range(1, max_order + 1):
        if len(x) - p < 2 * p + 8:
            break
        lags = np.column_stack([x[p - i - 1 : len(x) - i - 1] for i in range(p)])
        phi, *_ = np.linalg.lstsq(lags, x[p:], rcond=None)
        resid = x[p:] - lags @ phi
        aic = (len(x) - p) * math.log(max(float(np.mean(resid**2)), 1e-300)) + 2 * p
        if aic < best_aic - 1e-9:
            best, best_aic = phi, aic
    return best


def _filter(x: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """``x`` through the AR filter 1 - phi_1 B - ... - phi_p B^p (its first p months dropped)."""
    p = len(phi)
    x = x - x.mean()
    if p == 0:
        return x
    return x[p:] - sum(phi[i] * x[p - i - 1 : len(x) - i - 1] for i in range(p))


def _lagged(x: np.ndarray, y: np.ndarray, lag: int) -> tuple[float | None, int]:
    """Pearson's r of x_t with y_{t+lag}, and how many pairs."""
    if lag >= 0:
        a, b = x[: len(x) - lag], y[lag:]
    else:
        a, b = x[-lag:], y[: len(y) + lag]
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    if n < 3 or np.std(a) == 0 or np.std(b) == 0:
        return None, n
    return float(np.corrcoef(a, b)[0, 1]), n


@indicator("fentanyl_seizures_vs_overdoses")
def fentanyl_seizures_vs_overdoses(
    con,
    output: str = "ccf",
    region: str | None = None,
    max_lag: int = 12,
    min_overlap: int = 24,
    jurisdiction: str = "US",
    drug: str = "synthetic_opioids",
    component: str = "published",
) -> pa.Table:
    """CBP fentanyl seizures (12-month sums) aligned with overdose deaths (12 months ending): ``output=series`` gives
    both; ``output=ccf`` their cross-correlation at lags -max_lag..max_lag on month-to-month changes, prewhitened
    (each change filtered by the seizures' own autoregression, its order chosen by AIC) with a 95% band that allows
    for every lag looked at (Bonferroni), beside the plain correlation. ``drug``: synthetic_opioids (T40.4, mostly
    fentanyl; the default) or all_drugs. With fewer than ``min_overlap`` months of both, no correlation is given and
    the note says what to load."""
    from scipy.stats import norm

    check_choice("output", output, ("ccf", "series"))
    drug = check_choice("drug", drug, tuple(DEATHS))
    max_lag, min_overlap = int(max_lag), int(min_overlap)
    if not 1 <= max_lag <= 36:
        raise ParameterError(f"max_lag must be 1 to 36 months; got {max_lag}.")
    if not 12 <= min_overlap <= 600:
        raise ParameterError(f"min_overlap must be 12 to 600 months; got {min_overlap}.")
    s = fentanyl_seizures_lbs(con, by="month", region=region, component=component).to_pylist()
    seized = {r["period"]: r["value"] for r in s}
    d = overdose_deaths(con, jurisdiction=jurisdiction, drug=drug).to_pylist()
    deaths = {r["period"]: r["value"] for r in d if r["value"] is not None}
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
    if output == "series":
        # long: one row per month and series (seizures_lbs_12m, <drug>_deaths_12m)
        periods = sorted(set(rolling) | set(deaths))
        named = {"seizures_lbs_12m": rolling, f"{drug}_deaths_12m": deaths}
        return pa.table(
            {
                "period": pa.array([p for p in periods for _ in named], pa.date32()),
                "series": pa.array([n for _ in periods for n in named], pa.string()),
                "value": pa.array([v.get(p) for p in periods for v in named.values()], pa.float64()),
            }
        )
    rows = []
    order = 0
    measurable = len(common) >= min_overlap
    if measurable:
        x = np.diff([rolling[p] for p in common])
        y = np.diff([deaths[p] for p in common])
        phi = _ar_fit(x, min(13, len(x) // 4))
        order = len(phi)
        xw, yw = _filter(x, phi), _filter(y, phi)
        lags = range(-max_lag, max_lag + 1)
        z = float(norm.ppf(1 - 0.05 / (2 * len(lags))))
        for lag in lags:
            # positive lag: deaths follow seizures by `lag` months
            r, n = _lagged(xw, yw, lag)
            raw, n_raw = _lagged(x, y, lag)
            band = z / math.sqrt(n) if n else None
            rows.append(
                {
                    "lag_months": lag,
                    "value": r,
                    "n": n,
                    "band_low": -band if band else None,
                    "band_high": band,
                    "outside_band": bool(r is not None and band is not None and abs(r) > band),
                    "unadjusted_r": raw,
                    "unadjusted_band": 1.96 / math.sqrt(n_raw) if n_raw else None,
                }
            )
    span = f"{common[0]:%Y-%m} … {common[-1]:%Y-%m}" if common else "none"
    deaths_end = max(deaths) if deaths else None
    if measurable:
        note = (
            f"{len(common)} overlapping months ({span}); deaths: {DEATHS[drug]}; changes prewhitened with an "
            f"AR({order}) filter; band: 95% for the largest of {2 * max_lag + 1} lags (Bonferroni)"
        )
    else:
        note = (
            f"not measurable: only {len(common)} months have both seizures (from "
            f"{min(rolling):%Y-%m}) and {DEATHS[drug]} deaths (to {deaths_end:%Y-%m}); {min_overlap} are needed. "
            if rolling and deaths_end
            else f"not measurable: the warehouse holds no {DEATHS[drug]} deaths for {jurisdiction} beside seizures. "
        ) + (
            "Load a current CDC VSRR export with the synthetic-opioid series (`usmx fetch cdc-overdoses`, dataset "
            "xkb8-kh2a, indicator T40.4)."
        )
    schema = pa.schema(
        [("lag_months", pa.int64()), ("value", pa.float64()), ("n", pa.int64()), ("band_low", pa.float64()),
         ("band_high", pa.float64()), ("outside_band", pa.bool_()), ("unadjusted_r", pa.float64()),
         ("unadjusted_band", pa.float64())]
    )  # fmt: skip
    table = pa.Table.from_pylist(rows, schema=schema)
    meta = {
        b"note": note.encode(),
        b"overlap_months": str(len(common)).encode(),
        b"first_month": (f"{common[0]:%Y-%m}" if common else "").encode(),
        b"last_month": (f"{common[-1]:%Y-%m}" if common else "").encode(),
        b"deaths_end": (f"{deaths_end:%Y-%m}" if deaths_end else "").encode(),
        b"deaths": drug.encode(),
        b"ar_order": str(order).encode(),
        b"measurable": str(measurable).lower().encode(),
        b"caution_en": CAUTION_EN.encode(),
        b"caution_es": CAUTION_ES.encode(),
    }
    return table.replace_schema_metadata(meta)
