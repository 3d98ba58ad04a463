"""A quick exit for the report workers' forkserver (the last of :data:`usmx.report.workers.MODULES`).

The forkserver imports the report's libraries once and forks the workers from itself (see ``workers``). It lives
until the command and every worker have gone, then Python shuts it down, tearing down pandas, Ibis, SciPy and
vl-convert's JavaScript engine: about a second on a small machine, after the command itself has finished. It
writes nothing and holds nothing that needs releasing, but it inherited the command's standard output and error,
so a program reading them through a pipe (``usmx demo | tee log``, a test, a benchmark) waited that second too.

Imported in the forkserver (and only there, by its preload), this module makes its exit immediate: an exit
handler, registered after every library's, ends the process at once. Anywhere else importing it does nothing. The
workers forked from the server never run exit handlers (multiprocessing ends them with ``os._exit``).
"""

from __future__ import annotations

import atexit
import os
import sys
from types import FrameType


def in_forkserver() -> bool:
    """Whether this runs in multiprocessing's forkserver itself (loading its preload modules), not in a process
    forked from it."""
    names = set()
    frame: FrameType | None = sys._getframe()
    while frame is not None:
        if frame.f_globals.get("__name__") == "multiprocessing.forkserver":
            names.add(frame.f_code.co_name)
        frame = frame.f_back
    return "main" in names and "_serve_one" not in names


if in_forkserver():
    atexit.register(os._exit, 0)
