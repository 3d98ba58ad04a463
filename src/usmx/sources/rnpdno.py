"""RNPDNO, the National Register of Disappeared and Missing Persons (public version), by municipality, month and
sex; one file per status (``status_id`` 0 all, 7 not located, 2 located alive, 3 located dead).

Columns: ``cvegeo`` (5-digit municipality code), ``cve_estado``, ``state``, ``cve_mun``, ``municipality``,
``male``, ``female``, ``undefined``, ``total``, ``year``, ``month``, ``status_id``. Codes ending in 998/999 (and
state 99) are the register's "unknown municipality" (or state): kept and flagged. The sexes should add up to
``total``; the register's own extracts break that in a few cells, which the loader counts and reports in the load's
notes rather than refusing the file. Recent months are right-censored (records of a month keep arriving for a long
time after it).
"""

from __future__ import annotations

from datetime import date

from .. import catalog
from .._db import one
from ..checks import Check
from ..rawstore import FileFacts
from ._base import Candidate, ParseContext, Staged, match_layouts, prepare, read_wide, rows_of

SOURCE = "rnpdno"
LICENSE = (
    "Not stated (extracts of the RNPDNO public version, Secretaría de Gobernación); fetched, only a small sample "
    "bundled"
)
URLS = {"rnpdno_municipal_persons": "https://versionpublicarnpdno.segob.gob.mx/Dashboard/Index"}
KIND = "rnpdno_municipal_persons"


def detect(facts: FileFacts) -> list[Candidate]:
    return match_layouts(SOURCE, facts)


def parse(ctx: ParseContext, kind: str) -> Staged:
    p = prepare(ctx, SOURCE, kind)
    read_wide(ctx, "_rnp_raw", p.names, p.delim)
    p.cells(ctx, "_rnp_raw", ["year"], allow_blank=False, what="a year")
    p.cells(ctx, "_rnp_raw", ["month"], allow_blank=False, what="a month number 1-12", pattern=r"(0?[1-9]|1[0-2])")
    p.cells(ctx, "_rnp_raw", ["male", "female", "undefined", "total"], allow_blank=False)
    p.cells(ctx, "_rnp_raw", ["municipality_code"], allow_blank=False, what="a municipality code", pattern=r"\d{4,5}")
    statuses = catalog.header_maps(SOURCE)["status"]
    case = "CASE trim(status_id) " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in statuses.items()) + " END"
    ctx.con.execute(
        "CREATE OR REPLACE TEMP TABLE _rnp_wide AS SELECT make_date(CAST(year AS INTEGER), CAST(month AS INTEGER), 1) "
        "AS period, lpad(trim(municipality_code), 5, '0') AS municipality_code, trim(status_id) AS status_id, "
        f"{case} AS status, CAST(male AS BIGINT) AS male, CAST(female AS BIGINT) AS female, "
        "CAST(undefined AS BIGINT) AS undefined, CAST(total AS BIGINT) AS total FROM _rnp_raw"
    )
    ctx.con.execute(
        "CREATE OR REPLACE TEMP TABLE _rnp AS SELECT period, left(municipality_code, 2) AS state_code, "
        "municipality_code, right(municipality_code, 3) IN ('998', '999') OR left(municipality_code, 2) = '99' "
        "AS unknown_municipality, status, sex, "
        "persons FROM (UNPIVOT _rnp_wide ON male, female, undefined, total INTO NAME sex VALUE persons)"
    )
    status, pmin, pmax, n, mismatched, unknown = one(
        ctx.con,
        "SELECT any_value(status), min(period), max(period), sum(total), "
        "count(*) FILTER (WHERE male + female + undefined <> total), "
        "sum(total) FILTER (WHERE right(municipality_code, 3) IN ('998', '999') OR left(municipality_code, 2) = '99') "
        "FROM _rnp_wide",
    )
    notes = [f"{n or 0:,} persons ({status}), {unknown or 0:,} of them in an unknown municipality (998/999)"]
    if mismatched:
        notes.append(f"{mismatched:,} rows where male + female + undefined differ from the total (kept as published)")
    return Staged(
        kind,
        p.spec,
        "_rnp",
        rows_of(p.spec, "_rnp"),
        scope=f"{kind}:{status}",
        vintage=None,
        period_min=pmin,
        period_max=pmax if isinstance(pmax, date) else None,
        checks=CHECKS,
        read_relation="_rnp_raw",
        notes=notes,
    )


CHECKS = [
    Check(
        "status_known",
        "SELECT DISTINCT status_id FROM _rnp_wide WHERE status IS NULL LIMIT 5",
        lambda rows: f"unknown status codes {[r[0] for r in rows]}; expected 0 (all), 7, 2 or 3.",
        early=True,
    ),
    Check(
        "one_status_per_file",
        "SELECT count(DISTINCT status) FROM _rnp_wide HAVING count(DISTINCT status) > 1",
        lambda rows: f"the file mixes {rows[0][0]} statuses; RNPDNO extracts come one status per file.",
        early=True,
    ),
]
