"""The report's section on the measures beyond homicide: the lethal-violence envelope, the peace and capture
indices with their rank intervals, and criminal-market breadth with its bootstrap intervals."""

from __future__ import annotations

from .. import i18n
from ..i18n import t
from . import charts
from .data import ReportData
from .html import esc, no_data, prose, source_line, table

SOURCES = ["sesnsp_state_victims", "sesnsp_state_crimes", "sesnsp_state_federal_crimes", "rnpdno_municipal_persons",
           "conapo_state_population"]  # fmt: skip


def _part(key: str, lang: str) -> str:
    """An index component's name in ``lang`` (catalog/indices.yaml keys)."""
    return t(f"component_{key}", lang)


def _factor(f: str, lang: str) -> str:
    """A sensitivity factor's name: a choice of method, or a component's weight."""
    return t("factor_weight", lang, part=_part(f[7:], lang)) if f.startswith("weight_") else t(f"factor_{f}", lang)


def _sobol(s: dict, lang: str) -> str:
    """The Sobol' table of the capture index: what moves its ranks."""
    body = [
        [esc(_factor(f, lang)),
         i18n.number(s["sobol_first"][f], lang, 2), i18n.number(s["sobol_total"][f], lang, 2)]
        for f in s["factors"]
    ]  # fmt: skip
    dom = s["dominant_component"]
    verdict = t("dominant_yes", lang, part=_part(dom, lang)) if dom else t("dominant_no", lang)
    note = t("sobol_note", lang, configurations=i18n.number(s["configurations"], lang, 0)) + " " + verdict
    tbl = table([t("factor", lang), t("sobol_first", lang), t("sobol_total", lang)], body, {1, 2}, "sobol")
    return f'<p class="note">{prose(note)}</p>{tbl}'


def section_measures(data: ReportData, lang: str) -> str:
    m = data.measures
    head = f'<section id="measures"><h2>{t("measures_title", lang)}</h2>'
    if not any(m.values()):
        return head + no_data(lang) + "</section>"
    out = [head]
    # whole years only: a year some part covers in part (SESNSP's current year) would draw a misleading bar
    lethal = [r for r in m.get("lethal", []) if " of " not in (r.get("missing_parts") or "")]
    if lethal:
        parts = {c: t(f"lethal_{c}", lang) for c in
                 ("homicide_victims", "feminicide_victims", "disappeared_not_located", "located_dead")}  # fmt: skip
        present = {c: label for c, label in parts.items() if any(r.get(c) is not None for r in lethal)}
        out.append(f'<h3>{esc(t("lethal_title", lang))}</h3><p class="note">{prose(t("lethal_note", lang))}</p>')
        out.append(
            f'<figure class="chart">{charts.stacked_years(lethal, present, lang, y_title=t("persons_per_year", lang))}'
            "</figure>"
        )
    for key in ("peace", "capture"):
        rows = m.get(key, [])
        if not rows:
            continue
        ranked = [{"state": r["state"], "rank": r["rank"], "low": r["rank_low"], "high": r["rank_high"]} for r in rows]
        out.append(
            f"<h3>{esc(t(f'{key}_title', lang, year=rows[0]['year']))}</h3>"
            f'<p class="note">{prose(t(f"{key}_note", lang))}</p>'
            f'<figure class="chart">{charts.intervals(ranked, lang, x_title=t("rank_axis", lang))}</figure>'
        )
        if key == "capture" and m.get("capture_sensitivity"):
            out.append(_sobol(m["capture_sensitivity"][0], lang))
    breadth = m.get("breadth", [])
    if breadth:
        rows = sorted(breadth, key=lambda r: (-r["value"], r["state"]))
        ivs = [{"state": r["state"], "value": r["value"], "low": r["value_low"], "high": r["value_high"]} for r in rows]
        chart = charts.intervals(ivs, lang, x_title=t("breadth_axis", lang), value="value", reverse=False)
        out.append(
            f"<h3>{esc(t('breadth_title', lang, year=breadth[0]['year']))}</h3>"
            f'<p class="note">{prose(t("breadth_note", lang))}</p><figure class="chart">{chart}</figure>'
        )
    out.append(source_line(data, SOURCES, lang))
    return "".join(out) + "</section>"
