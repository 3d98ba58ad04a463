"""The claim ``strategy_working`` (catalog/claims.yaml): how its reading, direction and confidence are computed."""

from __future__ import annotations

from ... import catalog, i18n
from ...errors import UsmxError
from . import Insufficient, _pct


def evaluate(ev, lang: str) -> tuple[dict, str, str]:
    """Supports when the 95% interval of the interrupted-time-series effect lies below zero, the placebo rank p is
    at most 0.1 and no national reclassification flag is raised; contradicts when the interval lies above zero;
    mixed otherwise. High confidence needs a strong placebo rank (p at most 0.1)."""
    try:
        # the primary estimate and its placebo rank (the state-space check is the evaluation section's, not needed here)
        its = ev.run("its", indicator="homicide_victims", pre_window=60, second_model=False)
    except UsmxError as exc:
        raise Insufficient(
            f"homicide victims before and after October 2024 ({exc})",
            "víctimas de homicidio antes y después de octubre de 2024",
        ) from exc
    lo, hi = its.effect_pct_ci
    flags = [r["candidate"] for r in ev.run("reclassification").to_pylist()
             if r["state_code"] == "00" and r["flagged"]]  # fmt: skip
    placebo = its.placebo_p_value
    strong = placebo is not None and placebo <= 0.1
    if hi < 0 and strong and not flags:
        direction = "supports"
    elif lo > 0:
        direction = "contradicts"
    else:
        direction = "mixed"
    values = {
        "effect": _pct(its.effect_pct, lang), "low": _pct(lo, lang), "high": _pct(hi, lang),
        "placebo": i18n.number(placebo, lang, 2) if placebo is not None else "–",
        "flags": ", ".join(catalog.crime_groups()[f].label(lang).lower() for f in flags) or "0",  # words, not keys
    }  # fmt: skip
    return values, direction, "high" if strong and direction != "mixed" else "medium" if strong else "low"
