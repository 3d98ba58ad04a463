"""GDELT event files, tab-separated, no header: GDELT 2.0 exports (``YYYYMMDDHHMMSS.export.CSV.zip``, 61 columns,
from 19 February 2015) and GDELT 1.0 event files (kind ``gdelt1_events``: the daily ``YYYYMMDD.export.CSV.zip``
from April 2013, 58 columns, and the backfiles ``YYYY.zip``/``YYYYMM.zip`` for 1979-March 2013, 57 columns).

GDELT 1.0 has the 2.0 columns but the three ADM2 codes, and its backfiles also lack the source URL (the last
column); its ``DATEADDED`` is a day (``YYYYMMDD``), which usmx stores as ``YYYYMMDD000000`` like 2.0's timestamps.
Both go to the one events table, so cooperation can be measured before 2015; a 57-column row is a 58-column row
without its URL, so a file may mix the two.

The column names come from GDELT's own schema (catalog/headers/gdelt.yaml). Every column is read as text so that
CAMEO codes keep their leading zeros ('0211' is not 211); numeric columns are cast explicitly. Each export file is its
own scope, so files accumulate rather than replace one another. ``canonical_events`` is the same projection written
in Ibis, used when an engine reads raw export files directly (``--events GLOB``).
"""

from __future__ import annotations

import re
from datetime import date

from .. import catalog, checks
from .._db import one
from ..checks import Check
from ..rawstore import FileFacts
from ._base import Candidate, ParseContext, Staged, header_row, read_wide, rows_of, validate_integer_cells

SOURCE = "gdelt"
LICENSE = "GDELT Project: free and open, with attribution (gdeltproject.org)"
URLS = {
    "gdelt_events": "http://data.gdeltproject.org/gdeltv2/masterfilelist.txt",
    "gdelt1_events": "http://data.gdeltproject.org/events/index.html",
    "gdelt_events_table": "https://www.gdeltproject.org/data.html#googlebigquery",
}
KIND = "gdelt_events"
KIND1 = "gdelt1_events"
KIND_TABLE = "gdelt_events_table"
#: the 2.0 columns GDELT 1.0 does not have
_NOT_IN_1 = {"actor1_geo_adm2_code", "actor2_geo_adm2_code", "action_geo_adm2_code"}


def columns(kind: str = KIND) -> list[str]:
    names = [c[0] for c in catalog.header_maps(SOURCE)["columns"]]
    return names if kind == KIND else [n for n in names if n not in _NOT_IN_1]


def table_layout() -> catalog.Layout:
    """GDELT 2.0 events as a table with GDELT's labels as its header (a BigQuery export, a pandas re-save)."""
    doc = catalog.header_maps(SOURCE)
    cols: dict[str, tuple[str, ...]] = {str(c[0]): (str(c[1]),) for c in doc["columns"]}
    return catalog.Layout(KIND_TABLE, "core_gdelt__events", cols, {"optional": doc["header_layout"]["optional"]})


def built_layouts() -> dict[str, catalog.Layout]:
    return {KIND_TABLE: table_layout()}


def detect(facts: FileFacts) -> list[Candidate]:
    first = facts.head.splitlines()[0] if facts.head else ""
    if "GLOBALEVENTID" in first.upper():
        header, _ = header_row(facts)
        mapping, unknown, missing = table_layout().match(header)
        return [Candidate(KIND_TABLE, mapping, unknown, missing, header)]
    cells = first.split("\t")
    if cells[0].isdigit() and re.fullmatch(r"\d{8}", cells[1] if len(cells) > 1 else ""):
        if len(cells) == 61:
            return [Candidate(KIND, dict(enumerate(columns())), [], [], cells)]
        if len(cells) in (57, 58):
            return [Candidate(KIND1, dict(enumerate(columns(KIND1))), [], [], cells)]
    if len(cells) > 20 and "\t" in first and cells[0].isdigit():
        wanted = "61 columns (GDELT 2.0) or 57/58 (GDELT 1.0)"
        return [Candidate(KIND, {}, [f"{len(cells)} tab-separated columns"], [wanted], cells)]
    return []


