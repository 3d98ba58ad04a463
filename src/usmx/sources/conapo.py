"""CONAPO population projections (2023 release), by state and by municipality.

Kinds:
- ``conapo_state_population``: year x entity (``00`` = nation) x sex, population on 1 January and at mid-year
- ``conapo_municipal_population``: year x municipality, with male, female and total columns (summed over ages)
"""

from __future__ import annotations

from datetime import date

from .. import catalog
from .._db import one
from ..checks import Check
from ..rawstore import FileFacts
from ._base import (
    Candidate,
    ParseContext,
    Staged,
    label_case_sql,
    match_layouts,
    municipality_code_sql,
    prepare,
    read_wide,
    rows_of,
    state_code_sql,
)

SOURCE = "conapo"
LICENSE = "Libre Uso MX (CONAPO, Proyecciones de la población de México y de las entidades federativas 2020-2070)"
_PAGE = (
    "https://www.gob.mx/conapo/documentos/bases-de-datos-de-la-conciliacion-demografica-1950-a-2019-y-"
    "proyecciones-de-la-poblacion-de-mexico-2020-a-2070"
)
URLS = {"conapo_state_population": _PAGE, "conapo_municipal_population": _PAGE}


def detect(facts: FileFacts) -> list[Candidate]:
    return match_layouts(SOURCE, facts)


def parse(ctx: ParseContext, kind: str) -> Staged:
    p = prepare(ctx, SOURCE, kind)
    spec, delim, names = p.spec, p.delim, p.names
    read_wide(ctx, "_pop", names, delim)
    state_level = kind == "conapo_state_population"
    counts = ["population_start_year", "population_mid_year"] if state_level else ["male", "female", "total"]
    p.cells(ctx, "_pop", ["year"], allow_blank=False, what="a year")
    p.cells(
        ctx,
        "_pop",
        ["state_code"],
        allow_blank=False,
        what="a state code (00 for the nation)",
    )
    p.cells(ctx, "_pop", counts, allow_blank=False)
    if state_level:
        ctx.con.execute(
            "CREATE OR REPLACE TEMP TABLE _conapo AS SELECT CAST(year AS INTEGER) AS year, "
            f"{state_code_sql('state_code')} AS state_code, "
            f"{label_case_sql('sex', catalog.value_map(SOURCE, 'sex'))} AS sex, trim(sex) AS sex_label, "
            "CAST(replace(population_start_year, ',', '') AS BIGINT) AS population_start_year, "
            "CAST(replace(population_mid_year, ',', '') AS BIGINT) AS population_mid_year FROM _pop"
        )
        own = STATE_CHECKS
    else:
        ctx.con.execute(
            "CREATE OR REPLACE TEMP TABLE _conapo AS SELECT CAST(year AS INTEGER) AS year, "
            f"{state_code_sql('state_code')} AS state_code, "
            f"{municipality_code_sql('municipality_code')} AS municipality_code, sex, "
            "CAST(replace(population, ',', '') AS BIGINT) AS population "
            "FROM (UNPIVOT _pop ON male, female, total INTO NAME sex VALUE population)"
        )
        own = MUNICIPAL_CHECKS
    ymin, ymax = one(ctx.con, "SELECT min(year), max(year) FROM _conapo")
    return Staged(
        kind,
        spec,
        "_conapo",
        rows_of(spec, "_conapo"),
        scope=kind,
        vintage=None,
        period_min=date(ymin, 1, 1),
        period_max=date(ymax, 1, 1),
        checks=own,
        read_relation="_pop",
    )


STATE_CHECKS = [
    Check(
        "sex_labels_known",
        "SELECT DISTINCT sex_label FROM _conapo WHERE sex IS NULL LIMIT 5",
        lambda rows: f"unknown sex labels {[r[0] for r in rows]}; expected Hombres, Mujeres or Total.",
        early=True,
    ),
    Check(
        "sexes_add_to_total",
        "SELECT year, state_code FROM _conapo GROUP BY year, state_code HAVING "
        "sum(population_mid_year) FILTER (sex <> 'total') <> sum(population_mid_year) FILTER (sex = 'total') LIMIT 3",
        lambda rows: f"male + female differ from the total for {rows}.",
    ),
    Check(
        "states_add_to_nation",
        "SELECT year, sex FROM _conapo GROUP BY year, sex HAVING abs(sum(population_mid_year) FILTER "
        "(state_code <> '00') - sum(population_mid_year) FILTER (state_code = '00')) > 32 LIMIT 3",
        lambda rows: f"the states do not add up to the national figure for {rows}.",
    ),
]
MUNICIPAL_CHECKS = [
    Check(
        "sexes_add_to_total",
        "SELECT year, municipality_code FROM _conapo GROUP BY ALL HAVING "
        "sum(population) FILTER (sex <> 'total') <> sum(population) FILTER (sex = 'total') LIMIT 3",
        lambda rows: f"male + female differ from the total for {rows}.",
    ),
]
