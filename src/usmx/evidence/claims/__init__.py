"""The claims tracker: each claim of the security debate (catalog/claims.yaml) read against the evidence.

Each claim has a module of its own here (``evidence/claims/<key>.py``) whose ``evaluate(ev, lang)`` reads the
indicators, evaluations and audits that bear on it from an :class:`~usmx.evidence.Evidence` (so that each is
computed once), fills the claim's reading (in Spanish or English) with the numbers it finds, and applies the rules
stated in its docstring to give the direction (``supports``, ``contradicts``, ``mixed``) and a confidence (``high``,
``medium``, ``low``). A claim whose data are not loaded says so (``insufficient``), with what it needs. Nothing is
written by hand: run it again on a newer warehouse and the readings change.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from ... import catalog, i18n
from ...errors import UsmxError


class Insufficient(Exception):
    """The warehouse lacks what a claim needs: what, in English and in Spanish."""

    def __init__(self, en: str, es: str) -> None:
        super().__init__(en)
        self.text = {"en": en, "es": es}


def _num(x: float, lang: str, decimals: int = 1) -> str:
    return i18n.number(x, lang, decimals)


def _pct(x: float, lang: str) -> str:
    return i18n.pct(x, lang, 1)


def keys() -> list[str]:
    """The claims, in the catalogue's order."""
    return list(catalog._read_yaml("claims.yaml")["claims"])


def evaluator(key: str) -> Callable[[Any, str], tuple[dict, str, str]]:
    """The module that reads claim ``key``: its ``evaluate(ev, lang) -> (values, direction, confidence)``."""
    return importlib.import_module(f"{__name__}.{key}").evaluate


def evaluate_all(ev, langs: tuple[str, ...] = ("es", "en")) -> dict[str, list[dict]]:
    """Every claim in each language, each figure computed once (``ev``: an :class:`~usmx.evidence.Evidence`)."""
    return {lang: [claim(ev, key, lang) for key in keys()] for lang in langs}


def evaluate_one(ev, key: str, langs: tuple[str, ...] = ("es", "en")) -> dict[str, dict]:
    """One claim in each language (the report computes the claims as separate jobs, in parallel)."""
    return {lang: claim(ev, key, lang) for lang in langs}


def claim(ev, key: str, lang: str) -> dict:
    """Claim ``key`` read in ``lang``: the claim, its reading, direction, confidence and caveats."""
    spec = catalog._read_yaml("claims.yaml")["claims"][key]
    try:
        values, direction, confidence = evaluator(key)(ev, lang)
        reading = spec[f"reading_{lang}"].format(**values)
    except Insufficient as exc:
        direction, confidence = "insufficient", "low"
        needs = "Sin datos suficientes: se necesitan " if lang == "es" else "No data to test it: needs "
        reading = needs + exc.text[lang] + "."
    except UsmxError as exc:
        direction, confidence = "insufficient", "low"
        reading = ("Sin datos suficientes: " if lang == "es" else "No data to test it: ") + str(exc)
    return {
        "key": key,
        "claim": spec[f"claim_{lang}"],
        "indicators": spec["indicators"],
        "reading": reading,
        "direction": direction,
        "confidence": confidence,
        "caveats": spec[f"caveats_{lang}"],
    }
