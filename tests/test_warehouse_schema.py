"""The warehouse's connections (quiet on standard output, whatever a query costs) and its layout: SESNSP's counts
stored by year in twelve month columns, shown as long rows, and older long-row warehouses moved to it intact."""

from __future__ import annotations

import duckdb
import pytest

from usmx import Observatory, catalog, engines, warehouse
from usmx.errors import UsmxError

from .conftest import DATA

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


VICTIMS = "core_sesnsp__state_victims_monthly"
MONTHLY = [t for t in catalog.tables().values() if t.months]


def test_sesnsp_tables_store_a_year_per_row_and_show_one_observation_per_row(tmp_path):
    assert {t.name for t in MONTHLY} >= {VICTIMS, "core_sesnsp__municipal_crimes_monthly"}
    obs = Observatory(tmp_path / "u.duckdb")
    obs.ingest(DATA / "sesnsp" / "IDVFC_NM_jun25.reconstructed.csv.gz")
    spec = catalog.table(VICTIMS)
    cells = " + ".join(f"count({m})" for m in catalog.MONTHS)
    stored = obs.sql(
        f"SELECT count(*) AS n, {cells} AS cells, count(*) FILTER (WHERE m07 IS NULL) AS july_blank "
        f"FROM {spec.facts_table}"
    ).to_pylist()
    shown = obs.sql(
        f"SELECT count(*) AS n, count(DISTINCT period) AS months, min(period) AS first, max(period) AS last, "
        f"count(*) FILTER (WHERE period = DATE '2025-07-01') AS july FROM {spec.history_table}"
    ).to_pylist()[0]
    ledger = obs.sql("SELECT row_count FROM loads").to_pylist()[0]["row_count"]
    # the file runs to June 2025: the 2025 rows' July cells are blank and no July row is shown
    assert stored[0]["july_blank"] > 0 and shown["july"] == 0
    assert shown["first"].isoformat() == "2015-01-01" and shown["last"].isoformat() == "2025-06-01"
    assert shown["n"] == ledger == stored[0]["cells"] > 11 * stored[0]["n"]  # 126 months in 11 rows
    assert obs.sql(f"SELECT count(*) AS n FROM {VICTIMS} WHERE victims IS NULL").to_pylist() == [{"n": 0}]


def _to_long_rows(db, spec, *, duplicate: bool = False) -> None:
    """Rewrite a months table as schema 3 stored it: one row per observation (and say the warehouse is schema 3)."""
    con = duckdb.connect(str(db))
    keys = [c for c in spec.fact_columns if c != "year" and c not in catalog.MONTHS]
    count = spec.months
    con.execute(
        f"CREATE TABLE old AS SELECT * FROM (SELECT make_date(year, unnest(range(1, 13)), 1) AS period, "
        f"{', '.join(keys)}, unnest([{', '.join(catalog.MONTHS)}]) AS {count}, load_id FROM {spec.facts_table}) "
        f"WHERE {count} IS NOT NULL"
    )
    if duplicate:  # a second value for one cell: regrouping could keep only one of them
        con.execute(f"INSERT INTO old SELECT * REPLACE ({count} + 1 AS {count}) FROM old LIMIT 1")
    con.execute(f"DROP TABLE {spec.facts_table}")
    con.execute(f"ALTER TABLE old RENAME TO {spec.facts_table}")
    con.execute("UPDATE usmx_meta SET value = '3' WHERE key = 'schema_version'")
    con.close()


def _rows(obs, table):
    return obs.sql(f"SELECT * FROM {table} ORDER BY ALL").to_pylist()


def test_a_warehouse_of_long_rows_moves_to_yearly_rows_with_every_observation(tmp_path):
    db = tmp_path / "u.duckdb"
    obs = Observatory(db)
    obs.ingest(DATA / "sesnsp" / "IDVFC_NM_jun25.reconstructed.csv.gz")
    spec = catalog.table(VICTIMS)
    before = _rows(obs, spec.history_table)
    _to_long_rows(db, spec)
    obs.ingest(DATA / "sesnsp" / "IDEFC_NM_dic2023.csv.gz")  # opens it for writing: the migration runs
    assert _rows(obs, spec.history_table) == before
    assert "period" not in obs.sql(f"SELECT * FROM {spec.facts_table} LIMIT 0").column_names
    version = obs.sql("SELECT value FROM usmx_meta WHERE key = 'schema_version'").to_pylist()
    assert version == [{"value": str(warehouse.SCHEMA_VERSION)}]


def test_a_move_that_would_lose_an_observation_is_refused_and_changes_nothing(tmp_path):
    db = tmp_path / "u.duckdb"
    obs = Observatory(db)
    obs.ingest(DATA / "sesnsp" / "IDVFC_NM_jun25.reconstructed.csv.gz")
    spec = catalog.table(VICTIMS)
    _to_long_rows(db, spec, duplicate=True)
    con = duckdb.connect(str(db))
    long_rows = con.execute(f"SELECT count(*) FROM {spec.facts_table}").fetchone()
    con.close()
    with pytest.raises(UsmxError, match="would keep .* of .* observations"):
        warehouse.connect(db)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute(f"SELECT count(*) FROM {spec.facts_table}").fetchone() == long_rows
    assert con.execute("SELECT value FROM usmx_meta WHERE key = 'schema_version'").fetchone() == ("3",)
    con.close()
