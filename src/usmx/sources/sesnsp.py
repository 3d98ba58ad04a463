"""SESNSP crime incidence and victims, current methodology (2015 onwards), official wide monthly layouts.

Kinds:
- ``sesnsp_state_crimes`` (IDEFC_NM): state x crime category x year, 12 month columns
- ``sesnsp_municipal_crimes`` (IDM_NM): the same plus municipality code and name
- ``sesnsp_state_victims`` (IDVFC_NM): the state layout plus sex and age group; counts are victims
- ``sesnsp_state_crimes_2026`` (RNID, from January 2026): the state layout's columns, with the 2026 methodology's
  114 categories; a different series, in its own table (``catalog/bridge_2026.yaml`` maps both to crime groups)

The files come as Latin-1 or UTF-8 (with or without BOM), CRLF or LF, numbers sometimes quoted with thousands
separators (``"1,119"``). Months after the release's cut-off are empty cells: missing, not zero. The cut-off month
is the release's vintage.
"""

from __future__ import annotations

import re
from datetime import date

from .. import catalog, checks
from ..catalog import MONTHS
from ..checks import Check
from ..errors import CellError, CheckError, UsmxError
from ..rawstore import FileFacts
from ._base import (
    COUNT_RE,
    Candidate,
    ParseContext,
    Staged,
    label_case_sql,
    locate,
    match_layouts,
    municipality_code_sql,
    prepare,
    read_wide,
    state_code_sql,
    validate_integer_cells,
)

SOURCE = "sesnsp"
#: SESNSP's 2026 methodology (Registro Nacional de Incidencia Delictiva) starts in January 2026. Its state file has
#: the same 19 column names as the 2015 methodology's, so a state file is told apart by its first data row's year.
RNID_FIRST_YEAR = 2026
RNID_KIND = "sesnsp_state_crimes_2026"
LICENSE = "Libre Uso MX (datos abiertos del Gobierno de México)"
URLS = {
    # The datos abiertos page links to files on a rotating host behind a bot check: download by hand, then
    # `usmx ingest FILE`, or pass the direct link you were given to `usmx fetch SOURCE --url URL`.
    "sesnsp_state_crimes": "https://www.gob.mx/sesnsp/acciones-y-programas/datos-abiertos-de-incidencia-delictiva",
    "sesnsp_municipal_crimes": "https://www.gob.mx/sesnsp/acciones-y-programas/datos-abiertos-de-incidencia-delictiva",
    "sesnsp_state_victims": "https://www.gob.mx/sesnsp/acciones-y-programas/datos-abiertos-de-incidencia-delictiva",
    RNID_KIND: "https://www.gob.mx/sesnsp/acciones-y-programas/datos-abiertos-de-incidencia-delictiva",
}
FIRST_YEAR = 2015  # CNSP/38/15: the 2015 methodology starts in January 2015
LAST_YEAR = 2025  # from January 2026 SESNSP publishes the RNID methodology: another table, not a newer release


def detect(facts: FileFacts) -> list[Candidate]:
    found = match_layouts(SOURCE, facts)
    old = next((c for c in found if c.kind == "sesnsp_state_crimes"), None)
    if old is not None and any(c.kind == RNID_KIND for c in found):
        year = _first_year(facts, old)
        rnid = year is not None and year >= RNID_FIRST_YEAR
        # both layouts match the header: the one the year points to comes first (a kind given by the user still
        # selects the other, whose year check then explains the mismatch)
        found.sort(key=lambda c: c.kind != (RNID_KIND if rnid else "sesnsp_state_crimes"))
    return found


def _first_year(facts: FileFacts, cand: Candidate) -> int | None:
    """The year in a state file's first data row (None when it cannot be read from the file's head)."""
    import csv
    import io

    col = next((i for i, name in cand.mapping.items() if name == "year"), None)
    lines = facts.head.lstrip("\ufeff").splitlines()
    if col is None or len(lines) < 2:
        return None
    delim = "," if lines[0].count(",") >= lines[0].count(";") else ";"
    row = next(csv.reader(io.StringIO(lines[1]), delimiter=delim), [])
    try:
        return int(row[col].strip())
    except (IndexError, ValueError):
        return None


