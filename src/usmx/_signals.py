"""Ctrl-C and SIGTERM that must not be lost.

DuckDB's Python client checks for a pending signal while a query runs: it takes the KeyboardInterrupt, asks the
query to stop, and raises "Query interrupted". But a query that finishes before it looks at the request returns
normally, and the KeyboardInterrupt is gone: a Ctrl-C during a load could let the load commit (seen in CI under
load). The CLI records every such signal here as it arrives; the loader checks before it commits, so a signal that
DuckDB swallowed still rolls the load back.
"""

from __future__ import annotations

RECEIVED: list[int] = []


def record(signum: int) -> None:
    RECEIVED.append(signum)


def check() -> None:
    """Raise KeyboardInterrupt if a Ctrl-C or SIGTERM arrived (even one a DuckDB query swallowed)."""
    if RECEIVED:
        raise KeyboardInterrupt
