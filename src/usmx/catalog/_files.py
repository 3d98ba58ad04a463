"""Reading the catalogue's files (package data beside this module)."""

from __future__ import annotations

import csv
import io
from importlib import resources
from typing import Any

import yaml

_PKG = resources.files(__package__)


#: libyaml's safe loader when PyYAML was built with it (10x faster: `usmx --help` reads the catalogue)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """Parse YAML safely (no Python objects), with libyaml when available."""
    return yaml.load(text, Loader=_LOADER)


def _read_yaml(name: str) -> Any:
    return load_yaml(_PKG.joinpath(name).read_text(encoding="utf-8"))


def _read_csv(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_PKG.joinpath(name).read_text(encoding="utf-8"))))
