"""``usmx demo``: the real samples bundled in ``usmx/data``, in the order they load."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def bundled_files() -> list[Path]:
    """The bundled sample files, in load order (catalogue-independent sources first)."""
    root = Path(str(resources.files("usmx") / "data"))
    order = ["conapo", "sesnsp", "sesnsp_federal", "inegi", "inegi_occurrence", "sspc", "rnpdno", "cbp", "cdc"]
    order += ["gdelt", "ledger", "ofac"]
    out: list[Path] = []
    for folder in order:
        out += sorted(p for p in (root / folder).iterdir() if p.name.endswith((".csv", ".gz", ".yaml", ".tsv")))
    return out
