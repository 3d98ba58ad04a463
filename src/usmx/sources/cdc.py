"""CDC NCHS VSRR provisional drug overdose death counts (data.cdc.gov dataset xkb8-kh2a), CSV export.

Each value counts deaths in the **12 months ending** in the given month, by jurisdiction (states, DC, ``US`` and
``YC`` = New York City) and indicator (all deaths, all drug overdoses, drug classes by ICD-10 T-code; T40.4 synthetic
opioids is mostly fentanyl). ``Percent with drugs specified`` rows are a percentage, not a count, and are kept in
their own column. Blank data values are suppressed, not zero. Newer exports write numbers with thousands separators;
completeness is sometimes written "99.5+" (kept as 99.5).
"""

from __future__ import annotations

import re

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

SOURCE = "cdc"
LICENSE = "Public domain (US federal government data, CDC NCHS)"
STATES_KIND = "cdc_overdose_states_json"
URLS = {
    "cdc_vsrr_overdose": "https://data.cdc.gov/api/views/xkb8-kh2a/rows.csv?accessType=DOWNLOAD",
    # a derivative of the same CDC series (MIT), kept current by its author: state x month, all drugs
    STATES_KIND: "https://raw.githubusercontent.com/mattkiefer/us-overdoses/326e8b51/viz/output/od_statemonths.json",
}
#: the derivative's first characters: an object keyed by two-digit state FIPS codes, then "YYYY-Month"
_STATES_HEAD = re.compile(r'^\s*\{\s*"\d{2}"\s*:\s*\{\s*"\d{4}-[A-Za-z]+"\s*:\s*\{')


def detect(facts: FileFacts) -> list[Candidate]:
    if _STATES_HEAD.match(facts.head or ""):
        return [Candidate(STATES_KIND, {}, [], [], [])]
    return match_layouts(SOURCE, facts)


def _values(name: str, rows: list[tuple]) -> str:
    return " UNION ALL ".join(
        "SELECT " + ", ".join(f"'{v}'" if isinstance(v, str) else str(v) for v in r) for r in rows
    )


def parse(ctx: ParseContext, kind: str) -> Staged:
    if kind == STATES_KIND:
        from .cdc_states import parse_states

        return parse_states(ctx, kind)
    p = prepare(ctx, SOURCE, kind)
    spec, delim, names = p.spec, p.delim, p.names
    con = ctx.con
    read_wide(ctx, "_cdc", names, delim)
    p.cells(ctx, "_cdc", ["year"], allow_blank=False, what="a year")
    for col in ("data_value", "predicted_value"):
        p.cells(
            ctx,
            "_cdc",
            [col],
            what="a non-negative number (blank when suppressed)",
            pattern=AMOUNT_RE,
        )
    # CDC writes "99.5+" for completeness of at least 99.5 %: kept as 99.5
    for col in ("percent_complete", "percent_pending"):
        p.cells(
            ctx,
            "_cdc",
            [col],
            what="a percentage (blank, or e.g. 99.5 or 99.5+)",
            pattern=f"({AMOUNT_RE})[+]?",
        )
    doc = catalog.header_maps(SOURCE)
    ind_rows = [(catalog.normalise(label), v["key"], v["kind"]) for label, v in doc["indicators"].items()]
    month_rows = [(catalog.normalise(m), n) for m, n in doc["months"].items()]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _cdc_ind (norm VARCHAR, key VARCHAR, kind VARCHAR); "
        f"INSERT INTO _cdc_ind {_values('i', ind_rows)}"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _cdc_months (norm VARCHAR, m INTEGER); "
        f"INSERT INTO _cdc_months {_values('m', month_rows)}"
    )

    def num(c: str) -> str:
        return f"CAST(nullif(rtrim(replace(trim({c}), ',', ''), '+'), '') AS DOUBLE)"

    con.execute(
        "CREATE OR REPLACE TEMP TABLE _cdc_rows AS SELECT make_date(CAST(year AS INTEGER), mo.m, 1) AS period, "
        "upper(trim(jurisdiction_code)) AS jurisdiction_code, trim(jurisdiction_name) AS jurisdiction_name, "
        "trim(c.indicator) AS indicator, c.indicator AS indicator_label, c.month AS month_label, "
        "trim(period_type) AS period_type, "
        "i.key AS indicator_key, i.kind AS value_kind, "
        f"CASE WHEN i.kind = 'count' THEN {num('data_value')} END AS deaths_12m_ending, "
        f"CASE WHEN i.kind = 'count' THEN {num('predicted_value')} END AS predicted_12m_ending, "
        f"CASE WHEN i.kind = 'percent' THEN {num('data_value')} END AS percent_with_drugs_specified, "
        f"{num('percent_complete')} AS percent_complete, {num('percent_pending')} AS percent_pending, "
        "nullif(trim(footnote_symbol), '') AS footnote_symbol "
        f"FROM _cdc c LEFT JOIN _cdc_ind i ON i.norm = {catalog.NORMALISE_SQL('c.indicator')} "
        f"LEFT JOIN _cdc_months mo ON mo.norm = {catalog.NORMALISE_SQL('c.month')}"
    )
    pmin, pmax = one(con, "SELECT min(period), max(period) FROM _cdc_rows")
    return Staged(
        kind,
        spec,
        "_cdc_rows",
        rows_of(spec, "_cdc_rows"),
        scope=kind,
        vintage=pmax,
        period_min=pmin,
        period_max=pmax,
        checks=CHECKS,
        read_relation="_cdc",
    )


CHECKS = [
    Check(
        "indicators_known",
        "SELECT DISTINCT indicator_label FROM _cdc_rows WHERE indicator_key IS NULL LIMIT 5",
        lambda rows: f"unknown indicators {[r[0] for r in rows]}; add them to catalog/headers/cdc.yaml.",
        early=True,
    ),
    Check(
        "months_known",
        "SELECT DISTINCT month_label FROM _cdc_rows WHERE period IS NULL LIMIT 5",
        lambda rows: f"unknown month names {[r[0] for r in rows]}.",
        early=True,
    ),
    Check(
        "twelve_month_ending",
        "SELECT DISTINCT period_type FROM _cdc_rows WHERE lower(period_type) <> '12 month-ending' LIMIT 3",
        lambda rows: f"period types {[r[0] for r in rows]}: usmx reads the 12 month-ending series only.",
        early=True,
    ),
]
