"""The warehouse's connections: quiet on standard output, whatever a query costs."""

from __future__ import annotations

import duckdb
import pytest

from usmx import engines, warehouse

SETTING = "SELECT current_setting('enable_progress_bar')"


@pytest.fixture
def bar_on(monkeypatch):
    """Connections that start with DuckDB's progress bar on, as they do in a plain Python session (DuckDB starts
    them with it off under pytest)."""
    connect = duckdb.connect

    def noisy(*args, **kwargs):
        con = connect(*args, **kwargs)
        con.execute("SET enable_progress_bar = true")
        return con

    monkeypatch.setattr(duckdb, "connect", noisy)


def test_no_connection_draws_duckdbs_progress_bar(tmp_path, bar_on):
    """DuckDB draws a progress bar on standard output during queries longer than two seconds (loading a big file
    through the Python API printed 6.6 kB of it); usmx's writer, its readers and the
    indicators' backend switch it off."""
    db = tmp_path / "w.duckdb"
    con = warehouse.connect(db)
    assert con.execute(SETTING).fetchone() == (False,)
    con.close()
    reader = warehouse.connect(db, read_only=True)
    assert reader.execute(SETTING).fetchone() == (False,)
    reader.close()
    backend = engines.warehouse_backend(db)
    assert backend.raw_sql(SETTING).fetchone() == (False,)
    backend.disconnect()
