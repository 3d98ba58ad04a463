"""The façade's read-only query interface: bounded in time and memory, and blind to the machine's settings
(issue 10, item 15)."""

from __future__ import annotations

import time

import pytest

from usmx.errors import ReadOnlyError, UsmxError


def test_a_runaway_query_is_stopped(loaded, monkeypatch):
    monkeypatch.setenv("USMX_SQL_TIMEOUT", "1")
    t0 = time.perf_counter()
    with pytest.raises(UsmxError, match="stopped after 1 s"):
        loaded.sql("SELECT sum(a.range * b.range) FROM range(200000000) a, range(20) b WHERE a.range % 7 = b.range % 3")
    assert time.perf_counter() - t0 < 10


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM duckdb_settings()",
        "SELECT current_setting('temp_directory')",
        "SELECT * FROM duckdb_databases()",
        "SELECT getenv('HOME')",
        "SELECT * FROM glob('/etc/*')",
        "SELECT * FROM read_csv('/etc/passwd')",
    ],
)
def test_settings_and_paths_are_not_revealed(loaded, query):
    with pytest.raises(ReadOnlyError, match="reveals the machine's settings or paths"):
        loaded.sql(query)


def test_the_configuration_is_locked_for_the_query(loaded):
    assert loaded.sql("SELECT 42 AS x").to_pylist() == [{"x": 42}]
    with pytest.raises(ReadOnlyError):
        loaded.sql("SET memory_limit = '100GB'")
