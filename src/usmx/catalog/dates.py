"""Dates as data: administrations, the key dates evidence is read at, and series breaks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from ..i18n import Bilingual
from ._files import _read_yaml


@dataclass(frozen=True)
class Administration(Bilingual):
    key: str
    president: str
    party: str
    start: date
    end: date
    label_es: str
    label_en: str
    colour: str


@cache
def administrations() -> list[Administration]:
    """Federal administrations in order; each ends the day before the next begins (catalog/administrations.yaml)."""
    return [Administration(**a) for a in _read_yaml("administrations.yaml")["administrations"]]


def cooperation_key_dates() -> list[dict[str, Any]]:
    """The dates at which cooperation is compared before and after (catalog/ledger_kinds.yaml ``key_dates``)."""
    return list(_read_yaml("ledger_kinds.yaml")["key_dates"])


@dataclass(frozen=True)
class KeyDate(Bilingual):
    key: str
    date: date
    label_en: str
    label_es: str
    note_en: str = ""
    note_es: str = ""

    @property
    def month(self) -> str:
        """The month it starts, as evaluations take it ('YYYY-MM')."""
        return f"{self.date:%Y-%m}"


@cache
def key_dates() -> dict[str, KeyDate]:
    """The dates evidence is read at (catalog/key_dates.yaml): the strategy's start, ..."""
    return {
        k: KeyDate(k, v["date"], v["label_en"], v["label_es"], " ".join(v.get("note_en", "").split()),
                   " ".join(v.get("note_es", "").split()))
        for k, v in _read_yaml("key_dates.yaml")["key_dates"].items()
    }  # fmt: skip


def key_date(key: str) -> KeyDate:
    """One key date by name ('strategy')."""
    return key_dates()[key]


def administration(key: str) -> Administration:
    return next(a for a in administrations() if a.key == key)


@dataclass(frozen=True)
class SeriesBreak(Bilingual):
    key: str
    date: date
    sources: tuple[str, ...]
    label_en: str
    label_es: str


@cache
def series_breaks() -> list[SeriesBreak]:
    return [
        SeriesBreak(b["key"], b["date"], tuple(b["sources"]), b["label_en"], b["label_es"])
        for b in _read_yaml("series_breaks.yaml")["breaks"]
    ]
