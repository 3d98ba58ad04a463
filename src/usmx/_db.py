"""Small DuckDB helpers shared by every layer."""

from __future__ import annotations

from typing import Any

import duckdb


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple[Any, ...]:
    """The single row of a query that always returns one (an aggregate without GROUP BY)."""
    row = con.execute(sql, params or []).fetchone()
    if row is None:  # pragma: no cover - an aggregate query always returns a row
        raise RuntimeError(f"no row from: {sql[:80]}")
    return row
