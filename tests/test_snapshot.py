"""Parquet snapshots hold exactly the current tables, with a manifest, readable by DuckDB and pyarrow."""

from __future__ import annotations

import json

import duckdb
import pyarrow.parquet as pq
import pytest

from usmx import cli


@pytest.mark.slow  # several seconds: CI runs it
def test_snapshot_of_the_demo_warehouse(loaded, tmp_path, capsys):
    out = tmp_path / "snap"
    assert cli.main(["snapshot", "--output", str(out), "--db", str(loaded.db)]) == 0
    assert "snapshot written" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    by = {t["table"]: t for t in manifest["tables"]}
    victims = by["core_sesnsp__state_victims_monthly"]
    assert victims["rows"] == 927_360 and victims["loads"][0]["vintage"] == "2025-06-01"
    assert pq.read_metadata(out / victims["file"]).num_rows == victims["rows"]
    con = duckdb.connect()
    got = con.execute(
        f"SELECT round(sum(victims) / 30, 1) FROM '{out / victims['file']}' WHERE "
        "crime_subtype = 'Homicidio doloso' AND period = '2024-09-01'"
    ).fetchone()[0]
    assert got == 86.9  # the same headline as the warehouse
    for t in manifest["tables"]:
        assert loaded.sql(f"SELECT count(*) AS n FROM {t['table']}").to_pylist()[0]["n"] == t["rows"]
    again = cli.main(["snapshot", "--output", str(out), "--db", str(loaded.db)])  # replaced whole
    assert again == 0 and not list(tmp_path.glob(".snap*"))
