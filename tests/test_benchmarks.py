"""The benchmark scripts run end to end (on a small input) so they cannot rot; timings are not asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


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
