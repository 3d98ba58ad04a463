"""The claim ``criminal_reach_grew``, read as what records can show: the density of ten criminal markets.

Rule, thresholds and words: catalog/claims.yaml. Each market of catalog/markets.yaml per 100,000 people a year
(state-incidence groups from ``crime_rate_per_100k``, federal ones from ``federal_crimes`` over CONAPO's population),
from a base before December 2018 to the last year every market with a base is measured; GI-TOC's criminal-market
score for Mexico beside it where loaded.
"""

from __future__ import annotations

from datetime import date
from statistics import mean
from typing import Any

from ... import catalog, i18n
from ...errors import UsmxError
from ...indicators.markets import markets
from . import Finding, NotMeasurable


def _yearly(ev) -> dict[str, dict[int, float]]:
    """Market -> year -> recorded crimes (or victims) per 100,000, complete years only."""
    out: dict[str, dict[int, float]] = {}
    population: dict[int, float] = {}
    for key, m in markets().items():
        if m.get("federal"):
            continue
        measure = catalog.crime_groups()[m["group"]].measure
        rows = ev.indicator("crime_rate_per_100k", group=m["group"], by="year", level="national",
                            measure=measure).to_pylist()  # fmt: skip
        out[key] = {r["year"]: float(r["value"]) for r in rows if r.get("months") == 12 and r["value"] is not None}
        population |= {r["year"]: float(r["population"]) for r in rows if r.get("population")}
    for key, m in markets().items():
        if m.get("federal"):
            rows = ev.indicator("federal_crimes", group=m["group"], by="year").to_pylist()
            out[key] = {
                r["year"]: float(r["value"]) / population[r["year"]] * 100_000
                for r in rows
                if r.get("months") == 12 and r["year"] in population
            }
    return out


def _read(yearly: dict[str, dict[int, float]], base: list[int], last: int, margin: float) -> dict[str, str]:
    """Each market with a base: 'rose', 'fell' or 'similar' from the mean of the base years to ``last``."""
    out = {}
    for key, v in yearly.items():
        if not all(y in v for y in base) or last not in v:
            continue
        b = mean(v[y] for y in base)
        if b <= 0:
            continue
        change = v[last] / b - 1
        out[key] = "rose" if change > margin else "fell" if change < -margin else "similar"
    return out


def _facts(standing: dict[str, str]) -> dict[str, Any]:
    n = len(standing)
    return {
        "markets": n,
        "rose_share": sum(s == "rose" for s in standing.values()) / n if n else 0.0,
        "fell_share": sum(s == "fell" for s in standing.values()) / n if n else 0.0,
    }


def _gitoc(ev, lang: str) -> str:
    """GI-TOC's criminal-markets score for Mexico across its editions, or what loading it would add."""
    try:
        rows = [r for r in ev.indicator("organized_crime_index").to_pylist() if r["oc_indicator"] == "criminal_markets"]
    except UsmxError:
        rows = []
    if not rows:
        return i18n.t("reach_gitoc_missing", lang)
    shown = ", ".join(
        f"{i18n.number(r['value'], lang, 2)} ({r['year']})" for r in sorted(rows, key=lambda r: r["year"])
    )
    return (
        f"Puntaje de mercados criminales del GI-TOC para México (1-10, juicio de expertos): {shown}."
        if lang == "es"
        else f"GI-TOC's criminal-markets score for Mexico (1-10, expert judgement): {shown}."
    )


def evaluate(ev, lang: str, parameters: dict[str, Any]) -> Finding:
    base = [int(y) for y in parameters["base"]]
    margin = float(parameters["margin"])
    yearly = _yearly(ev)
    with_base = {k: v for k, v in yearly.items() if all(y in v for y in base)}
    common = set.intersection(*(set(v) for v in with_base.values())) if with_base else set()
    later = [y for y in common if y > max(base)]
    if len(with_base) < 2 or not later:
        raise NotMeasurable(
            f"recorded crimes of the criminal markets in {base[0]}-{base[-1]} and a later complete year (SESNSP state "
            "and federal incidence, CONAPO population)",
            f"delitos registrados de los mercados criminales en {base[0]}-{base[-1]} y un año completo posterior "
            "(incidencia estatal y federal del SESNSP, población de CONAPO)",
        )
    last = max(later)
    standing = _read(with_base, base, last, margin)
    labels = markets()

    def named(kind: str) -> str:
        return ", ".join(labels[k][f"label_{lang}"].lower() for k, s in standing.items() if s == kind) or "–"

    alternatives = []
    for y in parameters.get("alternatives", []):
        alt = _read(with_base, [int(y)], last, margin)
        if alt:
            word = "desde la base" if lang == "es" else "from base year"
            alternatives.append((f"{word} {y}", _facts(alt)))
    values = {
        "markets": len(standing),
        "rose": sum(s == "rose" for s in standing.values()),
        "fell": sum(s == "fell" for s in standing.values()),
        "similar": sum(s == "similar" for s in standing.values()),
        "rose_names": named("rose"),
        "fell_names": named("fell"),
        "base": f"{base[0]}-{base[-1]}" if len(base) > 1 else str(base[0]),
        "last": last,
        "gitoc": _gitoc(ev, lang),
    }
    left_out = [labels[k][f"label_{lang}"].lower() for k in yearly if k not in with_base]
    notes = []
    if left_out:
        notes.append(
            f"Sin base antes de 2019, fuera de la lectura: {', '.join(left_out)}."
            if lang == "es"
            else f"No base before 2019, left out: {', '.join(left_out)}."
        )
    return Finding(_facts(standing), values, date(last, 12, 1), alternatives, notes)
