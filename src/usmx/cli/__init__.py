"""The ``usmx`` command: a thin layer over :class:`usmx.Observatory`, one module per command group.

Exit codes: 0 success; 2 bad input or a refused request (the message says which file, row and column, what was
expected and what to do); 1 an internal error (a bug: run with ``USMX_DEBUG=1`` for the traceback and report it).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading

import typer

from .. import _signals
from .._version import __version__
from ..errors import UsmxError
from . import audit, data, evaluate, fetch, indicators, web
from ._output import err

#: the exit code of each kind of refusal (usmx.errors), by class; anything else that escapes is a bug (exit 1)
EXIT_CODES: dict[type[BaseException], int] = {UsmxError: 2}


def exit_code(exc: BaseException) -> int | None:
    """The exit code of an exception usmx raises on purpose, by its class (None: not one of them)."""
    return next((EXIT_CODES[cls] for cls in type(exc).__mro__ if cls in EXIT_CODES), None)


app = typer.Typer(
    rich_markup_mode=None,  # plain help: rich's help formatter alone took a third of `usmx --help`
    name="usmx",
    help="usmx: an open observatory of Mexico's organized crime and US-Mexico security cooperation.\n\n"
    "Official files go into a DuckDB warehouse (raw copy, checks, provenance on every row); query it with "
    "`usmx sql`, compute indicators with `usmx indicator`. Start with `usmx demo`.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data.register(app)
indicators.register(app)
fetch.register(app)
web.register(app)
app.add_typer(evaluate.app, name="evaluate")
app.add_typer(audit.app, name="audit")


class Terminated(BaseException):
    """SIGTERM arrived (raised from the signal handler, so that open transactions roll back)."""


_SIGNALLED = _signals.RECEIVED  # the signals that arrived: a SIGTERM inside a DuckDB query surfaces as its interrupt


def _on_sigterm(signum, frame) -> None:  # pragma: no cover - exercised in a subprocess test
    _signals.record(signum)
    raise Terminated()


def _on_sigint(signum, frame) -> None:  # pragma: no cover - exercised in a subprocess test
    _signals.record(signum)  # kept even if a DuckDB query swallows the KeyboardInterrupt (usmx._signals)
    raise KeyboardInterrupt


def _interrupted(code: int) -> int:
    if _SIGNALLED and _SIGNALLED[-1] == signal.SIGTERM:
        code = 143
    what = "terminated" if code == 143 else "interrupted"
    err.print(f"{what}: any load under way was rolled back; the warehouse is as it was before it.")
    return code


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app; UsmxError exits 2, Ctrl-C 130, SIGTERM 143, anything unexpected 1."""
    from .. import config

    try:
        debug = bool(config.get("USMX_DEBUG"))
    except UsmxError:
        debug = False  # a malformed USMX_DEBUG is not worth refusing a command for
    if (sys.argv[1:] if argv is None else argv) == ["version"]:
        # what scripts call to check the install: answered before Typer builds its parameter adapters (pydantic)
        sys.stdout.write(__version__ + "\n")
        return 0
    _signals.RECEIVED.clear()
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if main_thread else None
    previous_int = signal.signal(signal.SIGINT, _on_sigint) if main_thread else None
    try:
        # Typer turns Ctrl-C into Exit(130) and, outside standalone mode, *returns* exit codes: use them
        code = app(args=argv, standalone_mode=False)
        if code == 130:
            return _interrupted(130)
        if isinstance(code, int) and not isinstance(code, bool):
            return code
    except Terminated:
        return _interrupted(143)
    except BrokenPipeError:  # the reader closed the pipe (| head): what it wanted was written
        _quiet_stdout()
        return 0
    except UsmxError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return exit_code(exc) or 2
    except (typer.Exit, SystemExit) as exc:
        code = getattr(exc, "exit_code", getattr(exc, "code", 0))
        return int(code or 0)
    except KeyboardInterrupt:
        return _interrupted(130)
    except Exception as exc:
        if isinstance(exc, RuntimeError) and "Query interrupted" in str(exc):  # DuckDB's word for Ctrl-C
            return _interrupted(130)
        # Typer bundles its own click; recognise its usage errors by class name rather than by import.
        names = {cls.__name__ for cls in type(exc).__mro__}
        if "ClickException" in names:
            exc.show()  # type: ignore[attr-defined]
            return 2
        if "Abort" in names:  # click's word for Ctrl-C
            return _interrupted(130)
        err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc}", highlight=False)
        err.print("This is a bug in usmx. Run again with USMX_DEBUG=1 for the traceback and report it.")
        if debug:
            raise
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if previous_int is not None:
            signal.signal(signal.SIGINT, previous_int)
    return 0


def _quiet_stdout() -> None:
    """The reader of our output went away (``usmx ... | head``): send what is left to /dev/null, so that Python's
    final flush does not fail as well."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def run() -> None:
    """Console-script entry point. A closed pipe on stdout (``| head``) ends the command quietly with exit 0, as Unix
    tools do."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        code = 0
    sys.exit(code)
