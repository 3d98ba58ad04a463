"""The benchmark scripts run end to end (on a small input) so they cannot rot; timings are not asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.mark.slow
def test_ingest_benchmark_runs_and_prints_its_ratios(tmp_path):
    res = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "ingest.py"),
            "--years",
            "1",
            "--pairs",
            "1",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr
    assert "usmx / bare DuckDB time:  median" in res.stdout and "pandas / usmx time:       median" in res.stdout
    assert "usmx warehouse:" in res.stdout and "x the CSV" in res.stdout
    # every municipality x 98 crime rows x 12 months
    assert f"{2475 * 98 * 12:,} rows" in res.stdout


@pytest.mark.slow
def test_gdelt_benchmark_runs_and_checks_spark(tmp_path):
    args = [
        sys.executable,
        str(ROOT / "benchmarks" / "gdelt.py"),
        "--rows",
        "50000",
        "--files",
        "2",
        "--out",
        str(tmp_path),
    ]
    try:
        import pyspark  # noqa: F401

        args += ["--spark-rows", "5000"]
    except ImportError:
        args += ["--spark-rows", "0"]
    res = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "usmx / bare scan rate:" in res.stdout
    if "--spark-rows" in args and args[-1] != "0":
        assert "equal to DuckDB: True" in res.stdout


@pytest.mark.slow
def test_commands_benchmark_runs_and_prints_every_command(tmp_path):
    res = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "commands.py"), "--pairs", "1", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    # timings are not asserted here (the machine may be busy): the script runs and reports each command
    assert res.returncode in (0, 1), res.stderr
    for name in ("usmx --help", "usmx version", "usmx demo", "usmx report", "usmx evaluate its"):
        assert name in res.stdout
    assert "all targets met" in res.stdout or "missed:" in res.stdout


def test_its_coverage_benchmark_runs(tmp_path):
    res = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "its_coverage.py"), "--seeds", "2", "--sims", "200"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode in (0, 1), res.stderr  # two seeds cannot show 90% coverage; the table is what counts
    assert "lowest coverage of any family and effect" in res.stdout
    for family in ("flat", "linear", "exponential", "damped", "poisson", "overdispersed", "ar1"):
        assert family in res.stdout


@pytest.mark.slow
def test_serve_benchmark_runs_and_prints_its_percentiles(loaded_db, tmp_path):
    import shutil

    shutil.copy(loaded_db, tmp_path / "w.duckdb")
    args = [sys.executable, str(ROOT / "benchmarks" / "serve.py"), "--db", str(tmp_path / "w.duckdb"),
            "--clients", "5", "--requests", "4", "--rounds", "1", "--swap-seconds", "8"]  # fmt: skip
    res = subprocess.run(args, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr
    assert "p95 ratio indicators / baseline:" in res.stdout and "errors: 0" in res.stdout
    assert "dashboard /" in res.stdout and "across an ingest" in res.stdout
    # the ingest changed the warehouse and the server handed out the new state
    line = next(x for x in res.stdout.splitlines() if "snapshot" in x and "->" in x)
    before, after = line.rsplit("snapshot ", 1)[1].split(" -> ")
    assert before != after.strip()