#: The canonical projection, written once as data: table column -> (how, raw column). ``code`` keeps text as it is
#: (CAMEO codes keep their leading zeros), ``text`` turns '' into NULL, ``int``/``bigint``/``double`` cast a
#: non-blank cell, ``date`` parses YYYYMMDD, ``month`` gives the first day of its month. Both the parser's SQL
#: (:func:`canonical_sql`) and the engines' Ibis expression (:func:`canonical_events`) are read off this table.
PROJECTION: dict[str, tuple[str, str]] = {
    "global_event_id": ("bigint", "global_event_id"),
    "event_date": ("date", "sql_date"),
    "period": ("month", "sql_date"),
    **{
        f"actor{i}_{c}": ("text", f"actor{i}_{c}")
        for i in (1, 2)
        for c in ("code", "name", "country_code", "type1_code")
    },
    "is_root_event": ("int", "is_root_event"),
    "event_code": ("code", "event_code"),
    "event_base_code": ("code", "event_base_code"),
    "event_root_code": ("code", "event_root_code"),
    "quad_class": ("int", "quad_class"),
    "goldstein_scale": ("double", "goldstein_scale"),
    "num_mentions": ("int", "num_mentions"),
    "num_sources": ("int", "num_sources"),
    "num_articles": ("int", "num_articles"),
    "avg_tone": ("double", "avg_tone"),
    "action_geo_country_code": ("text", "action_geo_country_code"),
    "action_geo_adm1_code": ("text", "action_geo_adm1_code"),
    "action_geo_lat": ("double", "action_geo_lat"),
    "action_geo_long": ("double", "action_geo_long"),
    "date_added": ("bigint", "date_added"),
    "source_url": ("text", "source_url"),
}
_SQL_TYPES = {"int": "INTEGER", "bigint": "BIGINT", "double": "DOUBLE"}
_IBIS_TYPES = {"int": "int32", "bigint": "int64", "double": "float64"}


def canonical_sql(column: str) -> str:
    """The DuckDB expression of one canonical column over the all-text raw columns."""
    how, raw = PROJECTION[column]
    if how == "code":
        return raw
    if how == "text":
        return f"nullif({raw}, '')"
    if how == "date":
        return f"strptime({raw}, '%Y%m%d')::DATE"
    if how == "month":
        return f"strptime(substr({raw}, 1, 6) || '01', '%Y%m%d')::DATE"
    return f"CAST(nullif({raw}, '') AS {_SQL_TYPES[how]})"


def canonical_events(raw):
    """The same projection as Ibis, over a table of raw export rows (all-text columns named as in the schema)."""
    out = {}
    for column, (how, name) in PROJECTION.items():
        c = raw[name]
        if how == "code":
            out[column] = c
        elif how == "text":
            out[column] = c.nullif("")
        elif how == "date":
            out[column] = c.as_date("%Y%m%d")
        elif how == "month":
            # parsed from text, not date(year(d), month(d), 1): cheaper, and DuckDB can filter before parsing
            out[column] = (c.substr(0, 6) + "01").as_date("%Y%m%d")
        else:
            out[column] = c.nullif("").cast(_IBIS_TYPES[how])
    return raw.select(**out)


