"""CONAPO population projections (2023 release), by state and by municipality.

Kinds:
- ``conapo_state_population``: year x entity (``00`` = nation) x sex, population on 1 January and at mid-year
- ``conapo_municipal_population``: year x municipality, with male, female and total columns (summed over ages)
"""

from __future__ import annotations

from .. import catalog
from ..rawstore import FileFacts
from ._base import Candidate, ParseContext, Staged, match_layouts, prepare, read_wide, run_check, validate_integer_cells

SOURCE = "conapo"
LICENSE = "Libre Uso MX (CONAPO, Proyecciones de la población de México y de las entidades federativas 2020-2070)"
URLS = {
    "conapo_state_population": "https://www.gob.mx/conapo/documentos/bases-de-datos-de-la-conciliacion-demografica-1950-a-2019-y-proyecciones-de-la-poblacion-de-mexico-2020-a-2070",
    "conapo_municipal_population": "https://www.gob.mx/conapo/documentos/bases-de-datos-de-la-conciliacion-demografica-1950-a-2019-y-proyecciones-de-la-poblacion-de-mexico-2020-a-2070",
}


def detect(facts: FileFacts) -> list[Candidate]:
    return match_layouts(SOURCE, facts)


def parse(ctx: ParseContext, kind: str) -> Staged:
    p = prepare(ctx, SOURCE, kind)
    spec, cand, header, delim, names = p.spec, p.candidate, p.header, p.delim, p.names
    read_wide(ctx, "_pop", names, delim)
    checks: list[str] = []
    run_check(ctx, checks, "has_rows", "SELECT 1 WHERE (SELECT count(*) FROM _pop) = 0",
              lambda _: "the file has a header but no data rows.")
    state_level = kind == "conapo_state_population"
    counts = ["population_start_year", "population_mid_year"] if state_level else ["male", "female", "total"]
    validate_integer_cells(ctx, "_pop", ["year"], header, cand.mapping, delim, allow_blank=False, what="a year")
    validate_integer_cells(ctx, "_pop", ["state_code"], header, cand.mapping, delim, allow_blank=False,
                           what="a state code (00 for the nation)")
    validate_integer_cells(ctx, "_pop", counts, header, cand.mapping, delim, allow_blank=False)

    if state_level:
        sex = catalog.value_map(SOURCE, "sex")
        case = "CASE " + catalog.NORMALISE_SQL("sex") + " " + " ".join(
            f"WHEN '{k}' THEN '{v}'" for k, v in sex.items()) + " END"
        ctx.con.execute(
            "CREATE OR REPLACE TEMP TABLE _conapo AS SELECT CAST(year AS INTEGER) AS year, "
            "lpad(CAST(CAST(state_code AS INTEGER) AS VARCHAR), 2, '0') AS state_code, "
            f"{case} AS sex, trim(sex) AS sex_label, "
            "CAST(replace(population_start_year, ',', '') AS BIGINT) AS population_start_year, "
            "CAST(replace(population_mid_year, ',', '') AS BIGINT) AS population_mid_year FROM _pop"
        )
        run_check(ctx, checks, "sex_labels_known", "SELECT DISTINCT sex_label FROM _conapo WHERE sex IS NULL LIMIT 5",
                  lambda rows: f"unknown sex labels {[r[0] for r in rows]}; expected Hombres, Mujeres or Total.")
        run_check(
            ctx, checks, "states_known",
            "SELECT DISTINCT state_code FROM _conapo WHERE state_code <> '00' AND state_code NOT IN "
            "(SELECT state_code FROM cat_states) LIMIT 5",
            lambda rows: f"unknown state codes {[r[0] for r in rows]}.",
        )
        run_check(
            ctx, checks, "sexes_add_to_total",
            "SELECT year, state_code FROM _conapo GROUP BY year, state_code HAVING "
            "sum(population_mid_year) FILTER (sex <> 'total') <> sum(population_mid_year) FILTER (sex = 'total') "
            "LIMIT 3",
            lambda rows: f"male + female differ from the total for {rows}.",
        )
        run_check(
            ctx, checks, "states_add_to_nation",
            "SELECT year, sex FROM _conapo GROUP BY year, sex HAVING "
            "abs(sum(population_mid_year) FILTER (state_code <> '00') - "
            "sum(population_mid_year) FILTER (state_code = '00')) > 32 LIMIT 3",
            lambda rows: f"the states do not add up to the national figure for {rows}.",
        )
    else:
        ctx.con.execute(
            "CREATE OR REPLACE TEMP TABLE _conapo AS SELECT CAST(year AS INTEGER) AS year, "
            "lpad(CAST(CAST(state_code AS INTEGER) AS VARCHAR), 2, '0') AS state_code, "
            "lpad(trim(municipality_code), 5, '0') AS municipality_code, sex, "
            "CAST(replace(population, ',', '') AS BIGINT) AS population "
            "FROM (UNPIVOT _pop ON male, female, total INTO NAME sex VALUE population)"
        )
        run_check(
            ctx, checks, "municipalities_known",
            "SELECT DISTINCT municipality_code FROM _conapo WHERE municipality_code NOT IN "
            "(SELECT municipality_code FROM cat_municipalities) LIMIT 5",
            lambda rows: f"unknown municipality codes {[r[0] for r in rows]}.",
        )
        run_check(
            ctx, checks, "municipality_in_state",
            "SELECT DISTINCT municipality_code FROM _conapo WHERE left(municipality_code, 2) <> state_code LIMIT 3",
            lambda rows: f"municipality codes not inside their state: {[r[0] for r in rows]}.",
        )
        run_check(
            ctx, checks, "sexes_add_to_total",
            "SELECT year, municipality_code FROM _conapo GROUP BY ALL HAVING "
            "sum(population) FILTER (sex <> 'total') <> sum(population) FILTER (sex = 'total') LIMIT 3",
            lambda rows: f"male + female differ from the total for {rows}.",
        )
    keys = ["year", "state_code" if state_level else "municipality_code", "sex"]
    run_check(
        ctx, checks, "keys_unique",
        f"SELECT {', '.join(keys)} FROM _conapo GROUP BY ALL HAVING count(*) > 1 LIMIT 3",
        lambda rows: f"duplicated rows for {rows}.",
    )
    ymin, ymax = ctx.con.execute("SELECT min(year), max(year) FROM _conapo").fetchone()
    from datetime import date

    return Staged(kind, spec, f"SELECT {', '.join(spec.fact_columns)} FROM _conapo", scope=kind,
                  vintage=None, period_min=date(ymin, 1, 1), period_max=date(ymax, 1, 1), checks_passed=checks)
