"""The warehouse's connection and schema: DDL generated from the catalogue, migrations, the public views."""

from __future__ import annotations

import contextlib
import struct
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from .. import catalog
from .._db import one
from ..errors import MissingFileError, UsmxError

#: 4: SESNSP's counts stored by year in twelve month columns (see _widen)
SCHEMA_VERSION = 4

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


UNLOADED = "_unloaded_loads"
"""Ledger records of loads reverted with ``usmx unload`` (the same columns, plus when)."""
# the same columns without the keys (a file unloaded, loaded again and unloaded again is recorded twice)
UNLOADED_DDL = (
    f"CREATE TABLE IF NOT EXISTS {UNLOADED} ("
    + ", ".join(f"{n} {t.replace(' PRIMARY KEY', '').replace(' UNIQUE', '')}" for n, t in LEDGER_COLUMNS)
    + ", unloaded_at TIMESTAMP NOT NULL)"
)
COVERAGE = "_coverage"
"""One row per (table, load, period, unit) cell a release covers."""
CURRENT = "_current_cells"
"""One row per (table, period, unit) cell: the load the current view takes it from."""
NO_PERIOD = "DATE '0001-01-01'"  # the one cell of a table whose releases each cover everything (grain: all)


def _looks_like_duckdb(path: Path) -> bool:
    """A DuckDB database file has the magic bytes 'DUCK' at offset 8 (an empty file is a new warehouse)."""
    with path.open("rb") as fh:
        head = fh.read(12)
    return len(head) == 0 or head[8:12] == b"DUCK"


_HEADER = 4096  # DuckDB's file starts with a main header and two database headers of this size


def _header_bytes(path: Path) -> tuple[int, int] | None:
    """(block count, block size) from a DuckDB file's newest database header, or None when the headers do not look
    like the layout this was written for (then DuckDB's own checks are all there is). Each database header is a
    checksum then iteration, meta block, free list, block count and block size, little-endian 64-bit."""
    with path.open("rb") as fh:
        raw = fh.read(3 * _HEADER)
    if len(raw) < 3 * _HEADER:
        return None
    headers = [struct.unpack_from("<6Q", raw, off) for off in (_HEADER, 2 * _HEADER)]
    _, _, _, _, count, size = max(headers, key=lambda h: h[1])  # the newest (highest iteration) is in force
    if not (1 << 12 <= size <= 1 << 26 and size & (size - 1) == 0 and count < 1 << 40):
        return None
    return count, size


def _blocks_in_use(path: Path) -> int | None:
    """One past the highest block the tables' column segments and the metadata use (DuckDB's own pragmas, which
    read metadata only), or None when the file cannot be opened to say (it is locked by a writer)."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            return None
        raise
    try:
        top = one(con, "SELECT max(block_id) FROM pragma_metadata_info()")[0] or 0
        for schema, table in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall():
            name = f'"{schema}"."{table}"'.replace("'", "''")
            got = one(con, f"SELECT max(block_id) FROM pragma_storage_info('{name}')")[0]
            top = max(top, got or 0)
        return top + 1
    finally:
        con.close()


def check_warehouse(path: Path) -> None:
    """A warehouse cut short (a copy or a download that stopped, a full disk) is refused before DuckDB opens it:
    opened for writing, DuckDB would write into it (an 8.0 MB cut copy grew to 12.3 MB) and reads fail part-way."""
    if not _looks_like_duckdb(path):
        raise UsmxError(
            f"{path}: this is not a usmx warehouse (no DuckDB header: damaged, or another kind of file). usmx did not "
            "open or change it; restore it from a backup or point --db at another file."
        )
    header, size = _header_bytes(path), path.stat().st_size
    if header is None or size >= 3 * _HEADER + header[0] * header[1]:
        return
    # smaller than the header's block count: fine when only free blocks at the end are missing (DuckDB trims them)
    try:
        used = _blocks_in_use(path)
    except duckdb.Error as exc:
        raise UsmxError(
            f"{path}: the warehouse is damaged ({size:,} bytes, and DuckDB cannot read its tables: {exc}). usmx did "
            "not change it; restore it from a backup, or build a new one with another --db."
        ) from exc
    if used is not None and size < 3 * _HEADER + used * header[1]:
        raise UsmxError(
            f"{path}: the warehouse is cut short: {size:,} bytes where its data need "
            f"{3 * _HEADER + used * header[1]:,} (a copy or a download that stopped, or a full disk). usmx did not "
            "open or change it; restore it from a backup, or build a new one (`usmx demo`, `usmx ingest`) with "
            "another --db."
        )


def quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Stop DuckDB drawing its progress bar on standard output during queries longer than two seconds (a big file's
    load through the Python API printed 6.6 kB of it): usmx reports progress itself, and output that users pipe
    holds only results. A connection setting: each connection and cursor needs it."""
    con.execute("SET enable_progress_bar = false")
    return con