def parse(ctx: ParseContext, kind: str) -> Staged:
    p = prepare(ctx, SOURCE, kind)
    layout, spec, cand, header, delim, names = p.layout, p.spec, p.candidate, p.header, p.delim, p.names
    municipal = "municipality_code" in layout.columns
    victims = "sex" in layout.columns
    unit = "municipality_code" if municipal else "state_code"
    con = ctx.con

    # One pass over the file: cast every cell and, beside it, a flag saying whether the row's text was exactly what
    # the layout promises (codes, a year, counts with optional thousands separators). Only when a flag is down does
    # the slow path re-read the file as text to name the first bad cell's row and column.
    read_typed(ctx, "_canon", names, delim, municipal=municipal, victims=victims)
    passed = checks.run(con, ctx.display, [checks.has_rows("_canon")])
    if con.execute("SELECT 1 FROM _canon WHERE NOT _ok LIMIT 1").fetchall():
        _explain_bad_cell(ctx, header, cand, delim, names, municipal)
    # a year of the other methodology is the reason to give, before any check on the months' cells
    passed += checks.run(con, ctx.display, [_years_check(kind == RNID_KIND)])

    # Labels are stored once per release under a small dense id (1..n, in crime_key order), so that the long rows
    # carry a few bits each; the typed pass gives every row a hash of its four labels, mapped to the id at insert.
    label_cols = ["legal_good", "crime_type", "crime_subtype", "modality"]
    key = catalog.KEY_SQL("crime_type", "crime_subtype", "modality")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _labels AS SELECT *, CAST(row_number() OVER (ORDER BY crime_key, crime_hash) "
        f"AS USMALLINT) AS crime_id FROM (SELECT *, {key} AS crime_key FROM (SELECT DISTINCT crime_hash, "
        + ", ".join(label_cols)
        + " FROM _canon))"
    )

    # Vintage: the last month with any value. Cells before it must be filled; cells after it must be blank.
    fill = con.execute(
        f"SELECT year, count(*), {', '.join(f'count({m})' for m in MONTHS)} FROM _canon GROUP BY year ORDER BY year"
    ).fetchall()
    filled = [(y, m, n, counts[m - 1]) for y, n, *counts in fill for m in range(1, 13)]
    present = [date(y, m, 1) for y, m, n, c in filled if c > 0]
    if not present:
        raise CheckError(ctx.display, "has_values", "every month cell is blank.")
    cut = max(present)
    gaps = [(y, m, n - c) for y, m, n, c in filled if date(y, m, 1) <= cut and c < n]
    if gaps:
        raise CheckError(ctx.display, "blank_only_after_cutoff", _blank_message(ctx, header, cand, delim, gaps, cut))
    passed.append("blank_only_after_cutoff")

    # Stored as read: one row per year with its twelve month cells (catalogue ``months``; the views show long rows),
    # the dense label id joined from the ~100 labels. A row whose every month is blank holds no observation.
    # Measured on the 353 MB municipal file: 1.2 s, against 4.3 s for writing the same 29.1 M observations as long
    # rows (the month columns unnested side by side; UNPIVOT and one SELECT per month were slower still).
    stored = ", ".join("l.crime_id" if c == "crime_id" else f"c.{c}" for c in spec.fact_columns)
    rows_sql = (
        f"SELECT {stored} FROM _canon c "
        f"JOIN _labels l USING (crime_hash) WHERE coalesce({', '.join(MONTHS)}) IS NOT NULL"
    )
    own = _checks(unit, municipal, victims, rnid=kind == RNID_KIND)
    # the wide rows' key: crime_id stands for crime_key one to one (label_ids_unique, labels_distinct)
    grain = ("year", unit, "crime_hash") + (("sex", "age_group") if victims else ())
    return Staged(
        kind,
        spec,
        "_canon",
        rows_sql,
        scope=kind,
        vintage=cut,
        period_min=date(min(r[0] for r in fill), 1, 1),
        period_max=cut,
        checks=own,
        checks_passed=passed,
        grain=grain,
        key_label=lambda key: _with_key(con, key),
        dimension_sql=f"SELECT crime_id, {', '.join(label_cols)}, crime_key FROM _labels",
        read_relation="_canon",
    )


