"""US Customs and Border Protection: drug seizures and encounters, from cbp.gov's public data downloads.

Kinds:
- ``cbp_drug_seizures``: nationwide drug seizures (Office of Field Operations and Border Patrol), by area of
  responsibility
- ``cbp_amo_drug_seizures``: Air and Marine Operations drug seizures, by branch
- ``cbp_encounters_state``: nationwide encounters by US state; ``cbp_encounters_aor``: by area of responsibility

CBP counts in fiscal years (FY N = October N-1 to September N); months are upper-case abbreviations (``OCT``) and the
current year is written ``2026 (FYTD)``. usmx keeps the fiscal year and adds the calendar month. Drug labels lose
CBP's footnote marks (``Other Drugs**`` -> ``Other Drugs``) and get a stable key (``other_drugs``).
"""

from __future__ import annotations

from .. import catalog
from .._db import one
from ..checks import Check
from ..rawstore import FileFacts
from ._base import (
    AMOUNT_RE,
    Candidate,
    ParseContext,
    Staged,
    match_layouts,
    prepare,
    read_wide,
    rows_of,
)

SOURCE = "cbp"
LICENSE = "Public domain (US federal government data, cbp.gov)"
URLS = {
    "cbp_drug_seizures": "https://www.cbp.gov/document/stats/drug-seizure-statistics",
    "cbp_amo_drug_seizures": "https://www.cbp.gov/document/stats/drug-seizure-statistics",
    "cbp_encounters_state": "https://www.cbp.gov/document/stats/nationwide-encounters",
    "cbp_encounters_aor": "https://www.cbp.gov/document/stats/nationwide-encounters",
}
FY_RE = r"[0-9]{4}( *\(FYTD\))?"


def detect(facts: FileFacts) -> list[Candidate]:
    return match_layouts(SOURCE, facts)


def _months_sql() -> str:
    months = catalog.header_maps(SOURCE)["months"]
    return " UNION ALL ".join(
        f"SELECT '{abbr}' AS abbr, {m} AS cal_month, {off} AS year_offset" for abbr, (m, off) in months.items()
    )


def parse(ctx: ParseContext, kind: str) -> Staged:
    p = prepare(ctx, SOURCE, kind)
    spec, delim, names = p.spec, p.delim, p.names
    seizures = spec.name == "core_cbp__drug_seizures_monthly"
    con = ctx.con
    read_wide(ctx, "_cbp", names, delim)
    p.cells(
        ctx,
        "_cbp",
        ["fiscal_year"],
        allow_blank=False,
        what="a fiscal year such as 2024 or '2026 (FYTD)'",
        pattern=FY_RE,
    )
    if seizures:
        p.cells(ctx, "_cbp", ["events"], allow_blank=False)
        p.cells(
            ctx,
            "_cbp",
            ["quantity_lbs"],
            allow_blank=False,
            what="a non-negative amount of pounds",
            pattern=AMOUNT_RE,
        )
    else:
        p.cells(ctx, "_cbp", ["encounters"], allow_blank=False)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _cbp_months AS {_months_sql()}")
    fy = "CAST(regexp_extract(fiscal_year, '([0-9]{4})', 1) AS INTEGER)"
    base = (
        f"SELECT make_date({fy} + m.year_offset, m.cal_month, 1) AS period, {fy} AS fiscal_year, c.* "
        "FROM _cbp c LEFT JOIN _cbp_months m ON m.abbr = upper(trim(c.month))"
    )
    if seizures:
        area_type = "'branch'" if kind == "cbp_amo_drug_seizures" else "'aor'"
        drug_label = "trim(regexp_replace(drug_type, '[*]+$', ''))"
        select = (
            f"SELECT period, fiscal_year, month, trim(component) AS component, trim(region) AS region, "
            f"trim(land_filter) AS land_filter, trim(area) AS area, {area_type} AS area_type, "
            f"{drug_label} AS drug_type, replace({catalog.NORMALISE_SQL(drug_label)}, ' ', '_') AS drug, "
            "CAST(replace(events, ',', '') AS BIGINT) AS events, "
            "CAST(replace(quantity_lbs, ',', '') AS DOUBLE) AS quantity_lbs FROM _canon_cbp"
        )
    else:

        def col(name: str) -> str:
            return f"trim({name})" if name in names else "CAST(NULL AS VARCHAR)"

        select = (
            "SELECT period, fiscal_year, month, trim(land_border_region) AS land_border_region, "
            f"{col('us_state')} AS us_state, {col('component')} AS component, {col('area')} AS area, "
            "trim(demographic) AS demographic, trim(citizenship) AS citizenship, "
            f"trim(title_of_authority) AS title_of_authority, {col('encounter_type')} AS encounter_type, "
            "CAST(replace(encounters, ',', '') AS BIGINT) AS encounters FROM _canon_cbp"
        )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _canon_cbp AS {base}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _cbp_rows AS {select}")
    pmin, pmax, fymin, fymax = one(
        con, "SELECT min(period), max(period), min(fiscal_year), max(fiscal_year) FROM _cbp_rows"
    )
    return Staged(
        kind,
        spec,
        "_cbp_rows",
        rows_of(spec, "_cbp_rows"),
        scope=f"{kind}:FY{fymin}",
        vintage=pmax,
        period_min=pmin,
        period_max=pmax,
        checks=CHECKS + (SEIZURE_CHECKS if seizures else []),
        notes=[f"fiscal years {fymin}-{fymax}"],
        read_relation="_cbp",
    )


CHECKS = [
    Check(
        "months_known",
        "SELECT DISTINCT month FROM _cbp_rows WHERE period IS NULL LIMIT 5",
        lambda rows: f"month labels {[r[0] for r in rows]} are not CBP's fiscal month abbreviations (OCT ... SEP).",
        early=True,
    ),
    Check(
        "fiscal_year_matches_month",
        "SELECT period, fiscal_year FROM _cbp_rows WHERE fiscal_year <> year(period) + (month(period) >= 10)::INT "
        "LIMIT 3",
        lambda rows: f"calendar month and fiscal year disagree: {rows}.",
    ),
]
SEIZURE_CHECKS = [
    Check(
        "events_positive",
        "SELECT period, area, drug_type FROM _cbp_rows WHERE events <= 0 LIMIT 3",
        lambda rows: f"rows with zero seizure events: {rows}. CBP lists only months with seizures.",
    ),
]
