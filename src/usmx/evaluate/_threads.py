"""One BLAS thread per process while estimating, by default.

numpy and scipy's OpenBLAS starts a thread per core. The estimators here solve many small problems (GLM fits,
simulations, placebo refits, SLSQP), where those threads mostly wait on each other; with another process busy on
the same cores, runs became 2-6x slower and varied 5x between runs. ``USMX_BLAS_THREADS`` sets another limit
(``0``: leave the libraries' own default).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def blas_threads() -> int:
    from .. import config

    return int(config.get("USMX_BLAS_THREADS"))


def limited(func: F) -> F:
    """Run ``func`` with BLAS limited to :func:`blas_threads` threads (threadpoolctl), restoring it after."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        n = blas_threads()
        if n <= 0:
            return func(*args, **kwargs)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=n, user_api="blas"):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
