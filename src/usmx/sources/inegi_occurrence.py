"""INEGI homicides by state or municipality and month of *occurrence* (kinds ``inegi_homicide_occurrence_state``
and ``inegi_homicide_occurrence_municipal``).

INEGI's cubes, which usmx reads as ``inegi_homicide_deaths``, give the month a death was *registered*; deaths are
often registered months or years after they happen, so registration years do not line up with SESNSP's months. This
file (github.com/thegargiulian/mexico-homicide-rates, ``mexico-state-month-homicide-rates-2000-2022.csv``; Gargiulo,
Aburto and Floridi 2024, doi:10.17605/OSF.IO/U8DC3, CC BY 4.0) tabulates the same death records by the month they
occurred: ``cve_ent|year|month|homicides|pop_est|homicide_rate``, pipe-separated, one row per state and month.
usmx keeps the count; for states the authors' population estimate and rate stay in the raw file (usmx's state rates
use CONAPO). The municipal file (``mexico-muni-month-homicide-rates-2000-2021.csv``, ``ent_mun|year|...``) keeps
the population estimate too: CONAPO's municipal projections start in 2015, and the hot spots need one population
per municipality and year in the same frame as the counts (INEGI's 2,457 municipalities).
"""

from __future__ import annotations

from .._db import one
from ..checks import Check, every_unit_every_period
from ._base import (
    AMOUNT_RE,
    ParseContext,
    Staged,
    municipality_code_sql,
    prepare,
    read_wide,
    rows_of,
    state_code_sql,
)

SOURCE = "inegi"


def parse_occurrence(ctx: ParseContext, kind: str) -> Staged:
    p = prepare(ctx, SOURCE, kind)
    municipal = kind == "inegi_homicide_occurrence_municipal"
    read_wide(ctx, "_occ", p.names, p.delim)
    p.cells(ctx, "_occ", ["year"], allow_blank=False, what="a year")
    p.cells(ctx, "_occ", ["month"], allow_blank=False, what="a month number 1-12")
    if municipal:
        p.cells(ctx, "_occ", ["municipality_code"], allow_blank=False, what="a 5-digit INEGI municipality code")
        # 24 municipalities created after the census frame the authors used have no estimate: 'NA'
        ctx.con.execute("UPDATE _occ SET population_estimate = NULL WHERE trim(population_estimate) = 'NA'")
        p.cells(ctx, "_occ", ["population_estimate"], what="a population estimate (a number, or NA)",
                pattern=AMOUNT_RE)  # fmt: skip
        place = (
            f"{municipality_code_sql('municipality_code')} AS municipality_code, "
            f"left({municipality_code_sql('municipality_code')}, 2) AS state_code, "
            "CAST(population_estimate AS DOUBLE) AS population_estimate"
        )
    else:
        p.cells(ctx, "_occ", ["state_code"], allow_blank=False, what="a state code 01-32")
        place = f"{state_code_sql('state_code')} AS state_code"
    p.cells(ctx, "_occ", ["deaths"], allow_blank=False, what="a whole, non-negative number of homicides")
    ctx.con.execute(
        "CREATE OR REPLACE TEMP TABLE _occ_rows AS SELECT CAST(year AS INTEGER) AS year, "
        "CAST(month AS INTEGER) AS month, "
        "CASE WHEN CAST(month AS INTEGER) BETWEEN 1 AND 12 THEN make_date(CAST(year AS INTEGER), "
        f"CAST(month AS INTEGER), 1) END AS period, {place}, CAST(deaths AS BIGINT) AS deaths FROM _occ"
    )
    pmin, pmax = one(ctx.con, "SELECT min(period), max(period) FROM _occ_rows")
    return Staged(
        kind,
        p.spec,
        "_occ_rows",
        rows_of(p.spec, "_occ_rows"),
        scope=kind,
        vintage=pmax,
        period_min=pmin,
        period_max=pmax,
        checks=MUNICIPAL_CHECKS if municipal else CHECKS,
        read_relation="_occ",
    )


CHECKS = [
    Check(
        "months_1_to_12",
        "SELECT DISTINCT month FROM _occ_rows WHERE period IS NULL ORDER BY 1 LIMIT 5",
        lambda rows: f"month numbers {[r[0] for r in rows]}: months run from 1 to 12.",
        early=True,
    ),
    every_unit_every_period("_occ_rows", "state_code", why=" (a month with no homicide is a row with 0 here)"),
]

MUNICIPAL_CHECKS = [
    CHECKS[0],
    every_unit_every_period("_occ_rows", "municipality_code", why=" (a month with no homicide is a row with 0 here)"),
]
