"""What every source module shares: the parse context, the staged result, header reading, cell validation and the
helpers for encodings, padded codes and labels.

A source module has the same few names in the same order (see cbp.py for the model):
``SOURCE``, ``LICENSE``, ``URLS``, ``detect(facts) -> list[Candidate]``, ``parse(ctx, kind) -> Staged``.
``parse`` reads the raw file into a DuckDB temporary relation of canonical rows (or of wide rows at a stated
grain), names any bad cell, and returns a :class:`Staged`: that relation, the SQL that yields the table's rows, the
release's scope and vintage, and the source's own named checks. The loader (usmx.warehouse) then runs the
catalogue's checks and the source's, and inserts the rows in one transaction.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from .. import catalog
from ..checks import Check
from ..errors import CellError, UsmxError
from ..rawstore import FileFacts, open_text


@dataclass
class Candidate:
    """How well a file's header fits one known layout."""

    kind: str
    mapping: dict[int, str]
    unknown: list[str]
    missing: list[str]
    header: list[str]

    @property
    def exact(self) -> bool:
        return not self.unknown and not self.missing

    @property
    def score(self) -> float:
        known = len(self.mapping)
        return known / max(1, known + len(self.unknown) + len(self.missing))


@dataclass
class ParseContext:
    con: duckdb.DuckDBPyConnection
    facts: FileFacts
    readable: Path  # what DuckDB reads (the file, or a decompressed copy)
    display: str  # the name used in messages (the user's path)
    candidate: Candidate | None = None
    origin: str | None = None  # where the file came from (a URL and retrieval date when fetched)


@dataclass
class Staged:
    """A parsed file ready to check and load.

    ``relation`` is the temporary table the checks read: canonical rows, or wide rows whose unique key is ``grain``
    (default: the table's primary key). ``select_sql`` yields rows in the table's ``fact_columns`` order.
    ``checks`` are the source's own named checks (the catalogue's are added by the loader); ``checks_passed`` names
    any the parser had to run itself before it could go on.
    """

    kind: str
    table: catalog.TableSpec
    relation: str
    select_sql: str
    scope: str
    vintage: date | None
    period_min: date | None
    period_max: date | None
    checks: list[Check] = field(default_factory=list)
    checks_passed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dimension_sql: str | None = None  # rows of the coded dimension (id, label columns), for coded tables
    grain: tuple[str, ...] | None = None
    key_label: Callable[[tuple], object] | None = None
    read_relation: str | None = None  # one row per data line as read: checked against the file's line count
    header_lines: int = 1


def rows_of(spec: catalog.TableSpec, relation: str) -> str:
    """SELECT of a canonical relation's columns in the table's stored order."""
    return f"SELECT {', '.join(spec.fact_columns)} FROM {relation}"


def state_code_sql(expr: str) -> str:
    """SQL: a state code as INEGI writes it ('01'), from '1', ' 01 ' or '1.0'-free integers; NULL if not a number."""
    return f"lpad(CAST(TRY_CAST(trim({expr}) AS INTEGER) AS VARCHAR), 2, '0')"


def municipality_code_sql(expr: str) -> str:
    """SQL: a 5-digit municipality code from a 4- or 5-digit one ('1001' -> '01001')."""
    return f"lpad(trim({expr}), 5, '0')"


def label_case_sql(expr: str, mapping: dict[str, str]) -> str:
    """SQL: an official label mapped to usmx's code (labels compared normalised); NULL when unknown."""
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in mapping.items())
    return f"CASE {catalog.NORMALISE_SQL(expr)} {whens} END"


def sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", ";", "\t", "|")}
    return max(counts, key=lambda d: counts[d])


def header_row(facts: FileFacts) -> tuple[list[str], str]:
    """The first row of a delimited file, and its delimiter."""
    first = facts.head.lstrip("\ufeff").splitlines()[0] if facts.head.strip() else ""
    delim = sniff_delimiter(first)
    row = next(csv.reader(io.StringIO(first), delimiter=delim), [])
    return [c.strip() for c in row], delim


@dataclass
class Prepared:
    """What every header-based parser starts from: its layout, table, matched header and canonical names."""

    layout: catalog.Layout
    spec: catalog.TableSpec
    candidate: Candidate
    header: list[str]
    delim: str
    names: list[str]

    def cells(self, ctx: ParseContext, table: str, columns: Iterable[str], **options: Any) -> None:
        """:func:`validate_integer_cells` on this file's header and delimiter (options: allow_blank, what,
        pattern)."""
        validate_integer_cells(ctx, table, columns, self.header, self.candidate.mapping, self.delim, **options)


def prepare(ctx: ParseContext, source: str, kind: str) -> Prepared:
    layout = catalog.layouts(source)[kind]
    cand = ctx.candidate
    assert cand is not None and cand.exact, "parse() is only called on an exact header match"
    header, delim = header_row(ctx.facts)
    names = [cand.mapping[i] for i in range(len(header))]
    return Prepared(layout, catalog.tables()[layout.table], cand, header, delim, names)


def match_layouts(source: str, facts: FileFacts) -> list[Candidate]:
    header, _ = header_row(facts)
    out = []
    for kind, layout in catalog.layouts(source).items():
        mapping, unknown, missing = layout.match(header)
        if mapping:
            out.append(Candidate(kind, mapping, unknown, missing, header))
    return out


