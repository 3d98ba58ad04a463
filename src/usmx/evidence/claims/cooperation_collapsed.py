"""The claim ``cooperation_collapsed``: counted acts of cooperation and the news share at the key dates.

Rule, thresholds and words: catalog/claims.yaml. Reads the ``cooperation`` evaluation's event studies, whose findings
(``fell``, ``rose``, ``no clear change``, ``not measurable``) already require the after-window to depart from the
trend of the years before, for the counted components (counts and OFAC lists, not the ledger's named-event floors)
and for GDELT's law-enforcement share at December 2018.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ... import catalog, i18n
from . import Finding, NotMeasurable

WORDS = {
    "fell": ("fell", "cayó"),
    "rose": ("rose", "subió"),
    "no clear change": ("did not clearly change", "no cambió con claridad"),
    "not measurable": (
        "not measurable (too few months, or too few years before the date to tell a change from a trend)",
        "no medible (muy pocos meses, o muy pocos años antes de la fecha para distinguir un cambio de una tendencia)",
    ),
    "rose from none": ("rose from none", "subió desde cero"),
    "none on either side": ("none on either side", "ninguno en ambos lados"),
}


def evaluate(ev, lang: str, parameters: dict[str, Any]) -> Finding:
    dates = set(parameters["key_dates"])
    studies = ev.run("cooperation")["event_studies"].to_pylist()
    counted = [
        r for r in studies
        if r["key_date"] in dates and r["basis"] in ("count", "list_difference") and r["before"]
    ]  # fmt: skip
    news = [r for r in studies if r["key_date"] == "2018-12" and r["component"] == "reported_cooperation"]
    if not counted and not news:
        raise NotMeasurable(
            "counted acts with activity before December 2018 (yearly extradition counts in the ledger, OFAC lists) "
            "or GDELT events on both sides of it",
            "actos contados con actividad antes de diciembre de 2018 (conteos anuales de extradiciones en el "
            "registro, listas de la OFAC) o eventos de GDELT a ambos lados de esa fecha",
        )
    # the claim reads several studies at once: a change counts only where its trend p clears the family's level
    # divided among them (Bonferroni)
    n = news[0] if news else None
    tests = [r for r in [*counted, *news] if r["finding"] in ("fell", "rose", "no clear change")]
    level = float(parameters["family_alpha"]) / max(len(tests), 1)
    for r in [*counted, *news]:
        if r["finding"] in ("fell", "rose") and (r["trend_p"] is None or r["trend_p"] > level):
            r["finding"] = "no clear change"
    measured = [r for r in counted if r["finding"] in ("fell", "rose", "no clear change")]
    facts = {
        "counted_measured": len(measured),
        "counted_fell": sum(r["finding"] == "fell" for r in measured),
        "counted_rose": sum(r["finding"] == "rose" for r in measured),
        "news_measured": n is not None and n["finding"] in ("fell", "rose", "no clear change"),
        "news_fell": n is not None and n["finding"] == "fell",
        "news_rose": n is not None and n["finding"] == "rose",
    }
    order = catalog.scorecard_order()
    counted.sort(key=lambda r: (r["key_date"], order.index(r["component"]) if r["component"] in order else 99))
    since = "desde" if lang == "es" else "from"

    def reading(r: dict) -> str:
        name = i18n.t("component_" + r["component"], lang).lower()
        verb = WORDS.get(r["finding"], (r["finding"],) * 2)[lang == "es"]
        ratio = i18n.number(r["ratio"], lang, 2) if r["ratio"] is not None else "–"
        return f"{name} {verb} ({since} {r['date']:%Y-%m}: {ratio}×)"

    none = "ninguno con actividad previa" if lang == "es" else "none with acts before those dates"
    if n is None:
        news_text = "–"
    else:
        verb = WORDS.get(n["finding"], (n["finding"],) * 2)[lang == "es"]
        share = "la proporción" if lang == "es" else "the share"
        news_text = (
            f"{share} {verb} ({i18n.pct((n['before'] or 0) * 100, lang, signed=False)} → "
            f"{i18n.pct((n['after'] or 0) * 100, lang, signed=False)})"
            if n["before"] is not None
            else verb
        )
    values = {"counted": "; ".join(reading(r) for r in counted) or none, "news": news_text}
    used = [r for r in [*counted, *news] if r["months_after"]]
    ends = [_after_end(r) for r in used]
    return Finding(facts, values, max(ends) if ends else None)


def _after_end(r: dict) -> date:
    """The last month a study's after-window observed."""
    months = int(round(r["months_after"] or 0))
    d = r["date"]
    y, m = divmod(d.month - 1 + max(months - 1, 0), 12)
    return date(d.year + y, m + 1, 1)
