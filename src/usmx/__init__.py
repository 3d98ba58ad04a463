"""usmx: an open, reproducible observatory of Mexico's organized crime and of US-Mexico security cooperation."""

__version__ = "0.1.0"

from .api import LoadResult, Observatory, TableInfo  # noqa: E402

__all__ = ["Observatory", "LoadResult", "TableInfo", "__version__"]
