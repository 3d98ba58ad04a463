"""The claims tracker: each claim of the security debate read against the evidence, by a rule that is data.

Each claim has an entry in catalog/claims.yaml (the claim, what evidence it reads, how it is tested, its
parameters, its facts, its rule: thresholds, the conditions for each direction and for each confidence) and a module
here, ``evidence/claims/<key>.py``, whose ``evaluate(ev, lang, parameters)`` reads the indicators, evaluations and
audits that bear on it from an :class:`~usmx.evidence.Evidence` and returns a :class:`Finding`: the named facts the
rule reads, the words of the reading, the last month its evidence covers, the same facts under other reasonable
choices, and what the evidence cannot show. :func:`claim` then applies the rule (:mod:`.rules`):

1. the first direction whose condition holds (``supports``, ``contradicts``, ``mixed``, ``no clear change``, ``no
   evidence``, ``not measurable``); a module that finds the data missing raises :class:`NotMeasurable`;
2. where the direction changes under another reasonable choice (a base year, a window), the reading is ``mixed``
   and says which choice flips it;
3. the first confidence whose condition holds, capped at ``low`` where the evidence ends more than
   ``staleness_months`` before the period the claim is about (today, by the clock or ``USMX_TODAY``, or the end of
   the administration it is about), saying so.

Nothing is written by hand: run it again on a newer warehouse and the readings change.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from ... import catalog, config, i18n
from ..._dates import months_between
from ...errors import UsmxError
from . import rules

DIRECTIONS = ("supports", "contradicts", "mixed", "no clear change", "no evidence", "not measurable")
CONFIDENCE = ("high", "medium", "low")


class NotMeasurable(Exception):
    """The warehouse lacks what a claim needs: what, in English and in Spanish."""

    def __init__(self, en: str, es: str, evidence_end: date | None = None) -> None:
        super().__init__(en)
        self.text = {"en": en, "es": es}
        self.evidence_end = evidence_end


#: the name earlier code used
Insufficient = NotMeasurable


@dataclass
class Finding:
    """What a claim's evidence module found."""

    facts: dict[str, Any]  # the named facts the rule reads (numbers, booleans, or None where not measured)
    values: dict[str, Any]  # the reading's fields, in the language asked for
    evidence_end: date | None  # the last month the evidence read covers
    alternatives: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (choice, facts) under others
    notes: list[str] = field(default_factory=list)  # what the evidence cannot show, in the language


def _num(x: float, lang: str, decimals: int = 1) -> str:
    return i18n.number(x, lang, decimals)


def _pct(x: float, lang: str) -> str:
    return i18n.pct(x, lang, 1)


@cache
def catalogue() -> dict[str, Any]:
    """catalog/claims.yaml, checked: every condition parses and names only facts and thresholds the claim has, and
    every rule ends with a condition that always holds."""
    doc = catalog._read_yaml("claims.yaml")
    for key, spec in doc["claims"].items():
        rule = spec["rule"]
        known = set(spec.get("facts") or {}) | set(rule.get("thresholds") or {})
        for part in ("directions", "confidence"):
            conditions = rule[part]
            allowed = set(DIRECTIONS if part == "directions" else CONFIDENCE)
            if not set(conditions) <= allowed:
                raise rules.RuleError(f"claims.yaml {key}: {part} {sorted(set(conditions) - allowed)} unknown")
            for text in conditions.values():
                extra = rules.names(str(text)) - known - ({"direction"} if part == "confidence" else set())
                if extra:
                    raise rules.RuleError(f"claims.yaml {key}: {text!r} names {sorted(extra)}, not facts of it")
            if str(list(conditions.values())[-1]).strip() != "true":
                raise rules.RuleError(f"claims.yaml {key}: the last of its {part} must be 'true'")
    return doc


def claim_keys() -> list[str]:
    """The claims, in the catalogue's order."""
    return list(catalogue()["claims"])


def spec(key: str) -> dict[str, Any]:
    return catalogue()["claims"][key]


def evaluator(key: str):
    """The module that reads claim ``key``: its ``evaluate(ev, lang, parameters) -> Finding``."""
    module = importlib.import_module(f"{__name__}.{key}")

    def run(ev, lang: str) -> Finding:
        return module.evaluate(ev, lang, spec(key).get("parameters") or {})

    return run


