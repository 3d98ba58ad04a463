"""GDELT 2.0 event exports: ``YYYYMMDDHHMMSS.export.CSV.zip``, tab-separated, no header, 61 columns.

The column names come from GDELT's own schema (catalog/headers/gdelt.yaml). Every column is read as text so that
CAMEO codes keep their leading zeros ('0211' is not 211); numeric columns are cast explicitly. Each export file is its
own scope, so files accumulate rather than replace one another. ``canonical_events`` is the same projection written
in Ibis, used when an engine reads raw export files directly (``--events GLOB``).
"""

from __future__ import annotations

import re
from datetime import date

from .. import catalog
from ..rawstore import FileFacts
from ._base import Candidate, ParseContext, Staged, read_wide, run_check, validate_integer_cells

SOURCE = "gdelt"
LICENSE = "GDELT Project: free and open, with attribution (gdeltproject.org)"
URLS = {"gdelt_events": "http://data.gdeltproject.org/gdeltv2/masterfilelist.txt"}
KIND = "gdelt_events"
LAW_ENFORCEMENT_ROOTS = ("062", "063", "064")  # military, judicial, intelligence cooperation (CAMEO)


def columns() -> list[str]:
    return [c[0] for c in catalog.header_maps(SOURCE)["columns"]]


def detect(facts: FileFacts) -> list[Candidate]:
    first = facts.head.splitlines()[0] if facts.head else ""
    cells = first.split("\t")
    if len(cells) == 61 and cells[0].isdigit() and re.fullmatch(r"\d{8}", cells[1] or ""):
        return [Candidate(KIND, {i: c for i, c in enumerate(columns())}, [], [], cells)]
    if len(cells) > 20 and "\t" in first and cells[0].isdigit():
        return [Candidate(KIND, {}, [f"{len(cells)} tab-separated columns"], ["61 columns"], cells)]
    return []


#: canonical column -> SQL over the all-text raw columns
CANONICAL_SQL = {
    "global_event_id": "CAST(global_event_id AS BIGINT)",
    "event_date": "strptime(sql_date, '%Y%m%d')::DATE",
    "period": "date_trunc('month', strptime(sql_date, '%Y%m%d'))::DATE",
    "actor1_code": "nullif(actor1_code, '')", "actor1_name": "nullif(actor1_name, '')",
    "actor1_country_code": "nullif(actor1_country_code, '')", "actor1_type1_code": "nullif(actor1_type1_code, '')",
    "actor2_code": "nullif(actor2_code, '')", "actor2_name": "nullif(actor2_name, '')",
    "actor2_country_code": "nullif(actor2_country_code, '')", "actor2_type1_code": "nullif(actor2_type1_code, '')",
    "is_root_event": "CAST(is_root_event AS INTEGER)",
    "event_code": "event_code", "event_base_code": "event_base_code", "event_root_code": "event_root_code",
    "quad_class": "CAST(quad_class AS INTEGER)", "goldstein_scale": "CAST(nullif(goldstein_scale, '') AS DOUBLE)",
    "num_mentions": "CAST(num_mentions AS INTEGER)", "num_sources": "CAST(num_sources AS INTEGER)",
    "num_articles": "CAST(num_articles AS INTEGER)", "avg_tone": "CAST(nullif(avg_tone, '') AS DOUBLE)",
    "action_geo_country_code": "nullif(action_geo_country_code, '')",
    "action_geo_adm1_code": "nullif(action_geo_adm1_code, '')",
    "action_geo_lat": "CAST(nullif(action_geo_lat, '') AS DOUBLE)",
    "action_geo_long": "CAST(nullif(action_geo_long, '') AS DOUBLE)",
    "date_added": "CAST(nullif(date_added, '') AS BIGINT)", "source_url": "nullif(source_url, '')",
}


