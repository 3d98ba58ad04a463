"""usmx: an open, reproducible observatory of Mexico's organized crime and of US-Mexico security cooperation."""

from ._version import __version__
from .api import LoadResult, Observatory, TableInfo

__all__ = ["LoadResult", "Observatory", "TableInfo", "__version__"]