@contextlib.contextmanager
def ctrl_c_comes_through() -> Iterator[None]:
    """A DuckDB statement that a Ctrl-C (or SIGTERM) stopped raises KeyboardInterrupt, which the CLI reports as an
    interrupt (exit 130 or 143), rather than a DuckDB error that would be worded as a failed load or a damaged
    warehouse. DuckDB says it with InterruptException, or with a RuntimeError that says "interrupted"."""
    try:
        yield
    except duckdb.InterruptException:
        raise KeyboardInterrupt from None
    except RuntimeError as exc:
        if "interrupted" in str(exc).lower():
            raise KeyboardInterrupt from None
        raise


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, creating and migrating it when opened for writing. A file that is not a DuckDB database
    (a damaged or foreign file) is never opened, so never written to."""
    if path.is_dir():
        raise UsmxError(f"{path}: is a directory; --db takes a warehouse file (e.g. usmx.duckdb).")
    if "?" in str(path.absolute()):
        raise UsmxError(
            f"{path}: DuckDB reads a '?' in a database path as the start of connection options, and would put the "
            "warehouse's write-ahead log somewhere else (in a folder named after the part before the '?'). Rename "
            "the file or folder so that the path has no '?'; usmx did not open or change anything."
        )
    if path.exists():
        check_warehouse(path)
    try:
        with ctrl_c_comes_through():  # a Ctrl-C while the warehouse opens is not a damaged file
            if read_only:
                if not path.exists():  # reading never creates a warehouse: a mistyped --db must not look empty
                    raise MissingFileError(
                        f"{path}: no warehouse here. Check --db (or $USMX_DB), or build one with `usmx demo` or "
                        "`usmx ingest FILE`."
                    )
                con = quiet(_waiting(lambda: duckdb.connect(str(path), read_only=True)))
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                # Row order inside a table carries no meaning here; not preserving it lets DuckDB load in parallel.
                con = quiet(_waiting(lambda: duckdb.connect(str(path), config={"preserve_insertion_order": False})))
                ensure_schema(con)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise UsmxError(
                f"{path}: the warehouse is open in another process ("
                + ("one that is writing to it" if read_only else "reading or writing it")
                + "); DuckDB lets one process write, or several read. Wait for it to finish, or use another --db."
            ) from exc
        raise UsmxError(f"{path}: cannot open the warehouse ({exc}).") from exc
    except duckdb.Error as exc:
        raise UsmxError(f"{path}: this is not a usmx warehouse, or it is damaged ({exc}).") from exc
    return con


def lock_wait() -> float:
    """Seconds to wait for another process's lock on the warehouse (``USMX_LOCK_WAIT``, default 10): a web server
    copying its snapshot, or a load in progress, holds it for moments."""
    from .. import config

    return float(config.get("USMX_LOCK_WAIT"))


def _waiting(open_: Callable[[], duckdb.DuckDBPyConnection]) -> duckdb.DuckDBPyConnection:
    """``open_()``, retried while another process holds the file's lock, up to :func:`lock_wait` seconds."""
    deadline = time.monotonic() + lock_wait()
    while True:
        try:
            return open_()
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                raise
            time.sleep(0.1)


@contextlib.contextmanager
def opened(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def rollback(con: duckdb.DuckDBPyConnection) -> bool:
    """Roll back the open transaction; False if none was open. DuckDB ends a transaction itself when a Ctrl-C
    interrupts one of its statements, and a signal can arrive between a commit and the next line: rolling back then
    raised "no transaction is active", which took the place of the interrupt (a Ctrl-C while the warehouse opened
    was reported as a damaged warehouse)."""
    try:
        con.rollback()
    except duckdb.TransactionException:
        return False
    return True


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create what is missing (idempotent), migrate older warehouses, refresh the catalogue tables; one transaction."""
    con.begin()
    try:
        con.execute("CREATE TABLE IF NOT EXISTS usmx_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        row = con.execute("SELECT value FROM usmx_meta WHERE key = 'schema_version'").fetchone()
        found = int(row[0]) if row else None
        if found is not None and found > SCHEMA_VERSION:
            raise UsmxError(
                f"this warehouse was written by a newer usmx (schema {found} > {SCHEMA_VERSION}); upgrade usmx."
            )
        con.execute(LOADS_DDL)
        con.execute(UNLOADED_DDL)
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {COVERAGE} (table_name VARCHAR NOT NULL, {LOAD_ID} BIGINT NOT NULL, "
            "period DATE NOT NULL, unit VARCHAR NOT NULL)"
        )
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {CURRENT} (table_name VARCHAR NOT NULL, period DATE NOT NULL, "
            f"unit VARCHAR NOT NULL, {LOAD_ID} BIGINT NOT NULL)"
        )
        _catalogue_tables(con)
        for spec in catalog.tables().values():
            _create_table(con, spec)
        if found == 1:
            _migrate_from_1(con)
        con.execute("INSERT OR REPLACE INTO usmx_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        con.commit()
    except BaseException:
        rollback(con)
        raise


def period_sql(spec: catalog.TableSpec) -> str:
    """The SQL, over a row of the table, of its cell's period (first day of its month or year; one fixed date for
    grain 'all')."""
    if spec.coverage.grain == "all":
        return NO_PERIOD
    return f"CAST({spec.coverage.period} AS DATE)"


def unit_sql(spec: catalog.TableSpec) -> str | None:
    """The SQL of a row's cell unit, or None when the load id alone says it (no unit, or one per file)."""
    unit = spec.coverage.unit
    if unit in (None, "scope"):
        return None
    return f"CAST({unit} AS VARCHAR)"


