"""The claim ``narco_state_risk`` (catalog/claims.yaml): how its reading, direction and confidence are computed."""

from __future__ import annotations

from ... import i18n
from . import Insufficient, _num, _pct


def evaluate(ev, lang: str) -> tuple[dict, str, str]:
    """Supports when, nationally, homicides fell while disappearances per homicide rose significantly (the
    substitution audit's flag) and extortion rose; mixed when one of the two; contradicts when neither."""
    sub = {r["state_code"]: r for r in ev.run("substitution").to_pylist()}
    nat = sub.get("00")
    if nat is None:
        raise Insufficient(
            "SESNSP victims and RNPDNO persons not located after October 2024",
            "víctimas del SESNSP y personas no localizadas del RNPDNO después de octubre de 2024",
        )
    ext = ev.indicator("crime_rate_per_100k", group="extortion", by="year", level="national").to_pylist()
    full = [r for r in ext if r.get("months") == 12]
    if len(full) < 2:
        raise Insufficient("two complete years of extortion victims", "dos años completos de víctimas de extorsión")
    a, b = full[max(0, len(full) - 4)], full[-1]
    ext_change = (b["value"] / a["value"] - 1) * 100 if a["value"] else 0.0
    signs = [bool(nat["flagged"]), ext_change > 0]
    direction = "supports" if all(signs) else "mixed" if any(signs) else "contradicts"
    values = {
        "homicides": _pct(nat["homicide_change_pct"], lang), "ratio_pre": _num(nat["ratio_pre"], lang),
        "ratio_post": _num(nat["ratio_post"], lang), "p": i18n.number(nat["p_holm"], lang, 4),
        "extortion": _pct(ext_change, lang), "first": a["year"], "last": b["year"],
    }  # fmt: skip
    return values, direction, "medium" if direction != "mixed" else "low"
