"""CDC VSRR overdose deaths by state and month, from a JSON derivative (kind ``cdc_overdose_states_json``).

The file (github.com/mattkiefer/us-overdoses, ``viz/output/od_statemonths.json``, MIT licence) re-shapes CDC's VSRR
export (data.cdc.gov xkb8-kh2a, the September 2025 export) as
``{"01": {"2015-January": {"mort": 715, "mort_100k": 14.72}, ...}, ...}``: reported deaths from all drug overdoses in
the 12 months ending in each month, for the 50 states and DC by FIPS code. Two things differ from CDC's own file:
New York is the state *with* New York City (CDC reports the city apart, as ``YC``), and there is no national row.
usmx stores each state's count as the indicator ``all_drugs`` in ``core_cdc__overdose_deaths_monthly`` and adds the
nation (``US``) as the sum of the 51, with a footnote saying so. A newer release of the derivative replaces the
cells it covers, like any release; CDC's own file stays as an older vintage.
"""

from __future__ import annotations

import json
from datetime import date

import pyarrow as pa

from .. import catalog
from ..checks import Check, every_unit_every_period
from ..errors import CellError, UsmxError
from ..rawstore import open_text
from ._base import ParseContext, Staged, rows_of

TABLE = "core_cdc__overdose_deaths_monthly"
INDICATOR = "Number of Drug Overdose Deaths"
#: the footnote of the national row usmx adds
US_FOOTNOTE = "usmx: sum of the 50 states and DC in the derivative (no national row in the file)"


def _period(display: str, state: str, key: str, months: dict[str, int]) -> date:
    year, _, month = key.partition("-")
    m = months.get(catalog.normalise(month))
    if not (year.isdigit() and len(year) == 4 and m):
        raise CellError(display, None, f"state {state}", key, "a month key like '2015-January'")
    return date(int(year), m, 1)


def parse_states(ctx: ParseContext, kind: str) -> Staged:
    spec = catalog.tables()[TABLE]
    doc = catalog.header_maps("cdc")
    fips = {k: tuple(v) for k, v in doc["fips"].items()}
    months = {catalog.normalise(k): v for k, v in doc["months"].items()}
    with open_text(ctx.facts) as text:
        raw = text.read()
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UsmxError(
            f"{ctx.display}: not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}); the download was "
            "probably cut short. Re-download it; nothing was loaded."
        ) from None
    if not isinstance(data, dict):
        raise UsmxError(f"{ctx.display}: expected a JSON object keyed by state FIPS code; nothing was loaded.")
    rows: dict[str, list] = {c: [] for c in ("period", "jurisdiction_code", "jurisdiction_name", "deaths")}
    for state, series in data.items():
        if state not in fips:
            raise CellError(ctx.display, None, "state key", state, "a two-digit FIPS code of a state or DC")
        if not isinstance(series, dict):
            raise CellError(ctx.display, None, f"state {state}", str(series)[:40], "an object of months")
        code, name = fips[state]
        for key, cell in series.items():
            period = _period(ctx.display, state, key, months)
            deaths = cell.get("mort") if isinstance(cell, dict) else None
            if not isinstance(deaths, int) or isinstance(deaths, bool) or deaths < 0:
                raise CellError(
                    ctx.display, None, f"state {state}, {key}, mort", repr(deaths), "a whole, non-negative number"
                )
            rows["period"].append(period)
            rows["jurisdiction_code"].append(code)
            rows["jurisdiction_name"].append(name)
            rows["deaths"].append(deaths)
    ctx.con.register("_cdcj_arrow", pa.table(rows))
    ctx.con.execute("CREATE OR REPLACE TEMP TABLE _cdcj_states AS SELECT * FROM _cdcj_arrow")
    ctx.con.unregister("_cdcj_arrow")
    if not rows["period"]:
        raise UsmxError(f"{ctx.display}: the file holds no months; nothing was loaded.")
    # the nation: the sum of the 51, only for months every state reports (a month missing a state fails a check)
    ctx.con.execute(
        "CREATE OR REPLACE TEMP TABLE _cdcj AS SELECT period, jurisdiction_code, jurisdiction_name, deaths, "
        "NULL::VARCHAR AS footnote_symbol FROM _cdcj_states UNION ALL SELECT period, 'US', 'United States', "
        f"sum(deaths), '{US_FOOTNOTE}' FROM _cdcj_states GROUP BY period"
    )
    ctx.con.execute(
        "CREATE OR REPLACE TEMP TABLE _cdcj_rows AS SELECT period, jurisdiction_code, jurisdiction_name, "
        f"'{INDICATOR}' AS indicator, 'all_drugs' AS indicator_key, 'count' AS value_kind, "
        "CAST(deaths AS DOUBLE) AS deaths_12m_ending, NULL::DOUBLE AS predicted_12m_ending, "
        "NULL::DOUBLE AS percent_with_drugs_specified, NULL::DOUBLE AS percent_complete, "
        "NULL::DOUBLE AS percent_pending, footnote_symbol FROM _cdcj"
    )
    pmin, pmax = min(rows["period"]), max(rows["period"])
    return Staged(
        kind,
        spec,
        "_cdcj_rows",
        rows_of(spec, "_cdcj_rows"),
        scope=kind,
        vintage=pmax,
        period_min=pmin,
        period_max=pmax,
        checks=CHECKS,
        notes=[
            f"{len(set(rows['jurisdiction_code']))} states and DC, {pmin:%Y-%m} to {pmax:%Y-%m}; US added as their sum"
        ],
    )


CHECKS = [
    every_unit_every_period(
        "_cdcj_states", "jurisdiction_code", why=": the national sum usmx adds would be short", early=True
    ),
    Check(
        "all_states_present",
        "SELECT count(DISTINCT jurisdiction_code) FROM _cdcj_states HAVING count(DISTINCT jurisdiction_code) <> 51",
        lambda rows: f"{rows[0][0]} states and DC in the file, 51 expected: the national sum would be short.",
        early=True,
    ),
]
