"""The DuckDB warehouse: schema generated from the catalogue, the ``loads`` ledger, transactional loads, vintages.

Each core table keeps every release it was fed in ``<table>__all_vintages``; ``<table>`` is a view of the rows
whose load is current. A load is current when it is the newest vintage of its scope (the scope is what a release
replaces: the whole SESNSP file, or one INEGI registration year); an older release loaded later never displaces a
newer one. Everything a load writes happens in one transaction, so a failure or a killed process leaves the
warehouse as it was.

This module is the one home of loading (:func:`load_file`) and of the ``loads`` ledger: its table and column names
are named once here (:data:`LOADS`, :data:`LOAD_ID`, :data:`LEDGER_COLUMNS`), and every reader of the ledger goes
through the functions at the end of the module.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from . import catalog, checks, rawstore, sources
from ._db import one
from ._version import __version__
from .errors import UsmxError
from .sources._base import ParseContext, Staged

SCHEMA_VERSION = 1

LOADS = "loads"
"""The ledger table: one row per file loaded."""
LOAD_ID = "load_id"
"""The column on every core row that joins it to the ledger."""

#: the ledger's columns, in order, with their DuckDB types
LEDGER_COLUMNS: tuple[tuple[str, str], ...] = (
    (LOAD_ID, "BIGINT PRIMARY KEY"),
    ("source", "VARCHAR NOT NULL"),
    ("kind", "VARCHAR NOT NULL"),
    ("table_name", "VARCHAR NOT NULL"),
    ("scope", "VARCHAR NOT NULL"),
    ("vintage", "DATE"),
    ("period_min", "DATE"),
    ("period_max", "DATE"),
    ("file_name", "VARCHAR NOT NULL"),
    ("sha256", "VARCHAR NOT NULL UNIQUE"),
    ("bytes", "BIGINT NOT NULL"),
    ("encoding", "VARCHAR"),
    ("raw_path", "VARCHAR"),
    ("row_count", "BIGINT NOT NULL"),
    ("checks", "VARCHAR[]"),
    ("loaded_at", "TIMESTAMP NOT NULL"),
    ("usmx_version", "VARCHAR NOT NULL"),
    ("is_current", "BOOLEAN NOT NULL"),
)
LOADS_DDL = f"CREATE TABLE IF NOT EXISTS {LOADS} (" + ", ".join(f"{n} {t}" for n, t in LEDGER_COLUMNS) + ")"

Progress = Callable[[str, int | None, int | None], None]
"""``progress(stage, done, total)``: called as a file moves through hashing, parsing, checking and loading."""


@dataclass(frozen=True)
class LoadResult:
    """What happened to one file given to :func:`load_file`."""

    path: str
    status: str  # "loaded" or "already_loaded"
    kind: str
    table: str
    load_id: int
    rows: int
    sha256: str
    vintage: date | None
    is_current: bool
    seconds: float
    checks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.status == "already_loaded":
            return (
                f"{self.path}: already loaded as load {self.load_id} ({self.rows:,} rows in {self.table}); "
                "nothing to do."
            )
        vintage = f", vintage {self.vintage:%Y-%m}" if self.vintage else ""
        current = "" if self.is_current else " (an older vintage: kept for revisions, not current)"
        return (
            f"{self.path}: loaded {self.rows:,} rows into {self.table} as load {self.load_id}{vintage}"
            f"{current} in {self.seconds:.1f} s."
        )


# -- connections and schema ---------------------------------------------------------------------------------------
def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, creating and migrating it when opened for writing."""
    try:
        if read_only:
            if not path.exists():
                with contextlib.closing(connect(path)):
                    pass
            con = duckdb.connect(str(path), read_only=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Row order inside a table carries no meaning here; not preserving it lets DuckDB load in parallel.
            con = duckdb.connect(str(path), config={"preserve_insertion_order": False})
            ensure_schema(con)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise UsmxError(
                f"{path}: the warehouse is open in another process that is writing to it. Wait for it to finish, "
                "or use another --db."
            ) from exc
        raise UsmxError(f"{path}: cannot open the warehouse ({exc}).") from exc
    except duckdb.Error as exc:
        raise UsmxError(f"{path}: this is not a usmx warehouse, or it is damaged ({exc}).") from exc
    return con


@contextlib.contextmanager
def opened(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create what is missing (idempotent) and refresh the catalogue tables, in one transaction."""
    con.begin()
    try:
        con.execute("CREATE TABLE IF NOT EXISTS usmx_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        row = con.execute("SELECT value FROM usmx_meta WHERE key = 'schema_version'").fetchone()
        if row and int(row[0]) > SCHEMA_VERSION:
            raise UsmxError(
                f"this warehouse was written by a newer usmx (schema {row[0]} > {SCHEMA_VERSION}); upgrade usmx."
            )
        con.execute("INSERT OR REPLACE INTO usmx_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        con.execute(LOADS_DDL)
        _catalogue_tables(con)
        for spec in catalog.tables().values():
            _create_table(con, spec)
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _create_table(con: duckdb.DuckDBPyConnection, spec: catalog.TableSpec) -> None:
    """Physical facts (and dimension), then the two public views: every vintage, and the current one."""
    cols = ", ".join(f"{f.name} {f.type}" for f in spec.fact_fields)
    con.execute(f"CREATE TABLE IF NOT EXISTS {spec.facts_table} ({cols}, {LOAD_ID} BIGINT NOT NULL)")
    select = []
    join = ""
    coded = spec.coded
    if coded:
        types = {f.name: f.type for f in spec.fields}
        dcols = ", ".join(f"{c} {types[c]}" for c in coded.columns)
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {coded.dimension} ({LOAD_ID} BIGINT NOT NULL, {coded.id} UBIGINT NOT NULL, "
            f"{dcols}, PRIMARY KEY ({LOAD_ID}, {coded.id}))"
        )
        join = f" JOIN {coded.dimension} d ON d.{LOAD_ID} = f.{LOAD_ID} AND d.{coded.id} = f.{coded.id}"
    derived = dict(spec.derived)
    for f in spec.fields:
        if coded and f.name in coded.columns:
            select.append(f"d.{f.name}")
        elif f.name in derived:
            select.append(f"CAST({derived[f.name]} AS {f.type}) AS {f.name}")
        else:
            select.append(f"f.{f.name}")
    con.execute(
        f"CREATE OR REPLACE VIEW {spec.history_table} AS SELECT {', '.join(select)}, f.{LOAD_ID} "
        f"FROM {spec.facts_table} f{join}"
    )
    con.execute(
        f"CREATE OR REPLACE VIEW {spec.name} AS SELECT * FROM {spec.history_table} "
        f"WHERE {LOAD_ID} IN (SELECT {LOAD_ID} FROM {LOADS} WHERE is_current)"
    )


def _catalogue_tables(con: duckdb.DuckDBPyConnection) -> None:
    states = catalog.states().values()
    con.execute(
        "CREATE OR REPLACE TABLE cat_states (state_code VARCHAR PRIMARY KEY, name VARCHAR, "
        "official_name VARCHAR, abbreviation VARCHAR)"
    )
    con.executemany(
        "INSERT INTO cat_states VALUES (?, ?, ?, ?)",
        [(s.code, s.name, s.official_name, s.abbreviation) for s in states],
    )
    con.execute(
        "CREATE OR REPLACE TABLE cat_municipalities (municipality_code VARCHAR PRIMARY KEY, "
        "state_code VARCHAR, name VARCHAR)"
    )
    muns = catalog.municipalities()
    tbl = pa.table(
        {
            "municipality_code": list(muns),
            "state_code": [v[0] for v in muns.values()],
            "name": [v[1] for v in muns.values()],
        }
    )
    con.register("_muns", tbl)
    con.execute("INSERT INTO cat_municipalities SELECT * FROM _muns")
    con.unregister("_muns")
    con.execute(
        "CREATE OR REPLACE TABLE cat_administrations (key VARCHAR PRIMARY KEY, president VARCHAR, "
        "party VARCHAR, start_date DATE, end_date DATE, label_es VARCHAR, label_en VARCHAR)"
    )
    con.executemany(
        "INSERT INTO cat_administrations VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(a.key, a.president, a.party, a.start, a.end, a.label_es, a.label_en) for a in catalog.administrations()],
    )
    con.execute(
        "CREATE OR REPLACE TABLE cat_series_breaks (key VARCHAR PRIMARY KEY, break_date DATE, "
        "sources VARCHAR[], label_en VARCHAR, label_es VARCHAR)"
    )
    con.executemany(
        "INSERT INTO cat_series_breaks VALUES (?, ?, ?, ?, ?)",
        [(b.key, b.date, list(b.sources), b.label_en, b.label_es) for b in catalog.series_breaks()],
    )


# -- loading -------------------------------------------------------------------------------------------------------
def _drop_temporaries(con: duckdb.DuckDBPyConnection) -> None:
    """Parsers stage files in temporary tables and views; drop them so the next file starts clean."""
    for (name,) in con.execute("SELECT view_name FROM duckdb_views() WHERE temporary").fetchall():
        con.execute(f'DROP VIEW IF EXISTS temp."{name}"')
    for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall():
        con.execute(f'DROP TABLE IF EXISTS temp."{name}"')


def load_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    store: rawstore.RawStore,
    scratch: Path,
    kind: str | None = None,
    origin: str | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Load one official file in one transaction: detect, parse, check, insert rows and the ledger record.

    The raw copy is written to the store while DuckDB parses. A file whose sha256 is already in the ledger is
    skipped (status ``already_loaded``). Any failure rolls the transaction back and leaves the warehouse as it was.
    """
    t0 = time.perf_counter()
    report = progress or (lambda *a: None)
    display = str(path)
    report("hashing", None, None)
    facts = rawstore.inspect(path)
    mod, cand = sources.detect(facts, display, kind)
    known = known_checksum(con, facts.sha256)
    if known:
        return LoadResult(
            display,
            "already_loaded",
            known["kind"],
            known["table_name"],
            known[LOAD_ID],
            known["row_count"],
            facts.sha256,
            known["vintage"],
            known["is_current"],
            time.perf_counter() - t0,
        )
    # The raw copy is written in a background thread while DuckDB parses (both release the GIL).
    pool = ThreadPoolExecutor(max_workers=1)
    copying = pool.submit(store.add, facts, mod.SOURCE, origin or str(path.resolve()), mod.LICENSE)
    try:
        with rawstore.readable_path(facts, scratch) as readable:
            ctx = ParseContext(con, facts, readable, display, cand)
            con.begin()
            try:
                report("parsing and checking", None, None)
                staged = mod.parse(ctx, cand.kind)
                staged.checks_passed += run_checks(ctx, staged)
                report("storing raw copy", None, None)
                raw = copying.result()
                report("loading", None, None)
                load_id, rows = _insert(
                    con,
                    staged=staged,
                    facts=facts,
                    file_name=origin or path.name,
                    raw_path=str(raw.path),
                    source=mod.SOURCE,
                )
                current = bool(one(con, f"SELECT is_current FROM {LOADS} WHERE {LOAD_ID} = ?", [load_id])[0])
                con.commit()
            except duckdb.Error as exc:
                con.rollback()
                raise UsmxError(f"{display}: the load failed and was rolled back: {exc}") from exc
            except BaseException:
                con.rollback()
                raise
            finally:
                _drop_temporaries(con)
    finally:
        pool.shutdown(wait=True)
    return LoadResult(
        display,
        "loaded",
        cand.kind,
        staged.table.name,
        load_id,
        rows,
        facts.sha256,
        staged.vintage,
        current,
        time.perf_counter() - t0,
        staged.checks_passed,
        staged.notes,
    )


def run_checks(ctx: ParseContext, staged: Staged) -> list[str]:
    """The catalogue's checks for the staged table, then the source's own, skipping any the parser already ran."""
    columns = [r[0] for r in ctx.con.execute(f"DESCRIBE {staged.relation}").fetchall()]
    todo = checks.for_table(
        staged.table,
        staged.relation,
        columns,
        grain=staged.grain,
        key_label=staged.key_label,
        source_checks=staged.checks,
    )
    done = set(staged.checks_passed)
    return checks.run(ctx.con, ctx.display, [c for c in todo if c.name not in done])


def _insert(
    con: duckdb.DuckDBPyConnection,
    *,
    staged: Staged,
    facts: rawstore.FileFacts,
    file_name: str,
    raw_path: str | None,
    source: str,
) -> tuple[int, int]:
    """Insert a staged file's rows and its ledger record; the caller owns the transaction."""
    load_id = int(one(con, f"SELECT coalesce(max({LOAD_ID}), 0) + 1 FROM {LOADS}")[0])
    spec = staged.table
    if spec.coded:
        coded = spec.coded
        con.execute(
            f"INSERT INTO {coded.dimension} ({LOAD_ID}, {coded.id}, {', '.join(coded.columns)}) "
            f"SELECT {load_id}, * FROM ({staged.dimension_sql})"
        )
    inserted = int(
        one(
            con,
            f"INSERT INTO {spec.facts_table} ({', '.join(spec.fact_columns)}, {LOAD_ID}) "
            f"SELECT *, {load_id} FROM ({staged.select_sql})",
        )[0]
    )
    values = {
        LOAD_ID: load_id,
        "source": source,
        "kind": staged.kind,
        "table_name": spec.name,
        "scope": staged.scope,
        "vintage": staged.vintage,
        "period_min": staged.period_min,
        "period_max": staged.period_max,
        "file_name": file_name,
        "sha256": facts.sha256,
        "bytes": facts.bytes,
        "encoding": facts.encoding,
        "raw_path": raw_path,
        "row_count": inserted,
        "checks": staged.checks_passed,
        "loaded_at": datetime.now(),
        "usmx_version": __version__,
        "is_current": False,
    }
    names = [n for n, _ in LEDGER_COLUMNS]
    con.execute(
        f"INSERT INTO {LOADS} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})", [values[n] for n in names]
    )
    refresh_current(con, staged.scope)
    return load_id, inserted


def refresh_current(con: duckdb.DuckDBPyConnection, scope: str) -> None:
    """Mark the newest vintage of a scope current (ties: the later load)."""
    con.execute(
        f"UPDATE {LOADS} SET is_current = ({LOAD_ID} = (SELECT {LOAD_ID} FROM {LOADS} WHERE scope = ? "
        f"ORDER BY vintage DESC NULLS LAST, {LOAD_ID} DESC LIMIT 1)) WHERE scope = ?",
        [scope, scope],
    )


# -- reading the ledger ----------------------------------------------------------------------------------------------
def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    rel = con.execute(sql, params or [])
    names = [d[0] for d in rel.description]
    return [dict(zip(names, row)) for row in rel.fetchall()]


def known_checksum(con: duckdb.DuckDBPyConnection, sha256: str) -> dict | None:
    """The ledger record of a file already loaded (by content), or None."""
    rows = _dicts(con, f"SELECT * FROM {LOADS} WHERE sha256 = ?", [sha256])
    return rows[0] if rows else None


def ledger(con: duckdb.DuckDBPyConnection, *, newest_first: bool = False) -> pa.Table:
    """The whole ledger as an Arrow table."""
    order = "DESC" if newest_first else ""
    return con.execute(f"SELECT * FROM {LOADS} ORDER BY {LOAD_ID} {order}").to_arrow_table()


def ledger_rows(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The ledger as a list of records, oldest first."""
    return _dicts(con, f"SELECT * FROM {LOADS} ORDER BY {LOAD_ID}")


def current_kinds(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The kinds of file with at least one current load."""
    return {r[0] for r in con.execute(f"SELECT DISTINCT kind FROM {LOADS} WHERE is_current").fetchall()}


def table_history(con: duckdb.DuckDBPyConnection, table: str) -> list[dict]:
    """Every release loaded into a table (load id, vintage, current?), oldest vintage first."""
    return _dicts(
        con,
        f"SELECT {LOAD_ID}, vintage, is_current, period_min, period_max, file_name FROM {LOADS} "
        f"WHERE table_name = ? ORDER BY vintage NULLS FIRST, {LOAD_ID}",
        [table],
    )


def current_vintages(con: duckdb.DuckDBPyConnection, table: str) -> list[dict]:
    """The vintages of a table's current loads, with how many loads each (an INEGI year is one load)."""
    return _dicts(
        con,
        f"SELECT vintage, count(*) AS loads FROM {LOADS} WHERE table_name = ? AND is_current "
        "GROUP BY vintage ORDER BY vintage",
        [table],
    )
