"""The claim ``cooperation_collapsed`` (catalog/claims.yaml): how its reading, direction and confidence are computed."""

from __future__ import annotations

from datetime import date

from ... import catalog, i18n
from . import Insufficient, _num, _pct


def evaluate(ev, lang: str) -> tuple[dict, str, str]:
    """Counted acts first: the key-date studies (usmx evaluate cooperation) at December 2018 and December 2020 for
    components with acts before the date (counts or OFAC lists, not the ledger's named-event floors); then GDELT's
    law-enforcement share of US-Mexico news, December 2018 on against the six years before (a fall of a quarter or
    more). Supports when a counted act fell beyond chance and the news did not rise (or, with no counts, when the
    news share fell); contradicts when the counted acts held and the news did not fall (or, with no counts, when it
    rose); mixed otherwise. Medium confidence with counted acts, low on the news alone."""
    studies = ev.run("cooperation")["event_studies"].to_pylist()
    informative = [
        r for r in studies
        if r["key_date"] in ("2018-12", "2020-12") and r["basis"] in ("count", "list_difference")
        and r["before"] and r["finding"] not in ("not measurable",)
    ]  # fmt: skip
    news = _news_share(ev)
    if not informative and news is None:
        raise Insufficient(
            "counted acts with activity before December 2018 (yearly extradition counts in the ledger, OFAC lists) "
            "or at least 24 months of GDELT events on both sides of it",
            "actos contados con actividad antes de diciembre de 2018 (conteos anuales de extradiciones en el "
            "registro, listas de la OFAC) o al menos 24 meses de eventos de GDELT a ambos lados de esa fecha",
        )
    fell = [r for r in informative if r["finding"] == "fell"]
    words = {"fell": ("fell", "cayó"), "rose": ("rose", "subió"),
             "no clear change": ("did not clearly change", "no cambió con claridad")}  # fmt: skip
    order = catalog.scorecard_order()
    informative.sort(key=lambda r: (r["key_date"], order.index(r["component"]) if r["component"] in order else 99))
    since = "desde" if lang == "es" else "from"

    def reading(r: dict) -> str:
        name = i18n.t("component_" + r["component"], lang).lower()
        verb = words.get(r["finding"], (r["finding"],) * 2)[lang == "es"]
        return f"{name} {verb} ({since} {r['date']:%Y-%m}: {_num(r['ratio'] or 0, lang, 2)}×)"

    parts = [reading(r) for r in informative]
    none = "ninguno con actividad previa" if lang == "es" else "none with acts before those dates"
    news_text = "–"
    news_fell = news_rose = False
    if news is not None:
        b, a, months = news
        news_fell, news_rose = a <= 0.75 * b, a > b
        against, of = ("frente a", "meses de GDELT") if lang == "es" else ("against", "months of GDELT")
        news_text = f"{_pct(a, lang).lstrip('+')} {against} {_pct(b, lang).lstrip('+')} ({months} {of})"
    if informative:
        if fell and not news_rose:
            direction = "supports"
        elif not fell and not news_fell:
            direction = "contradicts"
        else:
            direction = "mixed"
    else:
        direction = "supports" if news_fell else "contradicts" if news_rose else "mixed"
    values = {"counted": "; ".join(parts) or none, "news": news_text}
    return values, direction, "medium" if informative else "low"


def _news_share(ev) -> tuple[float, float, int] | None:
    """GDELT's law-enforcement share of US-Mexico events from December 2018 on and in the six years before, and the
    months loaded; None with fewer than 24 months, or less than a year on a side."""
    rows = ev.indicator("cooperation_index", smooth=1).to_pylist()
    if len(rows) < 24:
        return None
    cut = date(2018, 12, 1)
    before = [r["share"] for r in rows if date(2012, 12, 1) <= r["period"] < cut and r["share"] is not None]
    after = [r["share"] for r in rows if r["period"] >= cut and r["share"] is not None]
    if len(before) < 12 or len(after) < 12:
        return None
    return sum(before) / len(before), sum(after) / len(after), len(rows)