def _years_check(rnid: bool) -> Check:
    """A file holds the years of one methodology: 2015-2025, or the RNID's from 2026."""
    if rnid:
        first, last = RNID_FIRST_YEAR, max(RNID_FIRST_YEAR, date.today().year)
        why = (
            "this file is SESNSP's 2026 methodology (RNID), which starts in January 2026; years before it belong to "
            "the 2015 methodology's files (IDEFC_NM), a different series. Load those separately."
        )
    else:
        first, last = FIRST_YEAR, min(LAST_YEAR, date.today().year)
        why = (
            "this layout is SESNSP's 2015 methodology, which runs from January 2015 to December 2025. Files for 2026 "
            "on use the RNID methodology (114 categories, attempted homicide and extortion split out): a different "
            "series that loads into core_sesnsp__state_crimes_2026_monthly, never over this one."
        )
    return Check(
        "years_in_method",
        f"SELECT DISTINCT year FROM _canon WHERE year < {first} OR year > {last} ORDER BY year",
        lambda rows: f"years {[r[0] for r in rows]} fall outside {first}..{last}: {why}",
        early=True,
    )


def _checks(unit: str, municipal: bool, victims: bool, *, rnid: bool = False) -> list[Check]:
    """SESNSP's own checks (the catalogue adds rows present, unique keys and known codes)."""
    own = [
        _years_check(rnid),  # run by the parser first; listed so that the check is named with the others
        Check(
            "label_ids_unique",
            "SELECT crime_hash FROM _labels GROUP BY crime_hash HAVING count(*) > 1 LIMIT 1",
            lambda rows: "two different label sets share a hash; report this file to the usmx developers.",
            early=True,
        ),
        Check(
            "labels_distinct",
            "SELECT crime_key, count(*) FROM _labels GROUP BY crime_key HAVING count(*) > 1 LIMIT 3",
            lambda rows: (
                f"categories spelled in more than one way in the same file: {rows[0][0]!r} appears with "
                f"{rows[0][1]} spellings (case, accents, spacing or legal good). Official files spell each one way."
            ),
            early=True,
        ),
    ]
    if victims:
        own.append(
            Check(
                "sex_labels_known",
                "SELECT DISTINCT sex_label FROM _canon WHERE sex IS NULL LIMIT 5",
                lambda rows: (
                    f"unknown sex labels {[r[0] for r in rows]}; expected one of "
                    f"{sorted(set(catalog.header_maps(SOURCE)['sex']))} (add new spellings to "
                    "catalog/headers/sesnsp.yaml)."
                ),
                early=True,
            )
        )
    if not municipal:
        own.append(
            Check(
                "all_states_every_year",
                "SELECT year, count(DISTINCT state_code) FROM _canon GROUP BY year "
                "HAVING count(DISTINCT state_code) <> 32",
                lambda rows: f"years with other than 32 states: {rows}. A truncated file is the usual cause.",
            )
        )
    # A complete panel: within a year every unit reports the same categories; units never disappear later.
    own += [
        Check(
            "complete_panel",
            f"WITH per AS (SELECT year, {unit} AS u, count(*) AS n FROM _canon GROUP BY ALL) "
            "SELECT year, u, n, max(n) OVER (PARTITION BY year) AS full_n FROM per QUALIFY n < full_n "
            "ORDER BY year DESC LIMIT 3",
            lambda rows: (
                f"{rows[0][1]} has {rows[0][2]} rows in {rows[0][0]} where other units have "
                f"{rows[0][3]}; the file looks truncated or filtered."
            ),
        ),
        Check(
            "units_persist",
            f"WITH u AS (SELECT DISTINCT year, {unit} AS u FROM _canon), y AS (SELECT DISTINCT year FROM _canon) "
            "SELECT y.year, a.u FROM u a JOIN y ON y.year > a.year "
            "ANTI JOIN u b ON b.u = a.u AND b.year = y.year ORDER BY y.year DESC LIMIT 3",
            lambda rows: f"unit {rows[0][1]} disappears in {rows[0][0]}; the file looks truncated.",
        ),
    ]
    return own


def _with_key(con, key: tuple) -> tuple:
    """A duplicated key as people read it: the crime label key instead of its hash."""
    label = con.execute("SELECT crime_key FROM _labels WHERE crime_hash = ?", [key[2]]).fetchone()
    return (*key[:2], label[0] if label else key[2], *key[3:])


