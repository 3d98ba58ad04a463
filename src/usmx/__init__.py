"""usmx: an open, reproducible observatory of Mexico's organized crime and of US-Mexico security cooperation.

The façade (:class:`Observatory`) is imported on first use, so that ``usmx --help`` and ``usmx version`` start
without loading DuckDB, Arrow or pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .api import LoadResult, Observatory, TableInfo

__all__ = ["LoadResult", "Observatory", "TableInfo", "__version__"]


def __getattr__(name: str) -> Any:
    if name in ("LoadResult", "Observatory", "TableInfo"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'usmx' has no attribute {name!r}")