def _migrate_from_1(con: duckdb.DuckDBPyConnection) -> None:
    """Schema 1 kept one current load per scope; give every existing load the cells its rows cover."""
    for spec in catalog.tables().values():
        unit = unit_sql(spec) or "''"
        con.execute(
            f"INSERT INTO {COVERAGE} SELECT DISTINCT '{spec.name}', {LOAD_ID}, {period_sql(spec)}, {unit} "
            f"FROM {spec.history_table}"
        )
    for spec in catalog.tables().values():
        refresh_current(con, spec.name)


#: columns renamed between schema versions: (table, old, new); the new column is filled from the old one
_RENAMED = (("core_ledger__events", "source", "publisher"),)


def _add_columns(con: duckdb.DuckDBPyConnection, spec: catalog.TableSpec) -> None:
    """Give a facts table written by an older usmx the columns the catalogue added since (NULL in old rows, or the
    renamed column's values), keeping the old columns: a migration never drops data."""
    have = _columns(con, spec.facts_table)
    for f in spec.fact_fields:
        if f.name not in have:
            con.execute(f"ALTER TABLE {spec.facts_table} ADD COLUMN {f.name} {f.type}")
            old = next((o for t, o, n in _RENAMED if t == spec.name and n == f.name and o in have), None)
            if old:
                con.execute(f"UPDATE {spec.facts_table} SET {f.name} = {old}")


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """The columns of a table of the warehouse (none if it does not exist)."""
    sql = "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ?"
    return {r[0] for r in con.execute(sql, [table]).fetchall()}


#: SQL: a calendar (year, month, period) for the views of ``months`` tables. Joined rather than unnested, it lets a
#: filter on ``period`` reach the stored rows: DuckDB passes the years left after the filter to the scan, which skips
#: the other years' row groups (a filter on recent months: 0.12 s against 0.38 s unnested, on 29.1 M observations).
MONTHS_SQL = (
    "SELECT CAST(y AS SMALLINT) AS year, m AS month, make_date(y, m, 1) AS period FROM range(1900, 2101) y(y), "
    "range(1, 13) m(m)"
)

#: SQL: the observations in rows of a ``months`` table (its month cells that are not blank)
OBSERVATIONS = " + ".join(f"count({m})" for m in catalog.MONTHS)


def _widen(con: duckdb.DuckDBPyConnection, spec: catalog.TableSpec) -> None:
    """Schema 3 stored a ``months`` table in long rows: regroup them into one row per year with twelve month columns
    (a missing month stays blank, as it was absent), checking that every observation arrived before the long table
    goes."""
    count, old = spec.months, spec.facts_table
    keys = [c for c in spec.fact_columns if c != "year" and c not in catalog.MONTHS]
    months = [f"max({count}) FILTER (WHERE month(period) = {int(m[1:])}) AS {m}" for m in catalog.MONTHS]
    new = f"{old}__wide"
    cols = ", ".join(f"{f.name} {f.type}" for f in spec.fact_fields)
    con.execute(f"CREATE TABLE {new} ({cols}, {LOAD_ID} BIGINT NOT NULL)")
    con.execute(
        f"INSERT INTO {new} ({', '.join(spec.fact_columns)}, {LOAD_ID}) SELECT year(period), {', '.join(keys)}, "
        f"{', '.join(months)}, {LOAD_ID} FROM {old} GROUP BY ALL"
    )
    before = one(con, f"SELECT count(*) FROM {old} WHERE {count} IS NOT NULL")[0]
    after = one(con, f"SELECT {OBSERVATIONS} FROM {new}")[0]
    if before != after:
        raise UsmxError(
            f"{spec.name}: moving its rows to one row per year would keep {after:,} of {before:,} observations (a "
            "cell held two values). usmx left the warehouse as it was and cannot write to it: build a new one from "
            "the raw files its data folder keeps (raw/), or go on with the usmx that wrote it."
        )
    con.execute(f"DROP TABLE {old}")
    con.execute(f"ALTER TABLE {new} RENAME TO {old}")


