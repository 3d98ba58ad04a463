"""The claim ``strategy_working``: the interrupted time series at the strategy's start, ranked among earlier dates.

Rule, thresholds and words: catalog/claims.yaml. Reads the ``its`` evaluation of intentional-homicide victims (its
placebo rank: the same estimate at every earlier month) with the catalogue's fitting window, and again with the
alternative windows as the check, and the ``reclassification`` audit's national flags.
"""

from __future__ import annotations

from typing import Any

from ... import catalog, i18n
from ...errors import UsmxError
from . import Finding, NotMeasurable


def _its(ev, pre_window: int, sims: int):
    return ev.run("its", indicator="homicide_victims", pre_window=pre_window, second_model=False, sims=sims)


def _facts(its, reclassified: bool) -> dict[str, Any]:
    lo, hi = its.effect_pct_ci
    n = len(its.placebo_effects)
    return {
        "effect_pct": its.effect_pct,
        "ci_low": lo,
        "ci_high": hi,
        "placebo_p": its.placebo_p_value,
        "min_p": 1 / (n + 1),
        "post_months": its.post_months,
        "reclassified": reclassified,
    }


def evaluate(ev, lang: str, parameters: dict[str, Any]) -> Finding:
    window, sims = int(parameters["pre_window"]), int(parameters.get("sims", 2000))
    try:
        its = _its(ev, window, sims)
    except UsmxError as exc:
        raise NotMeasurable(
            f"homicide victims before and after the strategy's start ({exc})",
            f"víctimas de homicidio antes y después del inicio de la estrategia ({exc})",
        ) from exc
    flags = [r["candidate"] for r in ev.run("reclassification").to_pylist() if r["state_code"] == "00" and r["flagged"]]
    facts = _facts(its, bool(flags))
    alternatives = []
    for w in parameters.get("alternatives", []):
        try:
            alt = _its(ev, int(w), max(sims // 4, 200))
        except UsmxError:
            continue
        years = int(w) // 12
        label = f"con {years} años de historia" if lang == "es" else f"with {years} years of history"
        alternatives.append((label, _facts(alt, bool(flags))))
    n = len(its.placebo_effects)
    if its.placebo_p_value is None:
        placebo = (
            "sin fechas anteriores con las que compararlo" if lang == "es" else "no earlier dates to rank it among"
        )
    elif lang == "es":
        placebo = (
            f"{'destaca' if its.placebo_p_value <= 0.1 else 'no destaca'} frente a la misma estimación en {n} fechas "
            f"anteriores (p de placebo = {i18n.number(its.placebo_p_value, lang, 2)})"
        )
    else:
        placebo = (
            f"it {'stands out' if its.placebo_p_value <= 0.1 else 'does not stand out'} from the same estimate at {n} "
            f"earlier dates (placebo p = {i18n.number(its.placebo_p_value, lang, 2)})"
        )
    lo, hi = its.effect_pct_ci
    values = {
        "effect": i18n.pct(its.effect_pct, lang),
        "low": i18n.pct(lo, lang),
        "high": i18n.pct(hi, lang),
        "post": its.post_months,
        "placebo": placebo,
        "flags": ", ".join(catalog.crime_groups()[f].label(lang).lower() for f in flags) or "0",
    }
    end = its.counterfactual.index[-1].date()
    return Finding(facts, values, end, alternatives)
