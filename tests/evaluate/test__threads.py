"""Estimators run with one BLAS thread by default (USMX_BLAS_THREADS sets another limit)."""

from __future__ import annotations

from threadpoolctl import threadpool_info

from usmx.evaluate._threads import limited


def _blas_threads() -> set[int]:
    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


def test_one_blas_thread_inside_and_the_default_restored_after(monkeypatch):
    import numpy  # noqa: F401  (loads OpenBLAS)

    before = _blas_threads()
    seen = limited(_blas_threads)()
    assert seen <= {1}
    assert _blas_threads() == before
    monkeypatch.setenv("USMX_BLAS_THREADS", "2")
    assert limited(_blas_threads)() <= {2}
    monkeypatch.setenv("USMX_BLAS_THREADS", "0")  # 0: the libraries' own default
    assert limited(_blas_threads)() == before