def _create_table(con: duckdb.DuckDBPyConnection, spec: catalog.TableSpec) -> None:
    """Physical facts (and dimension), then the two public views: every vintage, and the current one."""
    if spec.months and "period" in _columns(con, spec.facts_table):
        _widen(con, spec)
    cols = ", ".join(f"{f.name} {f.type}" for f in spec.fact_fields)
    con.execute(f"CREATE TABLE IF NOT EXISTS {spec.facts_table} ({cols}, {LOAD_ID} BIGINT NOT NULL)")
    _add_columns(con, spec)
    select = []
    join = ""
    coded = spec.coded
    if coded:
        types = {f.name: f.type for f in spec.fields}
        dcols = ", ".join(f"{c} {types[c]}" for c in coded.columns)
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {coded.dimension} ({LOAD_ID} BIGINT NOT NULL, {coded.id} USMALLINT NOT NULL, "
            f"{dcols}, PRIMARY KEY ({LOAD_ID}, {coded.id}))"
        )
        join = f" JOIN {coded.dimension} d ON d.{LOAD_ID} = f.{LOAD_ID} AND d.{coded.id} = f.{coded.id}"
    derived = dict(spec.derived)
    for f in spec.fields:
        if coded and f.name in coded.columns:
            select.append(f"d.{f.name}")
        elif f.name in derived:
            select.append(f"CAST({derived[f.name]} AS {f.type}) AS {f.name}")
        elif spec.months and f.name == "period":
            select.append("m.period")
        elif spec.months and f.name == spec.months:
            cases = " ".join(f"WHEN {int(c[1:])} THEN f.{c}" for c in catalog.MONTHS)
            select.append(f"CASE m.month {cases} END AS {f.name}")
        else:
            select.append(f"f.{f.name}")
    if spec.months:  # each yearly row joined to its year's twelve months (see MONTHS_SQL)
        join += f" JOIN ({MONTHS_SQL}) m ON m.year = f.year"
    rows = f"SELECT {', '.join(select)}, f.{LOAD_ID} FROM {spec.facts_table} f{join}"
    if spec.months:  # a blank month cell is no observation
        rows = f"SELECT * FROM ({rows}) WHERE {spec.months} IS NOT NULL"
    con.execute(f"CREATE OR REPLACE VIEW {spec.history_table} AS {rows}")
    # the current rows: those whose (load, period, unit) cell is current (see the catalogue's coverage)
    unit = unit_sql(spec)
    cells = f"{period_sql(spec)} AS _cell_period" + (f", {unit} AS _cell_unit" if unit else "")
    on = f"c.{LOAD_ID} = h.{LOAD_ID} AND c.period = h._cell_period" + (" AND c.unit = h._cell_unit" if unit else "")
    con.execute(
        f"CREATE OR REPLACE VIEW {spec.name} AS SELECT h.* EXCLUDE (_cell_period{', _cell_unit' if unit else ''}) "
        f"FROM (SELECT *, {cells} FROM {spec.history_table}) h "
        f"SEMI JOIN (SELECT * FROM {CURRENT} WHERE table_name = '{spec.name}') c ON {on}"
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
    # three list parameters rather than a registered Arrow table: registering makes DuckDB import pandas (~0.5 s)
    con.execute(
        "INSERT INTO cat_municipalities SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
        [list(muns), [v[0] for v in muns.values()], [v[1] for v in muns.values()]],
    )
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


def refresh_current(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Take every cell of a table from the newest release covering it (vintage, then load order); a load is
    current while it gives the current view at least one cell."""
    con.execute(f"DELETE FROM {CURRENT} WHERE table_name = ?", [table])
    con.execute(
        f"INSERT INTO {CURRENT} SELECT c.table_name, c.period, c.unit, "
        f"arg_max(c.{LOAD_ID}, strftime(coalesce(l.vintage, DATE '0001-01-01'), '%Y%m%d') || "
        f"lpad(CAST(c.{LOAD_ID} AS VARCHAR), 12, '0')) "
        f"FROM {COVERAGE} c JOIN {LOADS} l ON l.{LOAD_ID} = c.{LOAD_ID} WHERE c.table_name = ? GROUP BY ALL",
        [table],
    )
    con.execute(
        f"UPDATE {LOADS} SET is_current = ({LOAD_ID} IN (SELECT {LOAD_ID} FROM {CURRENT} WHERE table_name = ?)) "
        "WHERE table_name = ?",
        [table, table],
    )
