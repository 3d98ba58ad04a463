"""Settings, declared once: explicit arguments first, then environment variables, then defaults.

Every environment variable usmx reads is a :class:`Setting` in :data:`SETTINGS` (name, type, default, what it
does, which commands use it), read when it is needed (never when a module is imported) through :func:`get`. No other
module reads ``os.environ``; the README's settings table is checked against this list (tests/test_docs.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .errors import SettingError

DEFAULT_DB = "usmx.duckdb"


def _int(text: str) -> int:
    return int(text.replace("_", ""))


def _bytes(text: str) -> int:
    """A size in bytes: '17179869184', '16GiB', '512MB', '2G' (K, M, G, T: powers of 1024 with or without 'iB')."""
    t = text.strip().upper().replace("_", "").removesuffix("IB").removesuffix("B")
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}.get(t[-1:], 1)
    return int(float(t[:-1] if scale > 1 else t) * scale)


def _bool(text: str) -> bool:
    if text.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if text.strip().lower() in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(text)


def _seconds(text: str) -> float:
    value = float(text)
    if value < 0:
        raise ValueError(text)
    return value


@dataclass(frozen=True)
class Setting:
    """One environment variable: how to read it, its default, what it does and which commands read it."""

    name: str
    kind: str  # what the value is, in words the error message uses
    parse: Callable[[str], Any]
    default: Any
    description: str
    commands: tuple[str, ...]
    secret: bool = False

    def get(self) -> Any:
        raw = os.environ.get(self.name)
        if raw is None or (raw.strip() == "" and self.default is not None):
            return self.default
        try:
            return self.parse(raw)
        except (ValueError, IndexError):
            shown = "(hidden)" if self.secret else repr(raw)
            raise SettingError(f"${self.name} must be {self.kind}; got {shown}. {self.description}") from None


def _text(text: str) -> str:
    return text


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting("USMX_DB", "a file path", _text, None,
                "The warehouse file when --db is not given (default ./usmx.duckdb).", ("every command",)),
        Setting("USMX_DATA_DIR", "a folder path", _text, None,
                "Where the raw store, caches and the server's copies live (default <db stem>_data beside the "
                "warehouse).", ("every command",)),
        Setting("USMX_DEBUG", "1 or 0", _bool, False, "1: an internal error prints its traceback.",
                ("every command",)),
        Setting("USMX_LOCK_WAIT", "a number of seconds", _seconds, 10.0,
                "How long a command waits for another process's lock on the warehouse.", ("every command",)),
        Setting("USMX_TODAY", "a date, YYYY-MM-DD", date.fromisoformat, None,
                "The day usmx takes as today when it judges how current evidence is (default: the clock); for "
                "tests and for reproducing an earlier reading.", ("claims", "report", "serve")),
        Setting("USMX_REPORT_WORKERS", "a whole number (0 = none)", _int, None,
                "Worker processes that compute the report's figures and pages (default 2 on two or more cores, "
                "else 0).", ("report", "demo")),
        Setting("USMX_BLAS_THREADS", "a whole number", _int, 1, "BLAS threads numpy and scipy use while estimating.",
                ("evaluate", "audit", "claims", "report")),
        Setting("USMX_SQL_TIMEOUT", "a number of seconds", _seconds, 120.0, "How long one `usmx sql` query may run.",
                ("sql",)),
        Setting("USMX_SQL_MEMORY", "a DuckDB memory size such as 4GB", _text, "4GB",
                "The memory one `usmx sql` query may use.", ("sql",)),
        Setting("USMX_SERVE_MEMORY", "a DuckDB memory size such as 2GB", _text, "2GB",
                "The memory DuckDB may use for one answer of `usmx serve` (past it the request gets a 503 and the "
                "server goes on).", ("serve",)),
        Setting("USMX_MAX_EXPANDED_BYTES", "a size such as 16GiB", _bytes, 16 << 30,
                "The most a compressed file (gzip, zip, tar, xlsx) may expand to before it is refused as a likely "
                "decompression bomb.", ("ingest", "fetch", "indicator --events")),
        Setting("USMX_MAX_DOWNLOAD_BYTES", "a size such as 8GiB", _bytes, 8 << 30, "The largest download accepted.",
                ("fetch",)),
        Setting("USMX_DOWNLOAD_DEADLINE", "a number of seconds", _seconds, 6 * 3600.0,
                "The longest one download may take, retries included.", ("fetch",)),
        Setting("USMX_SPARK_MASTER", "a Spark master URL", _text, "local[2]",
                "Where the pyspark engine runs (a cluster's master URL, or local mode).",
                ("indicator --engine pyspark",)),
        Setting("ACLED_ACCESS_TOKEN", "an OAuth access token", _text, None, "An ACLED access token, used as it is.",
                ("fetch acled",), secret=True),
        Setting("ACLED_USERNAME", "an e-mail address", _text, None, "The ACLED account that asks for a token.",
                ("fetch acled",)),
        Setting("ACLED_PASSWORD", "a password", _text, None, "That account's password (sent over https only).",
                ("fetch acled",), secret=True),
    )
}  # fmt: skip


def get(name: str) -> Any:
    """The value of setting ``name`` now (its environment variable parsed, or its default)."""
    return SETTINGS[name].get()


def today() -> date:
    """Today's date: ``$USMX_TODAY`` when set (tests, reproducing an earlier reading), else the clock."""
    return get("USMX_TODAY") or date.today()


def db_path(db: str | os.PathLike[str] | None = None) -> Path:
    """The warehouse file: ``db`` if given, else ``$USMX_DB``, else ``./usmx.duckdb``."""
    return Path(db if db is not None else get("USMX_DB") or DEFAULT_DB).expanduser()


def data_dir(db: Path, data: str | os.PathLike[str] | None = None) -> Path:
    """Where the raw store lives: ``data`` if given, else ``$USMX_DATA_DIR``, else ``<db stem>_data`` beside the db."""
    if data is not None:
        return Path(data).expanduser()
    env = get("USMX_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return db.parent / f"{db.stem}_data"


def spark_environment() -> None:
    """What Spark needs in the environment on a closed network: no hostname lookups (SPARK_LOCAL_IP, unless set)."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
