"""Municipal homicide hot spots: empirical-Bayes rates and LISA clusters (:mod:`usmx.evaluate.hotspots`).

Reads INEGI's homicides by municipality and month of occurrence (with the tabulation's population estimate) for one
complete year, and the municipal borders of catalog/geo. Each municipality gets its raw and smoothed rate per
100,000 a year, its rank by the smoothed rate, its local Moran's I, permutation p-value, Benjamini-Hochberg q-value
and cluster (hot, cold, high_low, low_high, not_significant, not_assessed with the reason).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .. import catalog
from ..errors import UsmxError
from . import indicator
from ._common import check_state, table_or_none

TABLE = "core_inegi__homicide_deaths_occurrence_municipal_monthly"


def _year(t, year: int | None) -> int:
    """The year asked for, which must be complete (twelve months loaded), or the newest complete one."""
    months = t.group_by(year=t.period.year()).aggregate(months=t.period.nunique()).to_pyarrow().to_pylist()
    complete = sorted(r["year"] for r in months if r["months"] == 12)
    if year is None:
        if not complete:
            raise UsmxError(f"{TABLE} holds no complete year; load INEGI's municipal homicides by occurrence.")
        return complete[-1]
    if year not in complete:
        have = ", ".join(str(y) for y in complete[-5:]) or "none"
        raise UsmxError(f"year {year} is not a complete year of {TABLE} (complete years: {have}).")
    return year


@indicator("municipal_hotspots")
def municipal_hotspots(
    con,
    year: int | None = None,
    state: str | None = None,
    permutations: int = 9999,
    fdr: float = 0.05,
) -> pa.Table:
    """Homicide rates per 100,000 a year by municipality, smoothed by empirical Bayes (``value``), with LISA hot
    and cold spots at a false-discovery rate of ``fdr`` (computed over the whole country; ``state`` only selects
    the rows shown)."""
    from ..evaluate.hotspots import contiguity, hotspots

    t = table_or_none(con, TABLE)
    if t is None:
        raise UsmxError(f"the warehouse has no {TABLE}; `usmx fetch inegi-homicides-occurrence-municipal`.")
    state = check_state(state)
    chosen = _year(t, int(year) if year is not None else None)
    rows = (
        t.filter(t.period.year() == chosen)
        .group_by("municipality_code")
        .aggregate(deaths=t.deaths.sum(), population=t.population_estimate.mean())
        .order_by("municipality_code")
        .to_pyarrow()
        .to_pylist()
    )
    codes = [r["municipality_code"] for r in rows]
    population = np.array([np.nan if r["population"] is None else r["population"] for r in rows], dtype=float)
    found = hotspots(
        codes,
        np.array([r["deaths"] for r in rows], dtype=float),
        population,
        contiguity(catalog.topology("mx_municipalities"), "municipios"),
        permutations=int(permutations),
        fdr=float(fdr),
    )
    names = catalog.municipalities()
    states = catalog.state_names()
    ranked = sorted((r for r in found.rows if r["eb_rate"] is not None), key=lambda r: -r["eb_rate"])
    rank = {r["code"]: i + 1 for i, r in enumerate(ranked)}
    out = []
    for r in found.rows:
        code = r["code"]
        if state and not code.startswith(state):
            continue
        out.append(
            {
                "municipality_code": code,
                "municipality": names.get(code, (None, None))[1],
                "state_code": code[:2],
                "state": states.get(code[:2]),
                "value": r["eb_rate"],
                "year": chosen,
                "deaths": int(r["events"]),
                "population": r["population"],
                "raw_rate": r["raw_rate"],
                "rank": rank.get(code),
                "local_i": r["local_i"],
                "quadrant": r["quadrant"],
                "p_value": r["p_value"],
                "q_value": r["q_value"],
                "cluster": r["cluster"],
                "why": r["why"],
            }
        )
    note = (
        f"LISA on empirical-Bayes standardised rates, {found.permutations} conditional permutations, "
        f"Benjamini-Hochberg at a false-discovery rate of {found.fdr:g}; {found.assessed} municipalities assessed, "
        f"{found.not_assessed} not (no population estimate or no neighbour)."
    )
    table = pa.Table.from_pylist(out, schema=SCHEMA)
    return table.replace_schema_metadata({b"note": note.encode()})


SCHEMA = pa.schema(
    [
        ("municipality_code", pa.string()),
        ("municipality", pa.string()),
        ("state_code", pa.string()),
        ("state", pa.string()),
        ("value", pa.float64()),
        ("year", pa.int64()),
        ("deaths", pa.int64()),
        ("population", pa.float64()),
        ("raw_rate", pa.float64()),
        ("rank", pa.int64()),
        ("local_i", pa.float64()),
        ("quadrant", pa.string()),
        ("p_value", pa.float64()),
        ("q_value", pa.float64()),
        ("cluster", pa.string()),
        ("why", pa.string()),
    ]
)
