"""Reading the catalogue's files (package data beside this module)."""

from __future__ import annotations

import csv
import io
from importlib import resources
from typing import Any

from .. import _yaml

_PKG = resources.files(__package__)


def load_yaml(text: str, source: object = "YAML text") -> Any:
    """Parse YAML safely (no Python objects, libyaml's speed when available: `usmx --help` reads the catalogue);
    a key written twice is refused."""
    return _yaml.load(text, source)


def _read_yaml(name: str) -> Any:
    return load_yaml(_PKG.joinpath(name).read_text(encoding="utf-8"), f"usmx/catalog/{name}")


def _read_csv(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_PKG.joinpath(name).read_text(encoding="utf-8"))))