def read_typed(ctx: ParseContext, table: str, names: list[str], delim: str, *, municipal: bool, victims: bool) -> None:
    """Read the file once into canonical, typed columns plus the ``_ok`` flag (see parse)."""
    cell = "(" + COUNT_RE + ")?"
    months_ok = f"regexp_full_match(concat_ws('|', {', '.join(f'trim({m})' for m in MONTHS)}), '({cell}\\|)*{cell}')"
    ok = [
        months_ok,
        "regexp_full_match(trim(year), '[0-9]{4}')",
        "coalesce(TRY_CAST(trim(state_code) AS INTEGER) BETWEEN 1 AND 32, false)",
    ]
    cols = ["TRY_CAST(trim(year) AS INTEGER) AS year", f"{state_code_sql('state_code')} AS state_code"]
    if municipal:
        ok.append("regexp_full_match(trim(municipality_code), '[0-9]{4,5}')")
        cols.append(f"{municipality_code_sql('municipality_code')} AS municipality_code")
    cols += [
        "legal_good",
        "crime_type",
        "crime_subtype",
        "modality",
        "hash(legal_good, crime_type, crime_subtype, modality) AS crime_hash",
    ]
    if victims:
        cols += [
            f"{label_case_sql('sex', catalog.value_map(SOURCE, 'sex'))} AS sex",
            "trim(sex) AS sex_label",
            "trim(age_group) AS age_group",
        ]
    cols += [f"TRY_CAST(replace(trim({m}), ',', '') AS BIGINT) AS {m}" for m in MONTHS]
    cols.append(" AND ".join(f"coalesce({c}, false)" for c in ok) + " AS _ok")
    read_wide(ctx, table, names, delim, select=", ".join(cols))


def _explain_bad_cell(ctx, header, cand, delim, names, municipal) -> None:
    """The slow path: find and name the first cell that broke the layout (raises CellError)."""
    read_wide(ctx, "_wide", names, delim)
    validate_integer_cells(
        ctx, "_wide", ["year"], header, cand.mapping, delim, allow_blank=False, what="a four-digit year"
    )
    validate_integer_cells(
        ctx, "_wide", ["state_code"], header, cand.mapping, delim, allow_blank=False, what="a state code from 1 to 32"
    )
    _check_codes(ctx, header, cand, delim, municipal)
    validate_integer_cells(ctx, "_wide", MONTHS, header, cand.mapping, delim)
    raise UsmxError(
        f"{ctx.display}: a row does not match the layout, but no single cell could be named; check "
        "the file for stray characters."
    )


def _check_codes(ctx: ParseContext, header: list[str], cand: Candidate, delim: str, municipal: bool) -> None:
    bad = ctx.con.execute(
        "SELECT state_code FROM _wide WHERE CAST(replace(state_code, ',', '') AS BIGINT) NOT BETWEEN 1 AND 32 LIMIT 1"
    ).fetchall()
    if bad:
        idx = next(i for i, n in cand.mapping.items() if n == "state_code")
        row, value = locate(ctx, idx, lambda v: not v.strip().isdigit() or not 1 <= int(v) <= 32, delim)
        raise CellError(ctx.display, row, header[idx], value or bad[0][0], "a state code from 1 to 32")
    if municipal:
        idx = next(i for i, n in cand.mapping.items() if n == "municipality_code")
        bad = ctx.con.execute(
            "SELECT municipality_code FROM _wide WHERE NOT regexp_full_match(trim(municipality_code), '[0-9]{4,5}') "
            "LIMIT 1"
        ).fetchall()
        if bad:
            row, value = locate(ctx, idx, lambda v: re.fullmatch(r"[0-9]{4,5}", v.strip()) is None, delim)
            raise CellError(
                ctx.display, row, header[idx], value or bad[0][0], "a 4- or 5-digit INEGI municipality code"
            )


def _blank_message(ctx, header, cand, delim, rows, cut) -> str:
    year, month, blanks = rows[0]
    idx = next(i for i, n in cand.mapping.items() if n == f"m{month:02d}")
    year_idx = next(i for i, n in cand.mapping.items() if n == "year")
    line, _ = locate(ctx, idx, lambda v: not v.strip(), delim, row_filter=lambda r: r[year_idx].strip() == str(year))
    where = f" (first at row {line}, column {header[idx]!r})" if line else ""
    return (
        f"{blanks} blank cells for {year}-{month:02d}{where}, before the release's cut-off {cut:%Y-%m}. Blank cells "
        "mean 'not yet reported' and may only follow the cut-off; a blank inside the covered period is ambiguous."
    )
