"""The bridge across SESNSP's methodology break of January 2026 (catalog/bridge_2026.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from ..i18n import Bilingual
from . import _read_yaml, crime_groups


@dataclass(frozen=True)
class BridgeGroup(Bilingual):
    """How one crime group is counted in SESNSP's 2026 methodology (catalog/bridge_2026.yaml)."""

    key: str
    keys: tuple[str, ...]  # LIKE patterns on the 2026 table's crime_key: what the group counts from the break on
    left_out: tuple[str, ...]  # 2026 categories of the same family deliberately not counted (their size is shown)
    attempts: tuple[str, ...]  # the attempts the group does count (their share is shown)
    choice_en: str
    choice_es: str

    def choice(self, lang: str) -> str:
        return self.text("choice", lang)


@cache
def bridge_2026() -> tuple[date, dict[str, BridgeGroup]]:
    """The methodology break's date and each bridged crime group (catalog/bridge_2026.yaml)."""
    doc = _read_yaml("bridge_2026.yaml")
    groups = crime_groups()
    out = {}
    for key, v in doc["groups"].items():
        if key not in groups:
            raise ValueError(f"catalog/bridge_2026.yaml: {key!r} is not a crime group of taxonomy.yaml")
        out[key] = BridgeGroup(
            key,
            tuple(v["keys"]),
            tuple(v.get("left_out", ())),
            tuple(v.get("attempts", ())),
            " ".join(v["choice_en"].split()),
            " ".join(v["choice_es"].split()),
        )
    return doc["break_date"], out
