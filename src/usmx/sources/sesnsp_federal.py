"""SESNSP incidence of federal crimes (fuero federal, ``IDEFF``): year x state x law x concept x type, a column per
month; Latin-1 (cp1252), CRLF. The number of rows per year changes in 2019, when new crime types (the hydrocarbons
law, electoral crimes law) were added. A pseudo-state ``EXTRANJERO`` with an empty code counts crimes abroad: kept as
state ``99`` and flagged ``abroad``. Months after the release's cut-off are blank and are not rows.
"""

from __future__ import annotations

from datetime import date

from .. import catalog
from .._db import one
from ..catalog import MONTHS
from ..checks import Check
from ..rawstore import FileFacts
from ._base import Candidate, ParseContext, Staged, match_layouts, prepare, read_wide, rows_of

SOURCE = "sesnsp_federal"
LICENSE = "Libre Uso MX (SESNSP, Incidencia delictiva del fuero federal)"
URLS = {
    "sesnsp_state_federal_crimes": "https://www.gob.mx/sesnsp/acciones-y-programas/incidencia-delictiva-del-fuero-federal"
}
KIND = "sesnsp_state_federal_crimes"


def detect(facts: FileFacts) -> list[Candidate]:
    return match_layouts(SOURCE, facts)


def _fold(expr: str) -> str:
    return catalog.NORMALISE_SQL(expr)


def parse(ctx: ParseContext, kind: str) -> Staged:
    p = prepare(ctx, SOURCE, kind)
    read_wide(ctx, "_ff_raw", p.names, p.delim)
    p.cells(ctx, "_ff_raw", ["year"], allow_blank=False, what="a year")
    p.cells(ctx, "_ff_raw", MONTHS, what="a whole number of crimes (blank after the cut-off)")
    p.cells(ctx, "_ff_raw", ["state_code"], what="a state code 1-32 (blank for EXTRANJERO)", pattern=r"\d{1,2}")
    key = f"{_fold('law')} || ' | ' || {_fold('concept')} || ' | ' || {_fold('crime_type')}"
    # the labels are folded into the key once per wide row, before the months become rows (12 times fewer)
    ctx.con.execute(
        "CREATE OR REPLACE TEMP TABLE _ff AS SELECT "
        "make_date(CAST(year AS INTEGER), CAST(right(month, 2) AS INTEGER), 1) AS period, "
        "CASE WHEN nullif(trim(state_code), '') IS NULL THEN '99' ELSE lpad(trim(state_code), 2, '0') END "
        "AS state_code, nullif(trim(state_code), '') IS NULL AS abroad, trim(law) AS law, trim(concept) AS concept, "
        "trim(crime_type) AS crime_type, federal_key, CAST(crimes AS INTEGER) AS crimes "
        f"FROM (UNPIVOT (SELECT *, {key} AS federal_key FROM _ff_raw) ON {', '.join(MONTHS)} "
        "INTO NAME month VALUE crimes) WHERE nullif(trim(crimes), '') IS NOT NULL"
    )
    pmin, pmax, total, abroad = one(
        ctx.con, "SELECT min(period), max(period), sum(crimes), sum(crimes) FILTER (WHERE abroad) FROM _ff"
    )
    vintage = date(pmax.year, pmax.month, 1) if pmax else None
    return Staged(
        kind,
        p.spec,
        "_ff",
        rows_of(p.spec, "_ff"),
        scope=kind,
        vintage=vintage,
        period_min=pmin,
        period_max=pmax,
        checks=CHECKS,
        read_relation="_ff_raw",
        notes=[f"{total or 0:,} federal crimes to {pmax:%Y-%m}" + (f", {abroad:,} abroad" if abroad else "")]
        if pmax
        else [],
    )


CHECKS = [
    Check(
        "abroad_is_extranjero",
        "SELECT DISTINCT state_code FROM _ff_raw WHERE nullif(trim(state_code), '') IS NULL AND "
        + _fold("state_name")
        + " <> 'extranjero' LIMIT 3",
        lambda rows: "a row without a state code is not EXTRANJERO; every state row needs its INEGI code.",
        early=True,
    ),
    Check(
        "complete_panel",
        "SELECT period, count(DISTINCT state_code) FROM _ff GROUP BY period HAVING count(DISTINCT state_code) <> "
        "(SELECT count(DISTINCT state_code) FROM _ff) LIMIT 3",
        lambda rows: f"months {[str(r[0]) for r in rows]} do not hold every state of the file: the file looks cut.",
    ),
]