def parse(ctx: ParseContext, kind: str) -> Staged:
    spec = catalog.tables()["core_gdelt__events"]
    names = columns()
    checks: list[str] = []
    cand = ctx.candidate
    read_wide(ctx, "_gdelt", names, "\t", header=False, quote="")
    run_check(ctx, checks, "has_rows", "SELECT 1 WHERE (SELECT count(*) FROM _gdelt) = 0",
              lambda _: "the file holds no events.")
    header = [n for n in names]
    validate_integer_cells(ctx, "_gdelt", ["global_event_id", "sql_date", "num_mentions"], header, cand.mapping,
                           "\t", allow_blank=False, what="a whole number")
    run_check(
        ctx, checks, "cameo_codes_are_text",
        "SELECT event_code, event_root_code FROM _gdelt WHERE NOT regexp_full_match(event_code, '[0-9]{2,4}') "
        "OR NOT regexp_full_match(event_root_code, '[0-9]{2}') OR NOT starts_with(event_code, event_root_code) "
        "OR NOT starts_with(event_code, event_base_code) LIMIT 3",
        lambda rows: f"event codes {rows} are not CAMEO codes that start with their root and base codes; were "
        "leading zeros lost (a spreadsheet reads '0211' as 211)? Use the original export file.",
    )
    run_check(
        ctx, checks, "dates_valid",
        "SELECT sql_date FROM _gdelt WHERE try_strptime(sql_date, '%Y%m%d') IS NULL LIMIT 3",
        lambda rows: f"dates {[r[0] for r in rows]} are not YYYYMMDD.",
    )
    select = ", ".join(f"{CANONICAL_SQL[c]} AS {c}" for c in spec.fact_columns)
    ctx.con.execute(f"CREATE OR REPLACE TEMP TABLE _gdelt_rows AS SELECT {select} FROM _gdelt")
    run_check(
        ctx, checks, "keys_unique",
        "SELECT global_event_id FROM _gdelt_rows GROUP BY 1 HAVING count(*) > 1 LIMIT 3",
        lambda rows: f"event ids {[r[0] for r in rows]} appear more than once in the file.",
    )
    pmin, pmax, added = ctx.con.execute(
        "SELECT min(event_date), max(event_date), max(date_added) FROM _gdelt_rows").fetchone()
    # one scope per 15-minute export (its timestamp), so files accumulate; files of other names: one per content
    m = re.search(r"(\d{14})\.export\.csv", ctx.display, re.IGNORECASE)
    scope = f"{KIND}:{m.group(1) if m else ctx.facts.sha256}"
    return Staged(KIND, spec, f"SELECT {', '.join(spec.fact_columns)} FROM _gdelt_rows", scope=scope, vintage=None,
                  period_min=pmin, period_max=pmax, checks_passed=checks)


def canonical_events(raw):
    """The canonical projection of raw export rows (all-text columns named as in the schema), as Ibis."""

    def blank(c):
        return raw[c].nullif("")

    d = raw.sql_date.as_date("%Y%m%d")
    return raw.select(
        # parsed from text, not date(year(d), month(d), 1): cheaper, and it lets DuckDB filter before parsing
        global_event_id=raw.global_event_id.cast("int64"), event_date=d, period=(raw.sql_date.substr(0, 6) + "01").as_date("%Y%m%d"),
        actor1_code=blank("actor1_code"), actor1_name=blank("actor1_name"),
        actor1_country_code=blank("actor1_country_code"), actor1_type1_code=blank("actor1_type1_code"),
        actor2_code=blank("actor2_code"), actor2_name=blank("actor2_name"),
        actor2_country_code=blank("actor2_country_code"), actor2_type1_code=blank("actor2_type1_code"),
        is_root_event=raw.is_root_event.cast("int32"), event_code=raw.event_code,
        event_base_code=raw.event_base_code, event_root_code=raw.event_root_code,
        quad_class=raw.quad_class.cast("int32"), goldstein_scale=blank("goldstein_scale").cast("float64"),
        num_mentions=raw.num_mentions.cast("int32"), num_sources=raw.num_sources.cast("int32"),
        num_articles=raw.num_articles.cast("int32"), avg_tone=blank("avg_tone").cast("float64"),
        action_geo_country_code=blank("action_geo_country_code"), action_geo_adm1_code=blank("action_geo_adm1_code"),
        action_geo_lat=blank("action_geo_lat").cast("float64"), action_geo_long=blank("action_geo_long").cast("float64"),
        date_added=blank("date_added").cast("int64"), source_url=blank("source_url"),
    )


def file_timestamp(name: str) -> date | None:
    m = re.match(r"(\d{8})\d{6}\.export\.CSV", name, re.IGNORECASE)
    return date(int(m.group(1)[:4]), int(m.group(1)[4:6]), int(m.group(1)[6:])) if m else None
