"""The report workers' forkserver leaves at once when it ends, without Python's shutdown, and nothing else does."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import textwrap

import pytest

from usmx.report import forkserver_exit, workers

pytestmark = pytest.mark.skipif(
    "forkserver" not in multiprocessing.get_all_start_methods(), reason="no forkserver on this platform"
)

# A script that starts a forkserver preloading `marker` (whose exit handler writes a file) and, when asked,
# usmx's quick exit after it; one worker runs a job, then the script ends and with it the forkserver.
SCRIPT = """
import multiprocessing

def job():
    return 1

if __name__ == "__main__":
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["marker"] + (["usmx.report.forkserver_exit"] if {quick!r} else []))
    with ctx.Pool(1) as pool:
        assert pool.apply(job) == 1
"""

MARKER = """
import atexit, os, sys
from pathlib import Path

def _finished():
    Path({out!r}).joinpath(f"exit-{{os.getpid()}}").write_text("python shut this process down")

atexit.register(_finished)
"""


def _exits_through_python(tmp_path, quick: bool) -> list[str]:
    """Run the script; the processes whose exit handlers ran (the forkserver's shows as a marker file)."""
    out = tmp_path / ("quick" if quick else "plain")
    out.mkdir()
    (tmp_path / "marker.py").write_text(textwrap.dedent(MARKER.format(out=str(out))))
    script = tmp_path / f"run_{out.name}.py"
    script.write_text(textwrap.dedent(SCRIPT.format(quick=quick)))
    # capture the output: the call returns only once the forkserver, which holds the pipe, has exited; run in the
    # folder of `marker`, where the forkserver (started with `python -c`, so its path starts with '') finds it
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return sorted(p.name for p in out.iterdir())


def test_the_forkserver_skips_pythons_shutdown_with_the_quick_exit_and_only_then(tmp_path):
    assert len(_exits_through_python(tmp_path, quick=False)) == 1  # the control: the forkserver shut down as usual
    assert _exits_through_python(tmp_path, quick=True) == []


def test_the_quick_exit_is_last_among_the_workers_imports():
    assert workers.MODULES[-1] == workers.RENDER_MODULES[-1] == "usmx.report.forkserver_exit"


def test_outside_the_forkserver_importing_it_changes_nothing():
    assert forkserver_exit.in_forkserver() is False
