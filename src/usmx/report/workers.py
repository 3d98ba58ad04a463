"""Worker processes for the report: its figures and its two languages computed side by side.

A report is a few dozen independent jobs (:func:`usmx.report.data.plan`) and one page per language. Most of their
time is Python (Ibis compiling expressions to SQL, Altair building chart specs) or vl-convert's one JavaScript
engine per process, so threads in one process would queue behind each other; processes use every core. The workers
are never forked from the calling process (DuckDB and vl-convert hold threads of their own): on Linux they fork from
a *forkserver*, a clean process started for them that imports the report's libraries once (during ``usmx demo``'s
ingest, on the core the ingest leaves free), so two workers cost one import, and which leaves without Python's
shutdown of those libraries when the command ends (:mod:`usmx.report.forkserver_exit`); elsewhere they are spawned
and each imports its own. They open the warehouse read-only when their first job arrives, so a pool must start its jobs
after the last write. A pool serves one command: it is closed with it, and the read-only connections with it.

The results are the same as :func:`usmx.report.data.collect`'s, in one process (a test compares them). The number of
workers is :func:`default_count` (``USMX_REPORT_WORKERS``; ``0`` computes in the calling process).
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import multiprocessing
import os
import signal
import sys
import threading
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
    "scipy.stats",
    "statsmodels.tsa.seasonal",  # the anomalies' STL
    "SALib.analyze.sobol",  # the indices' sensitivity
    "SALib.sample.sobol",
    "threadpoolctl",
    "usmx.evaluate.its",
    "usmx.evaluate.integrity",
    "usmx.evidence.claims",
    "usmx.report.build",
    "usmx.report.forkserver_exit",  # last: in the forkserver, an exit without Python's shutdown (see the module)
)

#: what a worker that only draws pages imports (the figures already computed)
RENDER_MODULES = (
    "altair",
    "vl_convert",
    "usmx.report.build",
    "usmx.report.sections_mexico",
    "usmx.report.sections_us",
    "usmx.report.forkserver_exit",
)

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
    from .. import config

    count = config.get("USMX_REPORT_WORKERS")
    if count is not None:
        return max(0, count)
    return 2 if (os.cpu_count() or 1) >= 2 else 0


def _start(modules: tuple[str, ...]) -> None:
    """A worker's start: leave Ctrl-C to the parent (it stops the pool), then import what the jobs need."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in modules:
        with contextlib.suppress(Exception):  # a failed import is raised again, with its message, by the job
            importlib.import_module(name)
    with contextlib.suppress(Exception):  # vl-convert starts its JavaScript engine on the first chart
        importlib.import_module("vl_convert").vegalite_to_svg({"mark": "point", "data": {"values": [{}]}})


def _context(modules: tuple[str, ...]) -> multiprocessing.context.BaseContext:
    """The forkserver where there is one (its server imports ``modules`` once, before forking the workers; a server
    already running keeps what it imported, and each worker imports the rest), else spawn."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(modules))
    return ctx


def _ready() -> int:
    return os.getpid()


def _run(db: str, job: Job) -> tuple[Any, float]:
    """One job in a worker, on the worker's read-only connection to ``db`` (opened on its first job)."""
    from .data import run_job

    ev = _BACKENDS.get(db)
    if ev is None:
        from .. import engines
        from ..evidence import Evidence

        ev = _BACKENDS[db] = Evidence(engines.warehouse_backend(Path(db)))
    t0 = time.perf_counter()
    # a job allocates many short-lived objects (Ibis expressions, Arrow tables) and little that cycles: collecting
    # during it is wasted work (figures 0.95x as long, median of 4 paired runs); it collects once it is done
    gc.disable()
    try:
        return run_job(ev, job), time.perf_counter() - t0
    finally:
        gc.enable()


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
        imports = MODULES if modules is None else modules
        self._pool = ProcessPoolExecutor(
            max_workers=count, mp_context=_context(imports), initializer=_start, initargs=(imports,)
        )
        # start them all now, from a thread: a forkserver forks only once it has imported, and the caller has work
        self._starting = threading.Thread(target=self._start_all, name="usmx-report-workers", daemon=True)
        self._starting.start()

    def _start_all(self) -> None:
        with contextlib.suppress(RuntimeError):  # the pool was closed before the workers started
            for _ in range(self.count):
                self._pool.submit(_ready)

    def _wait_started(self) -> None:
        self._starting.join()

    def collect(self, db: Path, loads: list[dict], indicators: list) -> ReportData:
        """:func:`usmx.report.data.collect`, its jobs shared among the workers (the slowest first)."""
        jobs = plan(loads)
        self._wait_started()
        futures = {job: self._pool.submit(_run, str(db), job) for job in jobs}
        results: dict[str, tuple[Any, float]] = {}
        for job, future in futures.items():
            value, seconds = future.result()
            results.update(value if job.name == "bundle" else {job.key: (value, seconds)})
        return assemble(flat(jobs), results, loads, indicators)

    def bodies(self, data: ReportData, langs: list[str]) -> list[str]:
        """Each language's page body, one per worker."""
        self._wait_started()
        futures = [self._pool.submit(_body, data, lang) for lang in langs]
        return [f.result() for f in futures]

    def close(self) -> None:
        self._wait_started()
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
