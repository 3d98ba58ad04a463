"""Every read of the ``loads`` ledger goes through here."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from .schema import LOAD_ID, LOADS, UNLOADED


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
    return con.sql(f"SELECT * FROM {LOADS} ORDER BY {LOAD_ID} {order}").to_arrow_table()


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


def history(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Every load ever made, oldest first: current ones, superseded ones and unloaded ones (with when)."""
    return con.sql(
        f"SELECT *, CASE WHEN is_current THEN 'current' ELSE 'superseded' END AS status, "
        f"CAST(NULL AS TIMESTAMP) AS unloaded_at FROM {LOADS} "
        f"UNION ALL BY NAME SELECT * EXCLUDE (unloaded_at), 'unloaded' AS status, unloaded_at FROM {UNLOADED} "
        f"ORDER BY {LOAD_ID}"
    ).to_arrow_table()
