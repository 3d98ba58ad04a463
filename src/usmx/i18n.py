"""Spanish and English: the one home of usmx's words, numbers, dates and bilingual labels.

Every word a reader sees (the report, the claims, the CLI's readings) lives in ``strings/es.yaml`` or
``strings/en.yaml`` beside this module (the same keys in both; a test checks it). Spanish numbers and dates follow
Mexican use ("86,9"; "30.046"; "septiembre de 2024"); English uses "86.9", "30,046", "September 2024". Things with a
Spanish and an English text in fields named ``<name>_es`` and ``<name>_en`` (crime groups, administrations,
indicators...) inherit :class:`Bilingual`. This module is at the bottom of the package: it imports nothing of usmx.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from . import _yaml

LANGS = ("es", "en")


def lang_of(lang: str) -> str:
    """``lang`` as one of :data:`LANGS` (anything but 'es' reads as English, the default)."""
    return "es" if lang == "es" else "en"


class Bilingual:
    """A mixin for records with Spanish and English texts in fields ``<name>_es`` and ``<name>_en``."""

    def text(self, name: str, lang: str) -> str:
        """The field ``name`` in ``lang``."""
        return getattr(self, f"{name}_{lang_of(lang)}")

    def label(self, lang: str) -> str:
        return self.text("label", lang)


@cache
def strings(lang: str) -> dict[str, Any]:
    """usmx's words in one language (strings/<lang>.yaml)."""
    text = resources.files("usmx").joinpath(f"strings/{lang_of(lang)}.yaml").read_text("utf-8")
    return _yaml.load(text, f"usmx/strings/{lang_of(lang)}.yaml")


def t(key: str, lang: str, **fields: Any) -> str:
    """The word or sentence ``key`` in ``lang``, with ``{fields}`` filled in."""
    text = strings(lang)[key]
    return text.format(**fields) if fields else text


#: d3 locales for Vega (vl-convert): numbers and dates inside the charts
FORMAT_LOCALE = {
    "es": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " $"]},
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["$", ""]},
}


def time_locale(lang: str) -> dict[str, Any]:
    s = strings(lang)
    return {
        "dateTime": "%A, %e de %B de %Y, %X" if lang == "es" else "%x, %X",
        "date": "%d/%m/%Y" if lang == "es" else "%-m/%-d/%Y",
        "time": "%H:%M:%S" if lang == "es" else "%-I:%M:%S %p",
        "periods": ["AM", "PM"],
        "days": s["days"],
        "shortDays": s["days_short"],
        "months": s["months"],
        "shortMonths": s["months_short"],
    }


def number(value: float | int | None, lang: str, decimals: int = 0) -> str:
    """1234.5 -> '1.234,5' (es) / '1,234.5' (en); None -> '–'."""
    if value is None or value != value:
        return "–"
    text = f"{value:,.{decimals}f}"
    if lang == "es":
        # grouped consistently (1.205 as well as 30.046) so that table columns line up
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def pct(value: float | None, lang: str, decimals: int = 1, signed: bool = True) -> str:
    if value is None or value != value:
        return "–"
    sign = "+" if signed and value > 0 else ("−" if value < 0 else "")
    return f"{sign}{number(abs(value), lang, decimals)}{' %' if lang == 'es' else '%'}"


def month(d: date, lang: str) -> str:
    """date(2024, 9, 1) -> 'septiembre de 2024' / 'September 2024'."""
    name = strings(lang)["months"][d.month - 1]
    return f"{name} de {d.year}" if lang == "es" else f"{name} {d.year}"


def day(d: date, lang: str) -> str:
    name = strings(lang)["months"][d.month - 1]
    return f"{d.day} de {name} de {d.year}" if lang == "es" else f"{d.day} {name} {d.year}"


def value(raw: str, lang: str) -> str:
    """A category as the sources write it ('Southwest Border', 'MEXICO') in the report's language; a value not
    listed in strings/<lang>.yaml is shown as it came, with words capitalised if it was all capitals."""
    text = strings(lang).get("values", {}).get(raw)
    if text is not None:
        return text
    return raw.title() if raw.isupper() else raw


def unit(raw: str, lang: str) -> str:
    """An indicator's unit (catalog/indicators.yaml, in English) in the report's language."""
    return strings(lang).get("units", {}).get(raw, raw)


def state(code: str, name: str | None, lang: str) -> str:
    """A state's name; the nation ('00') in the report's language."""
    return t("national", lang) if code == "00" else (name or code)
