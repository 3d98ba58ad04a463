"""Worker processes for the report: its figures and its two languages computed side by side.

A report is a few dozen independent jobs (:func:`usmx.report.data.plan`) and one page per language. Most of their
time is Python (Ibis compiling expressions to SQL, Altair building chart specs) or vl-convert's one JavaScript
engine per process, so threads in one process would queue behind each other; processes use every core. The workers
are *spawned*, never forked (DuckDB and vl-convert hold threads of their own), import their libraries as soon as
they start (during ``usmx demo``'s ingest, on the core the ingest leaves free) and open the warehouse read-only when
their first job arrives, so a pool must start its jobs after the last write. A pool serves one command: it is
closed with it, and the read-only connections with it.

The results are the same as :func:`usmx.report.data.collect`'s, in one process (a test compares them). The number of
workers is :func:`default_count` (``USMX_REPORT_WORKERS``; ``0`` computes in the calling process).
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from .data import Job, ReportData, assemble, flat, plan

#: what the workers import as they start: the report's libraries, a few seconds of start-up on a small machine
MODULES = (
    "pandas",
    "ibis",
    "ibis.backends.duckdb",
    "altair",
    "vl_convert",
    "usmx.indicators.crime",
    "usmx.indicators.us",
    "usmx.indicators.cooperation",
    "usmx.evaluate.its",
    "usmx.evaluate.integrity",
    "usmx.report.build",
)

#: what a worker that only draws pages imports (the figures already computed)
RENDER_MODULES = ("altair", "vl_convert", "usmx.report.build", "usmx.report.sections_mexico", "usmx.report.sections_us")

_BACKENDS: dict[str, Any] = {}


def spawnable() -> bool:
    """Whether this process can spawn workers: Python's spawn re-imports the main script by its path, so a
    program read from standard input (``python - < script``) cannot have them."""
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    return path is None or os.path.exists(path)


def default_count() -> int:
    """Worker processes for a report: ``USMX_REPORT_WORKERS``, else 2 on a machine with two or more cores, else 0
    (and 0 where this process cannot spawn them, see :func:`spawnable`)."""
    if not spawnable():
        return 0
    raw = os.environ.get("USMX_REPORT_WORKERS")
    if raw is not None and raw.strip():
        try:
            return max(0, int(raw))
        except ValueError:
            from ..errors import UsmxError

            raise UsmxError(f"USMX_REPORT_WORKERS must be a whole number (0 = none); got {raw!r}.") from None
    return 2 if (os.cpu_count() or 1) >= 2 else 0


def _start(modules: tuple[str, ...]) -> None:
    """A worker's start: leave Ctrl-C to the parent (it stops the pool), then import what the jobs need."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in modules:
        with contextlib.suppress(Exception):  # a failed import is raised again, with its message, by the job
            importlib.import_module(name)
    with contextlib.suppress(Exception):  # vl-convert starts its JavaScript engine on the first chart
        importlib.import_module("vl_convert").vegalite_to_svg({"mark": "point", "data": {"values": [{}]}})


def _ready() -> int:
    return os.getpid()


def _run(db: str, job: Job) -> tuple[Any, float]:
    """One job in a worker, on the worker's read-only connection to ``db`` (opened on its first job)."""
    from .data import Memo, run_job

    memo = _BACKENDS.get(db)
    if memo is None:
        from .. import engines

        memo = _BACKENDS[db] = Memo(engines.warehouse_backend(Path(db)))
    t0 = time.perf_counter()
    return run_job(memo, job), time.perf_counter() - t0


def _body(data: ReportData, lang: str) -> str:
    from .build import body

    return body(data, lang)


class Workers:
    """A pool of report workers (a context manager). Start it early: the workers import while the caller works."""

    def __init__(self, count: int = 2, modules: tuple[str, ...] | None = None) -> None:
        if count < 1:
            raise ValueError("a pool of report workers needs at least one worker")
        if not spawnable():
            from ..errors import UsmxError

            raise UsmxError(
                "report workers cannot start from a program read from standard input (Python's spawn re-imports "
                "the main script by its path); run it from a file, or use workers=0."
            )
        self.count = count
        self._pool = ProcessPoolExecutor(
            max_workers=count,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(MODULES if modules is None else modules,),
        )
        self._started = [self._pool.submit(_ready) for _ in range(count)]  # spawn them all now

    def collect(self, db: Path, loads: list[dict], indicators: list) -> ReportData:
        """:func:`usmx.report.data.collect`, its jobs shared among the workers (the slowest first)."""
        jobs = plan(loads)
        futures = {job: self._pool.submit(_run, str(db), job) for job in jobs}
        results: dict[str, tuple[Any, float]] = {}
        for job, future in futures.items():
            value, seconds = future.result()
            results.update(value if job.name == "bundle" else {job.key: (value, seconds)})
        return assemble(flat(jobs), results, loads, indicators)

    def bodies(self, data: ReportData, langs: list[str]) -> list[str]:
        """Each language's page body, one per worker."""
        futures = [self._pool.submit(_body, data, lang) for lang in langs]
        return [f.result() for f in futures]

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def pooled(workers: Workers | int, modules: tuple[str, ...] | None = None) -> Iterator[Workers | None]:
    """A pool given by the caller (left open), a new one of ``workers`` processes importing ``modules`` as they
    start (default :data:`MODULES`; closed on exit), or None for 0."""
    if not isinstance(workers, int):
        yield workers
        return
    if workers <= 0:
        yield None
        return
    with Workers(workers, modules) as pool:
        yield pool