def parse(ctx: ParseContext, kind: str) -> Staged:
    spec = catalog.tables()["core_gdelt__events"]
    names = columns(kind)
    cand = ctx.candidate
    assert cand is not None
    delim = "\t"
    if kind == KIND_TABLE:
        header, delim = header_row(ctx.facts)
        names = [cand.mapping[i] for i in range(len(header))]
        read_wide(ctx, "_gdelt", names, delim, header=True)
    else:
        # GDELT 1.0 backfile rows (57 columns) lack only the last column, the source URL: padded with NULL
        read_wide(ctx, "_gdelt", names, "\t", header=False, quote="", null_padding=kind == KIND1)
    if kind == KIND1:
        _check_gdelt1_widths(ctx)
    validate_integer_cells(
        ctx,
        "_gdelt",
        ["global_event_id", "sql_date", "num_mentions"],
        names,
        cand.mapping,
        delim,
        allow_blank=False,
        what="a whole number",
    )
    # dates are parsed by the projection below, so they are checked before it
    passed = checks.run(ctx.con, ctx.display, [DATES_VALID])
    select = ", ".join(
        "CAST(nullif(date_added, '') AS BIGINT) * 1000000 AS date_added"  # a day in 1.0: YYYYMMDD -> YYYYMMDD000000
        if kind == KIND1 and c == "date_added"
        else f"{canonical_sql(c)} AS {c}"
        for c in spec.fact_columns
    )
    ctx.con.execute(f"CREATE OR REPLACE TEMP TABLE _gdelt_rows AS SELECT {select} FROM _gdelt")
    pmin, pmax = one(ctx.con, "SELECT min(event_date), max(event_date) FROM _gdelt_rows")
    # one scope per export (its timestamp: 15 minutes in 2.0, a day, month or year in 1.0), so files accumulate;
    # files of other names: one per content
    stamp = {KIND: r"(\d{14})\.export\.csv", KIND1: r"(?<!\d)(\d{4}|\d{6}|\d{8})(?:\.export\.csv|\.zip)"}.get(kind)
    m = re.search(stamp, ctx.display, re.IGNORECASE) if stamp else None
    scope = f"{kind}:{m.group(1) if m else ctx.facts.sha256}"
    return Staged(
        kind,
        spec,
        "_gdelt_rows",
        rows_of(spec, "_gdelt_rows"),
        scope=scope,
        vintage=None,
        period_min=pmin,
        period_max=pmax,
        checks=CHECKS,
        checks_passed=passed,
        read_relation="_gdelt",
        header_lines=1 if kind == KIND_TABLE else 0,
    )


def _check_gdelt1_widths(ctx: ParseContext) -> None:
    """A GDELT 1.0 row has 58 cells, or 57 without the URL; fewer means a cut or malformed line."""
    from ..errors import CellError

    short = ctx.con.execute(
        "SELECT global_event_id FROM _gdelt WHERE date_added IS NULL OR NOT regexp_full_match(date_added, '[0-9]{8}') "
        "LIMIT 1"
    ).fetchall()
    if short:
        from ._base import locate

        row, value = locate(ctx, 0, lambda v: v == short[0][0], "\t")
        raise CellError(
            ctx.display, row, "DATEADDED (column 57)", value or "", "57 or 58 tab-separated cells ending with "
            "DATEADDED as YYYYMMDD (a GDELT 1.0 event row)",
        )  # fmt: skip


DATES_VALID = Check(
    "dates_valid",
    "SELECT sql_date FROM _gdelt WHERE try_strptime(sql_date, '%Y%m%d') IS NULL LIMIT 3",
    lambda rows: f"dates {[r[0] for r in rows]} are not YYYYMMDD.",
)
CHECKS = [
    Check(
        "cameo_codes_are_text",
        "SELECT event_code, event_root_code FROM _gdelt_rows WHERE NOT regexp_full_match(event_code, '[0-9]{2,4}') "
        "OR NOT regexp_full_match(event_root_code, '[0-9]{2}') OR NOT starts_with(event_code, event_root_code) "
        "OR NOT starts_with(event_code, event_base_code) LIMIT 3",
        lambda rows: (
            f"event codes {rows} are not CAMEO codes that start with their root and base codes; were "
            "leading zeros lost (a spreadsheet reads '0211' as 211)? Use the original export file."
        ),
        early=True,
    ),
]


def file_timestamp(name: str) -> date | None:
    m = re.match(r"(\d{8})\d{6}\.export\.CSV", name, re.IGNORECASE)
    return date(int(m.group(1)[:4]), int(m.group(1)[4:6]), int(m.group(1)[6:])) if m else None
