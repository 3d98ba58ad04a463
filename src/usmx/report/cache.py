"""What the report shows, kept once per warehouse state so that a second ``usmx report`` only renders.

The key is a hash of the warehouse's load ledger (which loads exist and are current, by id and sha256) and of the
code that computes the figures (usmx's version and the source of its indicators, evaluations, report data and
catalogue). Any load, unload or code change gives a new key; entries for other keys are removed when one is written.
The cache is JSON (dates, timestamps and decimals tagged), never pickle: a file in the data folder must not be able
to run code.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from .. import catalog
from .._version import __version__
from ..i18n import Bilingual
from .data import ReportData

#: packages and files whose source decides the report's figures
_CODE = (
    "indicators",
    "evaluate",
    "evidence",
    "catalog",
    "report/data.py",
    "engines.py",
    "warehouse",
    "i18n.py",
    "strings",
)
PREFIX = "report-data-"


@cache
def code_fingerprint() -> str:
    """A hash of the source that computes the report's figures (so that an edited indicator is not served stale)."""
    root = Path(str(resources.files("usmx")))
    digest = hashlib.sha256(__version__.encode())
    for name in _CODE:
        path = root / name
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for f in files:
            if f.is_file() and f.suffix in (".py", ".yaml", ".csv"):
                digest.update(str(f.relative_to(root)).encode())
                digest.update(f.read_bytes())
    return digest.hexdigest()


def key(loads: list[dict]) -> str:
    """The cache key of a warehouse state: its current loads and the code's fingerprint."""
    state = sorted((r["load_id"], r["sha256"], bool(r["is_current"])) for r in loads)
    return hashlib.sha256(json.dumps([code_fingerprint(), state]).encode()).hexdigest()[:32]


def _encode(o: Any) -> Any:
    if isinstance(o, datetime):
        return {"$dt": o.isoformat()}
    if isinstance(o, date):
        return {"$d": o.isoformat()}
    if isinstance(o, Decimal):
        return {"$dec": str(o)}
    raise TypeError(f"cannot cache a {type(o).__name__}")


def _decode(d: dict) -> Any:
    if len(d) == 1:
        ((k, v),) = d.items()
        if k == "$dt":
            return datetime.fromisoformat(v)
        if k == "$d":
            return date.fromisoformat(v)
        if k == "$dec":
            return Decimal(v)
    return d


def load(folder: Path, cache_key: str, indicators: list) -> ReportData | None:
    """The cached data for this key, or None (missing, unreadable or from another layout)."""
    path = folder / f"{PREFIX}{cache_key}.json"
    try:
        raw = json.loads(path.read_text("utf-8"), object_hook=_decode)
        return ReportData(**{**raw, "indicators": indicators})
    except (OSError, ValueError, TypeError):
        return None


def save(folder: Path, cache_key: str, data: ReportData) -> Path | None:
    """Write the data for this key (atomically) and remove entries for other keys; None if the folder is not
    writable (the report is still written)."""
    payload = {f.name: getattr(data, f.name) for f in fields(data) if f.name != "indicators"}
    path = folder / f"{PREFIX}{cache_key}.json"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".{os.getpid()}.part")
        tmp.write_text(json.dumps(payload, default=_encode), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        return None
    for old in folder.glob(f"{PREFIX}*.json"):
        if old != path:
            with contextlib.suppress(OSError):
                old.unlink()
    return path


@dataclass(frozen=True)
class IndicatorDoc(Bilingual):
    """What the report says about an indicator (its catalogue entry), without importing the indicators' code."""

    name: str
    unit: str
    label_en: str
    label_es: str
    definition_en: str
    definition_es: str

    def definition(self, lang: str) -> str:
        return self.text("definition", lang)


def indicator_docs() -> list[IndicatorDoc]:
    """Every indicator's catalogue entry, sorted by name (as the registry lists them)."""
    return [
        IndicatorDoc(
            name,
            m["unit"],
            m["label_en"],
            m["label_es"],
            " ".join(m["definition_en"].split()),
            " ".join(m["definition_es"].split()),
        )
        for name, m in sorted(catalog.indicator_meta().items())
    ]
