"""Settings: explicit arguments first, then ``USMX_*`` environment variables, then defaults."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = "usmx.duckdb"


def db_path(db: str | os.PathLike[str] | None = None) -> Path:
    """The warehouse file: ``db`` if given, else ``$USMX_DB``, else ``./usmx.duckdb``."""
    return Path(db if db is not None else os.environ.get("USMX_DB", DEFAULT_DB)).expanduser()


def data_dir(db: Path, data: str | os.PathLike[str] | None = None) -> Path:
    """Where the raw store lives: ``data`` if given, else ``$USMX_DATA_DIR``, else ``<db stem>_data`` beside the db."""
    if data is not None:
        return Path(data).expanduser()
    env = os.environ.get("USMX_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return db.parent / f"{db.stem}_data"
