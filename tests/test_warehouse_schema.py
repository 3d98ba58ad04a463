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


def test_a_ctrl_c_while_the_warehouse_opens_is_an_interrupt_not_a_damaged_file(tmp_path, monkeypatch):
    """DuckDB ends the transaction itself when a Ctrl-C interrupts one of its statements; rolling back again raised
    "no transaction is active", which usmx then reported as a damaged warehouse (seen in CI, exit 2 instead of
    130). The interrupt comes through, and the warehouse opens afterwards."""
    from usmx.errors import UsmxError
    from usmx.warehouse import schema

    db = tmp_path / "w.duckdb"
    warehouse.connect(db).close()
    tables = schema._catalogue_tables

    def interrupted(con):
        tables(con)
        con.rollback()  # as DuckDB does when a statement is interrupted
        raise KeyboardInterrupt

    monkeypatch.setattr(schema, "_catalogue_tables", interrupted)
    try:
        warehouse.connect(db)
    except UsmxError as exc:  # what it was
        raise AssertionError(f"a Ctrl-C reported as: {exc}") from None
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("the interrupt was lost")
    monkeypatch.setattr(schema, "_catalogue_tables", tables)
    con = warehouse.connect(db)
    assert con.execute("SELECT count(*) FROM loads").fetchone() == (0,)
    con.close()
