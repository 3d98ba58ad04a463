"""Report workers: the same figures and pages as one process, from other processes."""

from __future__ import annotations

import dataclasses
import sys

import pytest

from usmx import warehouse
from usmx.errors import UsmxError
from usmx.report import build, cache, workers
from usmx.report import data as report_data


def _without_timings(d: report_data.ReportData) -> dict:
    return {f.name: getattr(d, f.name) for f in dataclasses.fields(d) if f.name != "timings"}


def _same(a, b, where: str = "") -> None:
    """Equal, floats to 1e-12 relative: DuckDB sums floats in parallel, in an order that varies between runs."""
    if isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-12, nan_ok=True), where
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


@pytest.mark.slow
def test_workers_compute_the_same_report_as_one_process(loaded):
    with warehouse.opened(loaded.db, read_only=True) as con:
        loads = warehouse.ledger_rows(con)
    docs = cache.indicator_docs()
    serial = report_data.collect(loaded.ibis(), loads, docs)
    with workers.Workers(2) as pool:
        pooled = pool.collect(loaded.db, loads, docs)
        pages = build.render(pooled, "both", pool)
    _same(_without_timings(pooled), _without_timings(serial))
    assert set(pooled.timings) == set(serial.timings)
    assert pages == build.render(pooled, "both")  # the pages built in workers are the pages built in threads
    assert serial.evaluation["its"]["effect_pct"] is not None  # the comparison covered the evaluation too


@pytest.mark.slow
def test_report_through_the_facade_with_workers(loaded, tmp_path):
    path = loaded.report(tmp_path / "r.html", "en", workers=1)
    assert "Intentional homicide" in path.read_text("utf-8")
    # the figures were cached by the pooled run: a second report reads them back, with no workers
    assert loaded.report_data().headline == loaded.report_data(workers=1).headline


def test_worker_count_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("USMX_REPORT_WORKERS", "0")
    assert workers.default_count() == 0
    monkeypatch.setenv("USMX_REPORT_WORKERS", "3")
    assert workers.default_count() == 3
    monkeypatch.setenv("USMX_REPORT_WORKERS", "two")
    with pytest.raises(UsmxError, match="USMX_REPORT_WORKERS must be a whole number"):
        workers.default_count()


def test_a_program_read_from_stdin_gets_no_workers_and_a_clear_error(monkeypatch):
    """Python's spawn re-imports the main script by its path; from standard input there is none to import."""
    monkeypatch.setattr(sys.modules["__main__"], "__file__", "<stdin>", raising=False)
    monkeypatch.delenv("USMX_REPORT_WORKERS", raising=False)
    assert not workers.spawnable()
    assert workers.default_count() == 0
    with pytest.raises(UsmxError, match="standard input"):
        workers.Workers(1)