def evaluate_all(ev, langs: tuple[str, ...] = ("es", "en")) -> dict[str, list[dict]]:
    """Every claim in each language, each figure computed once (``ev``: an :class:`~usmx.evidence.Evidence`)."""
    return {lang: [claim(ev, key, lang) for key in claim_keys()] for lang in langs}


def evaluate_one(ev, key: str, langs: tuple[str, ...] = ("es", "en")) -> dict[str, dict]:
    """One claim in each language (the report computes the claims as separate jobs, in parallel)."""
    return {lang: claim(ev, key, lang) for lang in langs}


def _months(a: date, b: date) -> int:
    return months_between(a, b)


def about_until(s: dict[str, Any], today: date) -> date:
    """The last day the claim is about: today for a claim about the present, else the end of its administration."""
    about = s.get("about", "present")
    if isinstance(about, dict) and "administration" in about:
        return min(catalog.administration(about["administration"]).end, today)
    return today


def claim(ev, key: str, lang: str, today: date | None = None) -> dict:
    """Claim ``key`` read in ``lang``: the claim, its reading, direction, confidence, caveats, the last month its
    evidence covers, whether that is stale, notes, and the facts and rule it was read by."""
    s = spec(key)
    rule = s["rule"]
    thresholds = dict(rule.get("thresholds") or {})
    today = today or config.today()
    notes: list[str] = []
    facts: dict[str, Any] = {}
    end: date | None = None
    try:
        found = evaluator(key)(ev, lang)
    except (NotMeasurable, UsmxError) as exc:
        what = exc.text[lang] if isinstance(exc, NotMeasurable) else str(exc)
        end = exc.evidence_end if isinstance(exc, NotMeasurable) else None
        direction, confidence = "not measurable", "low"
        reading = ("No medible: " if lang == "es" else "Not measurable: ") + what.rstrip(".") + "."
    else:
        facts, end, notes = found.facts, found.evidence_end, list(found.notes)
        env = {**thresholds, **facts}
        direction = rules.first(rule["directions"], env)
        flips = [(label, rules.first(rule["directions"], {**thresholds, **alt})) for label, alt in found.alternatives]
        flips = [(label, d) for label, d in flips if d != direction]
        if flips and direction not in ("not measurable", "mixed"):
            shown = "; ".join(f"{label}: {i18n.t('direction_' + d.replace(' ', '_'), lang)}" for label, d in flips)
            notes.append(i18n.t("claims_flips", lang, direction=i18n.t("direction_" + direction.replace(" ", "_"),
                                                                       lang), others=shown))  # fmt: skip
            direction = "mixed"
        confidence = rules.first(rule["confidence"], {**env, "direction": direction})
        reading = s[f"reading_{lang}"].format(**found.values)
    until = about_until(s, today)
    lag = _months(end, until) if end else None
    stale = lag is not None and lag > int(catalogue().get("staleness_months", 12))
    if stale:
        assert end is not None
        notes.append(i18n.t("claims_stale", lang, end=i18n.month(end, lang), months=lag))
        confidence = "low"
    return {
        "key": key,
        "claim": s[f"claim_{lang}"],
        "indicators": s["indicators"],
        "reading": " ".join(reading.split()),
        "direction": direction,
        "confidence": confidence,
        "caveats": " ".join(s[f"caveats_{lang}"].split()),
        "evidence_end": f"{end:%Y-%m}" if end else None,
        "stale": stale,
        "notes": notes,
        "facts": {k: _plain(v) for k, v in facts.items()},
    }


def _plain(v: Any) -> Any:
    if isinstance(v, float):
        return round(v, 6)
    return v


def explain(key: str, lang: str) -> dict[str, Any]:
    """How claim ``key`` is read, in ``lang``: the evidence, the test, the parameters, each fact, and the rule's
    thresholds and conditions (for ``usmx claims --explain``, the report and the dashboard)."""
    s = spec(key)
    rule = s["rule"]
    return {
        "key": key,
        "claim": s[f"claim_{lang}"],
        "evidence": [e[lang] for e in s.get("evidence") or []],
        "test": " ".join(s[f"test_{lang}"].split()),
        "parameters": s.get("parameters") or {},
        "facts": {k: v[lang] for k, v in (s.get("facts") or {}).items()},
        "thresholds": rule.get("thresholds") or {},
        "directions": dict(rule["directions"]),
        "confidence": dict(rule["confidence"]),
        "about": s.get("about", "present"),
        "staleness_months": int(catalogue().get("staleness_months", 12)),
    }
