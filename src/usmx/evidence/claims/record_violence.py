"""The claim ``record_violence``: every violent crime group SESNSP publishes, López Obrador's term against the others.

Rule, thresholds and words: catalog/claims.yaml. Reads ``administration_comparison`` (rates per 100,000 a year, and
daily counts as the check) for the groups the catalogue lists; homicide also from INEGI's death records by month of
occurrence where loaded.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ... import catalog, i18n
from . import Finding, NotMeasurable

TERM = "lopez_obrador"


def _standing(rows: list[dict], measure: str, margin: float) -> str | None:
    """'record', 'lower' or 'similar' for López Obrador's term against the earlier terms one source covers (None
    where the source does not cover his term and an earlier one): a record is the highest up to then, whatever
    came after."""
    start = catalog.administration(TERM).start
    terms = {r["administration"]: r[measure] for r in rows if r[measure] is not None}
    earlier = [v for r in rows if r[measure] is not None and r["start"] < start for v in [r[measure]]]
    if TERM not in terms or not earlier:
        return None
    mine, others = terms[TERM], earlier
    if mine > max(others) * (1 + margin):
        return "record"
    if mine < max(others) * (1 - margin):
        return "lower"
    return "similar"


def _facts(rows: list[dict], groups: list[str], measure: str, margin: float) -> tuple[dict[str, Any], dict[str, str]]:
    """The rule's facts from one measure (rate or daily count), and each group's standing in its SESNSP source."""
    standing: dict[str, str] = {}
    homicide: list[str] = []
    for g in groups:
        mine = [r for r in rows if r["group"] == g]
        for source in sorted({r["source"] for r in mine}):
            s = _standing([r for r in mine if r["source"] == source], measure, margin)
            if s is None:
                continue
            if g == "intentional_homicide":
                homicide.append(s)
            if source.startswith("SESNSP") or g not in standing:
                standing[g] = s
    n = len(standing)
    facts = {
        "homicide_record": bool(homicide) and all(s == "record" for s in homicide) if homicide else None,
        "homicide_sources": len(homicide),
        "record_share": sum(s == "record" for s in standing.values()) / n if n else 0.0,
        "fell_share": sum(s == "lower" for s in standing.values()) / n if n else 0.0,
    }
    return facts, standing


def evaluate(ev, lang: str, parameters: dict[str, Any]) -> Finding:
    groups = list(parameters["groups"])
    margin = float(parameters["margin"])
    rows = ev.indicator("administration_comparison", groups=",".join(groups)).to_pylist()
    facts, standing = _facts(rows, groups, "rate_per_100k", margin)
    if not standing or facts["homicide_record"] is None:
        raise NotMeasurable(
            "rates of homicide and the other violent crime groups covering López Obrador's term and another "
            "(SESNSP victims and crimes, CONAPO population, or INEGI death records)",
            "tasas de homicidio y de los demás grupos de delitos violentos que cubran el sexenio de López Obrador y "
            "otro (víctimas y delitos del SESNSP, población de CONAPO o registros de defunción del INEGI)",
        )
    daily, _ = _facts(rows, groups, "value", margin)
    labels = catalog.crime_groups()

    def named(kind: str) -> str:
        return ", ".join(labels[g].label(lang).lower() for g, s in standing.items() if s == kind) or "–"

    hom = [r for r in rows if r["group"] == "intentional_homicide" and r["administration"] == TERM]
    shown = []
    for r in sorted(hom, key=lambda r: not r["source"].startswith("SESNSP")):
        others = [
            o["rate_per_100k"]
            for o in rows
            if o["group"] == "intentional_homicide" and o["source"] == r["source"] and o["start"] < r["start"]
        ]
        if not others:
            continue
        source = "SESNSP" if r["source"].startswith("SESNSP") else "INEGI"
        word = "por 100 mil al año" if lang == "es" else "per 100,000 a year"
        against = "frente a un máximo previo de" if lang == "es" else "against an earlier high of"
        shown.append(f"{i18n.number(r['rate_per_100k'], lang, 1)} {word} {against} "
                     f"{i18n.number(max(others), lang, 1)} ({source})")  # fmt: skip
    # each group's evidence reaches as far as its longest-running source; the claim's, as far as its shortest group's
    reach: dict[str, date] = {}
    for r in rows:
        if r["administration"] == TERM and r["group"] in standing:
            reach[r["group"]] = max(reach.get(r["group"], r["end"]), r["end"])
    end = min(reach.values()) if reach else None
    values = {
        "groups": len(standing),
        "records": sum(s == "record" for s in standing.values()),
        "lower": sum(s == "lower" for s in standing.values()),
        "similar": sum(s == "similar" for s in standing.values()),
        "record_names": named("record"),
        "lower_names": named("lower"),
        "homicide": "; ".join(shown) or "–",
    }
    label = "con conteos diarios en vez de tasas" if lang == "es" else "with daily counts instead of rates"
    return Finding(facts, values, date(end.year, end.month, 1) if end else None, [(label, daily)])
