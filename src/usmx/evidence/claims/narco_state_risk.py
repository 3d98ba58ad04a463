"""The claim ``narco_state_risk``: hidden violence (calibrated), rents (extortion from several bases), capture (GI-TOC).

Rule, thresholds and words: catalog/claims.yaml. Reads the ``substitution`` audit's national row (which flags a rise
in persons not located per homicide only where it stands out from earlier dates), persons located alive per homicide
as the registration control, extortion victims per 100,000 by year, the capture index (described: it ranks states in
one year) and GI-TOC's state-embedded actors score where loaded.
"""

from __future__ import annotations

from datetime import date
from statistics import mean
from typing import Any

from ... import catalog, i18n
from ...errors import UsmxError
from . import Finding


def _registration(ev, intervention: date, window: int) -> tuple[float, float] | None:
    """Persons located alive per 100 homicide victims, nationally, in the ``window`` months before and in the months
    from ``intervention`` on (None where the register's located-alive status is not loaded)."""
    try:
        alive = {r["period"]: r["value"] for r in ev.indicator("disappearances", by="month", status="located_alive")
                 .to_pylist()}  # fmt: skip
        homicides = {r["period"]: r["value"] for r in ev.indicator("homicide_victims", by="month").to_pylist()}
    except UsmxError:
        return None
    months = sorted(p for p in alive if p in homicides and homicides[p])
    first = date(intervention.year - window // 12, intervention.month, 1)
    pre = [alive[p] / homicides[p] * 100 for p in months if first <= p < intervention]
    post = [alive[p] / homicides[p] * 100 for p in months if p >= intervention]
    if len(pre) < 6 or len(post) < 3:
        return None
    return mean(pre), mean(post)


def _extortion(ev, bases: list[int], margin: float) -> tuple[dict[int, float], int | None, dict[int, float]]:
    """Extortion victims per 100,000: the change (%) from each base year to the last complete year, that year, and
    the yearly rates."""
    try:
        measure = catalog.crime_groups()["extortion"].measure
        rows = ev.indicator("crime_rate_per_100k", group="extortion", by="year", level="national",
                            measure=measure).to_pylist()  # fmt: skip
    except UsmxError:
        return {}, None, {}
    rates = {r["year"]: float(r["value"]) for r in rows if r.get("months") == 12 and r["value"]}
    later = [y for y in rates if y > max(bases)]
    if not later or not all(b in rates for b in bases):
        return {}, None, rates
    last = max(later)
    return {b: (rates[last] / rates[b] - 1) * 100 for b in bases}, last, rates


def _gitoc(ev) -> tuple[float | None, int | None, float | None]:
    """GI-TOC's state-embedded actors score for Mexico in its newest edition, that year, and the change since the
    edition before (None where not loaded)."""
    try:
        rows = [r for r in ev.indicator("organized_crime_index").to_pylist()
                if r["oc_indicator"] == "state_embedded_actors"]  # fmt: skip
    except UsmxError:
        return None, None, None
    if not rows:
        return None, None, None
    r = max(rows, key=lambda r: r["year"])
    return float(r["value"]), int(r["year"]), r["change"]


def _capture(ev, lang: str) -> str:
    try:
        rows = ev.indicator("capture_index").to_pylist()
    except UsmxError:
        rows = []
    if not rows:
        return ""
    top = ", ".join(r["state"] for r in sorted(rows, key=lambda r: r["rank"])[:3])
    return i18n.t("narco_capture", lang, year=rows[0]["year"], top=top)


def evaluate(ev, lang: str, parameters: dict[str, Any]) -> Finding:
    from ..base import REGISTRY

    bases = [int(y) for y in parameters["extortion_bases"]]
    margin = float(parameters["margin"]) * 100
    share = float(parameters["registration_share"])
    strategy = catalog.key_date(dict(REGISTRY["substitution"].dates)["intervention"]).date
    try:
        nat = next(r for r in ev.run("substitution").to_pylist() if r["state_code"] == "00")
    except (UsmxError, StopIteration):
        nat = None
    control = _registration(ev, strategy, 36) if nat else None
    changes, last, _ = _extortion(ev, bases, margin)
    embedded, gitoc_year, gitoc_change = _gitoc(ev)
    facts: dict[str, Any] = {
        "substitution_flag": bool(nat["flagged"]) if nat else None,
        "registration_explains": None,
        "extortion_rose": all(c > margin for c in changes.values()) if changes else None,
        "extortion_fell": all(c < -margin for c in changes.values()) if changes else None,
        "gitoc_embedded": embedded,
    }

    def num(x: float | None) -> str:
        return i18n.number(x, lang, 1)

    if nat is None:
        hidden = i18n.t("narco_hidden_missing", lang)
    else:
        rise = (nat["ratio_post"] or 0) / nat["ratio_pre"] - 1 if nat["ratio_pre"] else None
        hidden = i18n.t(
            "narco_hidden", lang, homicides=i18n.pct(nat["homicide_change_pct"], lang),
            month=i18n.month(strategy, lang), pre=num(nat["ratio_pre"]), post=num(nat["ratio_post"]),
            stands=i18n.t("narco_stands_yes" if nat["flagged"] else "narco_stands_no", lang),
            p=i18n.number(nat["placebo_p"], lang, 2) if nat["placebo_p"] is not None else "–",
        )  # fmt: skip
        if control is None:
            hidden += " " + i18n.t("narco_alive_missing", lang)
        else:
            alive_rise = control[1] / control[0] - 1 if control[0] else 0.0
            explains = bool(rise is not None and rise > 0 and alive_rise >= share * rise)
            facts["registration_explains"] = explains
            registration = i18n.t("narco_alive_registration", lang) if explains else ""
            hidden += " " + i18n.t("narco_alive", lang, pre=num(control[0]), post=num(control[1]),
                                   registration=registration)  # fmt: skip
    extortion = ", ".join(f"{i18n.pct(c, lang)} ({i18n.t('from_year', lang, year=b)})" for b, c in changes.items())
    if embedded is None:
        gitoc = i18n.t("narco_gitoc_missing", lang)
    else:
        change = i18n.t("narco_gitoc_change", lang, change=num(gitoc_change)) if gitoc_change is not None else ""
        gitoc = i18n.t("narco_gitoc", lang, score=num(embedded), year=gitoc_year, change=change)
    values = {
        "substitution": hidden,
        "extortion": extortion or "–",
        "last": last or "–",
        "gitoc": gitoc,
        "capture": _capture(ev, lang),
    }
    ends = []
    if nat is not None:
        try:
            ends.append(max(r["period"] for r in ev.indicator("disappearances", by="month").to_pylist()))
            ends.append(max(r["period"] for r in ev.indicator("homicide_victims", by="month").to_pylist()))
        except (UsmxError, ValueError):
            pass
    if last:
        ends.append(date(last, 12, 1))
    return Finding(facts, values, min(ends) if ends else None)