def duck_error(display: str, exc: Exception) -> UsmxError:
    """Turn a DuckDB reader error into a user-facing one that names the file."""
    if "Invalid unicode" in str(exc):
        line = re.search(r"Line: (\d+)", str(exc))
        where = f" at line {line.group(1)}" if line else ""
        return UsmxError(
            f"{display}: mixed text encodings: the file starts as UTF-8 but{where} holds bytes that are not valid "
            "UTF-8. Official files use one encoding; the file was probably edited and re-saved. Re-download the "
            "original."
        )
    msg = str(exc).strip().splitlines()
    text = " ".join(line.strip() for line in msg[:6])
    return UsmxError(
        f"{display}: the file could not be read as the expected CSV layout. The reader said: {text} "
        "A truncated download or a hand-edited file is the usual cause; re-download the original."
    )


def read_wide(
    ctx: ParseContext,
    table: str,
    names: list[str],
    delim: str,
    *,
    select: str = "*",
    header: bool = True,
    quote: str = '"',
    null_padding: bool = False,
) -> None:
    """Read a delimited file into a temporary table: every column as text under its canonical name, then ``select``
    (a projection over those names; the default keeps them as text). Reader errors name the file."""
    encoding = ctx.facts.duckdb_encoding
    compression = "none" if ctx.readable != ctx.facts.path else ctx.facts.duckdb_compression
    try:
        ctx.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {select} FROM read_csv(?, header=?, all_varchar=true, "
            "delim=?, quote=?, escape=?, encoding=?, compression=?, strict_mode=true, null_padding=?, "
            "auto_detect=false, columns=?)",
            [
                str(ctx.readable),
                header,
                delim,
                quote,
                quote,
                encoding,
                compression,
                null_padding,
                dict.fromkeys(names, "VARCHAR"),
            ],
        )
    except (duckdb.InvalidInputException, duckdb.ConversionException, duckdb.IOException) as exc:
        raise duck_error(ctx.display, exc) from exc


def locate(
    ctx: ParseContext, column_index: int, predicate, delim: str = ",", row_filter=None
) -> tuple[int | None, str | None]:
    """Find the first data row (1-based file line) whose cell at ``column_index`` satisfies ``predicate`` (and
    whose whole row satisfies ``row_filter``, when given).

    Used only on the error path, to name the row of a bad cell that a vectorised check found.
    """
    csv.field_size_limit(1 << 30)  # official cells are short, but a corrupt file may not be
    with open_text(ctx.facts) as text:
        reader = csv.reader(text, delimiter=delim)
        next(reader, None)
        for row in reader:
            if column_index < len(row) and predicate(row[column_index]) and (row_filter is None or row_filter(row)):
                return reader.line_num, row[column_index]
    return None, None


COUNT_RE = r"[0-9]{1,18}|[0-9]{1,3}(,[0-9]{3}){1,5}"
"""A count as official files write it: digits, optionally with thousands separators ("1,119")."""


AMOUNT_RE = r"[0-9]+(,[0-9]{3})*(\.[0-9]+)?([eE][-+]?[0-9]+)?|\.[0-9]+"
"""A non-negative decimal amount (pounds, percentages): ``147.04832875399998``, ``1,702.83``."""


def _is_bad_count(value: str, allow_blank: bool, pattern: str = COUNT_RE) -> bool:
    v = value.strip()
    if not v:
        return not allow_blank
    return re.fullmatch(pattern, v) is None


def validate_integer_cells(
    ctx: ParseContext,
    table: str,
    columns: Iterable[str],
    header: list[str],
    mapping: dict[int, str],
    delim: str,
    *,
    allow_blank: bool = True,
    what: str = "a whole, non-negative number (thousands separators allowed)",
    pattern: str = COUNT_RE,
) -> None:
    """Raise CellError naming row and column for the first cell that does not match ``pattern`` (by default a
    non-negative integer; pass AMOUNT_RE for decimal amounts)."""
    conds = []
    for c in columns:
        blank = f"nullif(trim({c}), '') IS NULL"
        conds.append(
            f"CASE WHEN {blank} THEN {'NULL' if allow_blank else repr(c)} "
            f"WHEN NOT regexp_full_match(trim({c}), '{pattern}') THEN '{c}' END"
        )
    expr = "coalesce(" + ", ".join(conds) + ")" if len(conds) > 1 else conds[0]
    bad = ctx.con.execute(f"SELECT {expr} AS col FROM {table} WHERE {expr} IS NOT NULL LIMIT 1").fetchall()
    if not bad:
        return
    col = bad[0][0]
    index = next(i for i, name in mapping.items() if name == col)
    row, value = locate(ctx, index, lambda v: _is_bad_count(v, allow_blank, pattern), delim)
    value = value if value is not None else ""
    plain = value.strip().replace(",", "")
    negative = re.fullmatch(r"-\s*(" + pattern + ")", value.strip()) is not None
    if plain.isdigit() and len(plain) > 18:
        what = f"a count of at most 18 digits (this one has {len(plain)}: a corrupted cell)"
    raise CellError(ctx.display, row, header[index], value, "a count of zero or more" if negative else what)
