"""The CLI, run in-process against temporary warehouses."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from usmx import cli

from ..conftest import CONAPO_STATE, STATE_CRIMES, text_of


def run(capsys, *args):
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.slow
def test_demo_then_query(tmp_path, capsys):
    db = str(tmp_path / "d.duckdb")
    code, out, _ = run(capsys, "demo", "--db", db)
    assert code == 0
    assert "46 files loaded" in out and "core_sesnsp__state_victims_monthly" in out and "2025-06" in out
    code, out, _ = run(capsys, "demo", "--db", db)
    assert code == 0 and "0 files loaded, 46 already there" in out
    code, out, _ = run(
        capsys,
        "sql",
        "SELECT round(sum(victims) / 30, 1) AS daily FROM "
        "core_sesnsp__state_victims_monthly WHERE crime_subtype = 'Homicidio doloso' "
        "AND period = '2024-09-01'",
        "--db",
        db,
        "--format",
        "csv",
    )
    assert code == 0 and out.splitlines() == ['"daily"', "86.9"]
    code, out, _ = run(
        capsys, "sql", "SELECT state_code, name FROM cat_states ORDER BY 1 LIMIT 2", "--db", db, "-f", "json"
    )
    assert json.loads(out) == [
        {"state_code": "01", "name": "Aguascalientes"},
        {"state_code": "02", "name": "Baja California"},
    ]
    target = tmp_path / "s.parquet"
    code, _, err = run(
        capsys, "sql", "SELECT * FROM cat_municipalities", "--db", db, "-f", "parquet", "-o", str(target)
    )
    assert code == 0 and pq.read_table(target).num_rows == 2475 and "2,475 rows" in err
    code, out, _ = run(capsys, "tables", "--db", db)
    assert code == 0 and "core_inegi__homicide_deaths_monthly" in out and "391,380" in out
    code, out, _ = run(capsys, "loads", "--db", db)
    assert code == 0 and "sesnsp_state_victims" in out


def test_writes_are_refused_with_exit_2(tmp_path, capsys):
    from usmx.warehouse import opened

    db = str(tmp_path / "d.duckdb")
    with opened(tmp_path / "d.duckdb"):  # an empty warehouse
        pass
    for stmt in (
        "DELETE FROM loads",
        "DROP TABLE loads",
        "CREATE TABLE x AS SELECT 1",
        "COPY loads TO 'x.csv'",
        "SELECT 1; DELETE FROM loads",
        "ATTACH 'other.duckdb'",
    ):
        code, _, err = run(capsys, "sql", stmt, "--db", db)
        assert code == 2, stmt
        assert "refused" in err or "one statement" in err
    code, _, err = run(capsys, "sql", "SELECT * FROM read_csv('/etc/passwd')", "--db", db)
    assert code == 2  # the read-only interface does not reach the file system either
    code, _, err = run(capsys, "sql", "SELECT 1", "--db", db, "-f", "parquet")
    assert code == 2 and "--output" in err


def test_bad_input_exits_2_with_a_specific_message(tmp_path, capsys):
    lines = text_of(STATE_CRIMES).split("\r\n")
    cells = lines[39].split(",")
    cells[10] = "n/d"
    lines[39] = ",".join(cells)
    bad = tmp_path / "IDEFC_bad.csv"
    bad.write_bytes("\r\n".join(lines).encode("latin-1"))
    db = str(tmp_path / "d.duckdb")
    code, out, err = run(capsys, "ingest", str(CONAPO_STATE), "--db", db)
    assert code == 0 and "loaded 10,059 rows" in out
    code, out, err = run(capsys, "ingest", str(bad), "--db", db)
    assert code == 2
    flat = " ".join(err.split())
    assert "IDEFC_bad.csv" in flat and "row 40" in flat and "'Abril'" in flat and "'n/d'" in flat
    code, _, err = run(capsys, "ingest", str(tmp_path / "nope.csv"), "--db", db)
    assert code == 2 and "no such file" in err


def test_internal_errors_exit_1(tmp_path, capsys, monkeypatch):
    from usmx import api

    def boom(self):
        raise RuntimeError("kaput")

    monkeypatch.setattr(api.Observatory, "tables", boom)
    code, _, err = run(capsys, "tables", "--db", str(tmp_path / "d.duckdb"))
    assert code == 1 and "internal error" in err and "USMX_DEBUG" in err


def test_usage_errors_exit_2(capsys):
    code, _, _ = run(capsys, "sql")
    assert code == 2
    code, _, _ = run(capsys, "no-such-command")
    assert code == 2


def test_default_db_from_environment(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("USMX_DB", str(tmp_path / "env.duckdb"))
    code, out, _ = run(capsys, "ingest", str(CONAPO_STATE))
    assert code == 0 and (tmp_path / "env.duckdb").exists()
    assert (tmp_path / "env_data" / "raw" / "conapo").is_dir()
    from usmx import Observatory

    assert Observatory().db == tmp_path / "env.duckdb"


@pytest.mark.parametrize("cmd", ["ingest", "sql", "fetch", "demo", "tables", "loads"])
def test_every_command_takes_db(cmd, capsys):
    code, out, _ = run(capsys, cmd, "--help")
    assert code == 0 and "--db" in out


def test_piped_output_never_wraps_at_any_terminal_width(tmp_path):
    """A long path and COLUMNS=40: each message and each line of `usmx indicators` stays on one line."""
    import os
    import subprocess
    import sys

    deep = tmp_path / ("a_long_folder_name_to_make_the_path_wider_than_any_terminal" * 2) / "and_one_more_level"
    deep.mkdir(parents=True)
    lines = text_of(STATE_CRIMES).split("\r\n")
    cells = lines[39].split(",")
    cells[10] = "n/d"
    lines[39] = ",".join(cells)
    bad = deep / "IDEFC_bad.csv"
    bad.write_bytes("\r\n".join(lines).encode("latin-1"))
    env = {**os.environ, "COLUMNS": "40"}
    usmx = [sys.executable, "-m", "usmx"]
    res = subprocess.run(
        [*usmx, "ingest", str(bad), "--db", str(deep / "w.duckdb")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert res.returncode == 2
    assert any(str(bad) in line and "row 40" in line and "'Abril'" in line for line in res.stderr.splitlines())
    res = subprocess.run([*usmx, "indicators"], capture_output=True, text=True, env=env, timeout=120)
    from usmx.indicators import registry

    out = res.stdout.splitlines()
    for ind in registry().values():
        assert f"  {ind.label('en')}. {ind.definition('en')}" in out, ind.name


@pytest.fixture(scope="module")
def big_municipal_file(tmp_path_factory):
    from tests import synthetic

    big = tmp_path_factory.mktemp("big") / "IDM_NM_big.csv"
    synthetic.write_municipal_incidence(big, years=[2016, 2017, 2018, 2019, 2020])
    return big


@pytest.mark.slow
@pytest.mark.parametrize("sig, code, word", [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated")])
def test_an_interrupted_ingest_exits_130_or_143_and_rolls_back(tmp_path, big_municipal_file, sig, code, word):
    """Ctrl-C (or SIGTERM) while a large file loads: the process says so, exits 130 (143), the warehouse is as
    it was before, and no copy of the file stays in the raw store."""
    import signal
    import subprocess
    import sys
    import time

    from usmx import Observatory

    big = big_municipal_file
    db = tmp_path / "w.duckdb"
    Observatory(db).ingest(CONAPO_STATE)
    proc = subprocess.Popen(
        [sys.executable, "-m", "usmx", "ingest", str(big), "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(2.5)  # well into the load
    proc.send_signal(getattr(signal, sig))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == code, (out, err)
    assert word in err and "rolled back" in err
    obs = Observatory(db)
    assert obs.sql("SELECT kind FROM loads").column("kind").to_pylist() == ["conapo_state_population"]
    leftovers = [p for p in (obs.data_dir / "raw").rglob("*") if p.is_file() and "sesnsp" in str(p)]
    assert leftovers == [] and not any((obs.data_dir / "raw" / ".incoming").iterdir())
