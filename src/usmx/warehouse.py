"""The DuckDB warehouse: schema generated from the catalogue, the ``loads`` ledger, transactional loads, vintages.

Each core table keeps every release it was fed in ``<table>__all_vintages``; ``<table>`` is a view of the rows
whose load is current. A load is current when it is the newest vintage of its scope (the scope is what a release
replaces: the whole SESNSP file, or one INEGI registration year); an older release loaded later never displaces a
newer one. Everything a load writes happens in one transaction, so a failure or a killed process leaves the
warehouse as it was.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb

from . import __version__, catalog
from .errors import UsmxError

SCHEMA_VERSION = 1

LOADS_DDL = """
CREATE TABLE IF NOT EXISTS loads (
    load_id BIGINT PRIMARY KEY,
    source VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    scope VARCHAR NOT NULL,
    vintage DATE,
    period_min DATE,
    period_max DATE,
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL UNIQUE,
    bytes BIGINT NOT NULL,
    encoding VARCHAR,
    raw_path VARCHAR,
    row_count BIGINT NOT NULL,
    checks VARCHAR[],
    loaded_at TIMESTAMP NOT NULL,
    usmx_version VARCHAR NOT NULL,
    is_current BOOLEAN NOT NULL
)
"""


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
    con.execute(f"CREATE TABLE IF NOT EXISTS {spec.facts_table} ({cols}, load_id BIGINT NOT NULL)")
    select = []
    join = ""
    coded = spec.coded
    if coded:
        types = {f.name: f.type for f in spec.fields}
        dcols = ", ".join(f"{c} {types[c]}" for c in coded.columns)
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {coded.dimension} (load_id BIGINT NOT NULL, {coded.id} UBIGINT NOT NULL, "
            f"{dcols}, PRIMARY KEY (load_id, {coded.id}))"
        )
        join = f" JOIN {coded.dimension} d ON d.load_id = f.load_id AND d.{coded.id} = f.{coded.id}"
    derived = dict(spec.derived)
    for f in spec.fields:
        if coded and f.name in coded.columns:
            select.append(f"d.{f.name}")
        elif f.name in derived:
            select.append(f"CAST({derived[f.name]} AS {f.type}) AS {f.name}")
        else:
            select.append(f"f.{f.name}")
    con.execute(
        f"CREATE OR REPLACE VIEW {spec.history_table} AS SELECT {', '.join(select)}, f.load_id "
        f"FROM {spec.facts_table} f{join}"
    )
    con.execute(
        f"CREATE OR REPLACE VIEW {spec.name} AS SELECT * FROM {spec.history_table} "
        "WHERE load_id IN (SELECT load_id FROM loads WHERE is_current)"
    )


def _catalogue_tables(con: duckdb.DuckDBPyConnection) -> None:
    states = catalog.states().values()
    con.execute("CREATE OR REPLACE TABLE cat_states (state_code VARCHAR PRIMARY KEY, name VARCHAR, "
                "official_name VARCHAR, abbreviation VARCHAR)")
    con.executemany("INSERT INTO cat_states VALUES (?, ?, ?, ?)",
                    [(s.code, s.name, s.official_name, s.abbreviation) for s in states])
    con.execute("CREATE OR REPLACE TABLE cat_municipalities (municipality_code VARCHAR PRIMARY KEY, "
                "state_code VARCHAR, name VARCHAR)")
    muns = catalog.municipalities()
    import pyarrow as pa

    tbl = pa.table({
        "municipality_code": list(muns),
        "state_code": [v[0] for v in muns.values()],
        "name": [v[1] for v in muns.values()],
    })
    con.register("_muns", tbl)
    con.execute("INSERT INTO cat_municipalities SELECT * FROM _muns")
    con.unregister("_muns")
    con.execute("CREATE OR REPLACE TABLE cat_administrations (key VARCHAR PRIMARY KEY, president VARCHAR, "
                "party VARCHAR, start_date DATE, end_date DATE)")
    con.executemany("INSERT INTO cat_administrations VALUES (?, ?, ?, ?, ?)",
                    [(a.key, a.president, a.party, a.start, a.end) for a in catalog.administrations()])
    con.execute("CREATE OR REPLACE TABLE cat_series_breaks (key VARCHAR PRIMARY KEY, break_date DATE, "
                "sources VARCHAR[], label_en VARCHAR, label_es VARCHAR)")
    con.executemany("INSERT INTO cat_series_breaks VALUES (?, ?, ?, ?, ?)",
                    [(b.key, b.date, list(b.sources), b.label_en, b.label_es) for b in catalog.series_breaks()])


def known_load(con: duckdb.DuckDBPyConnection, sha256: str) -> tuple | None:
    return con.execute(
        "SELECT load_id, kind, table_name, row_count, vintage, is_current FROM loads WHERE sha256 = ?", [sha256]
    ).fetchone()


def insert_load(con, *, staged, facts, file_name: str, raw_path: str | None, source: str) -> tuple[int, int]:
    """Insert a staged file's rows and its ``loads`` record; the caller owns the transaction."""
    load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchone()[0]
    spec = staged.table
    if spec.coded:
        coded = spec.coded
        con.execute(
            f"INSERT INTO {coded.dimension} (load_id, {coded.id}, {', '.join(coded.columns)}) "
            f"SELECT {int(load_id)}, * FROM ({staged.dimension_sql})"
        )
    inserted = con.execute(
        f"INSERT INTO {spec.facts_table} ({', '.join(spec.fact_columns)}, load_id) "
        f"SELECT *, {int(load_id)} FROM ({staged.select_sql})"
    ).fetchone()[0]
    con.execute(
        "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [load_id, source, staged.kind, spec.name, staged.scope, staged.vintage, staged.period_min,
         staged.period_max, file_name, facts.sha256, facts.bytes, facts.encoding, raw_path, inserted,
         staged.checks_passed, datetime.now(), __version__, False],
    )
    refresh_current(con, staged.scope)
    return load_id, inserted


def refresh_current(con: duckdb.DuckDBPyConnection, scope: str) -> None:
    """Mark the newest vintage of a scope current (ties: the later load)."""
    con.execute(
        "UPDATE loads SET is_current = (load_id = (SELECT load_id FROM loads WHERE scope = ? "
        "ORDER BY vintage DESC NULLS LAST, load_id DESC LIMIT 1)) WHERE scope = ?",
        [scope, scope],
    )
