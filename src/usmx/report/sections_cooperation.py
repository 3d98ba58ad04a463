"""The cooperation section's counted part: the scorecard by year, publishers' disagreements, the key dates' before and
after, what that shows on "cooperation plummeted", and how far the news follows the counts."""

from __future__ import annotations

from .. import catalog, i18n
from ..i18n import t
from . import charts_cooperation
from .data import ReportData
from .html import esc, prose, table

#: the dates of the claim that cooperation plummeted (catalog/ledger_kinds.yaml key_dates)
PLUMMETED = ("2018-12", "2020-12")
WINDOW = 24  # months, as usmx evaluate cooperation's default


def _component(key: str, lang: str) -> str:
    return t(f"component_{key}", lang)


def _finding(text: str, lang: str) -> str:
    return t(f"finding_{text}", lang)


def _interval(v: float | None, lo: float | None, hi: float | None, lang: str, decimals: int = 1) -> str:
    if v is None:
        return "–"
    if lo is None or hi is None:
        return i18n.number(v, lang, decimals)
    return f"{i18n.number(v, lang, decimals)} ({i18n.number(lo, lang, decimals)}–{i18n.number(hi, lang, decimals)})"


def counted(data: ReportData, lang: str) -> str:
    """The counted part of the cooperation section ('' when nothing counted is loaded)."""
    c = data.cooperation
    card = c.get("scorecard") or []
    if not card:
        return ""
    out = [f'<h3>{esc(t("counted_title", lang))}</h3><p class="note">{prose(t("counted_note", lang))}</p>']
    out.append(
        f'<figure class="chart">{charts_cooperation.scorecard(card, catalog.cooperation_key_dates(), lang)}</figure>'
    )
    out.append(_disagreements(card, lang))
    studies = c.get("studies") or []
    if studies:
        note = prose(t("studies_note", lang, window=WINDOW))
        out.append(f'<h3>{esc(t("studies_title", lang))}</h3><p class="note">{note}</p>')
        out.append(_plummeted(studies, lang))
        if any(r["before"] is not None for r in studies):
            out.append(f'<figure class="chart">{charts_cooperation.studies(studies, lang)}</figure>')
        out.append(_studies_table(studies, lang))
    corr = c.get("correlation") or []
    if corr:
        rows = [
            [
                esc(_component(r["component"], lang)),
                esc(r["years"]),
                _interval(r["pearson"], r["low"], r["high"], lang, 2) if r["pearson"] is not None else esc(
                    t("finding_not measurable", lang)),
                i18n.number(r["spearman"], lang, 2) if r["spearman"] is not None else "–",
            ]
            for r in corr
        ]  # fmt: skip
        out.append(f'<h3>{esc(t("corr_title", lang))}</h3><p class="note">{prose(t("corr_note", lang))}</p>')
        out.append(table([t("component", lang), t("years_with_both", lang), t("corr_col", lang), t("spearman", lang)],
                         rows, {2, 3}))  # fmt: skip
    return "".join(out)


def _disagreements(card: list[dict], lang: str) -> str:
    split = [r for r in card if r["publishers"] > 1]
    head = f"<h4>{esc(t('disagree_title', lang))}</h4>"
    if not split:
        return head + f'<p class="note">{prose(t("disagree_none", lang))}</p>'
    rows = [
        [
            str(r["period"].year),
            esc(_component(r["component"], lang)),
            esc(r["sources"]),
            f"{i18n.number(r['low'], lang)}–{i18n.number(r['high'], lang)}",
        ]
        for r in split
    ]
    return head + table([t("year", lang), t("component", lang), t("figures", lang), t("range", lang)], rows, {3})


def _studies_table(studies: list[dict], lang: str) -> str:
    rows = []
    for r in studies:
        if r["before"] is None and r["finding"] == "not measurable":
            continue
        share = r["basis"] == "news_events"
        d = 3 if share else 1
        rows.append(
            [
                f"{r['date']:%Y-%m}",
                esc(_component(r["component"], lang)),
                _interval(r["before"], r["before_low"], r["before_high"], lang, d),
                _interval(r["after"], r["after_low"], r["after_high"], lang, d),
                _interval(r["ratio"], r["ratio_low"], r["ratio_high"], lang, 2),
                esc(_finding(r["finding"], lang)),
            ]
        )
    heads = [t("date", lang), t("component", lang), t("before", lang), t("after", lang), t("ratio", lang),
             t("finding", lang)]  # fmt: skip
    return table(heads, rows, {2, 3, 4}) if rows else ""


def _plummeted(studies: list[dict], lang: str) -> str:
    """What the key dates of the claim show: falls the intervals separate from chance, and what cannot be read."""
    at = [r for r in studies if r["key_date"] in PLUMMETED]
    counted = [r for r in at if r["basis"] != "news_events"]
    fell = sorted({_component(r["component"], lang) for r in counted if r["finding"] == "fell"})
    measurable = [r for r in counted if r["finding"] != "not measurable"]
    if fell:
        verdict = t("plummeted_fell", lang, which=", ".join(fell))
    elif measurable:
        verdict = t("plummeted_none", lang)
    else:
        verdict = t("plummeted_unknown", lang)
    gaps = []
    if any(r["component"] == "extraditions" and r["basis"] == "named_events" for r in at):
        gaps.append(t("gap_floor", lang))
    unmeasured = sorted({_component(r["component"], lang) for r in counted if r["finding"] == "not measurable"})
    if unmeasured:
        gaps.append(t("gap_unmeasured", lang, which=", ".join(unmeasured)))
    if not any(r["basis"] == "news_events" and r["finding"] != "not measurable" for r in at):
        gaps.append(t("gap_news", lang))
    text = verdict + (" " + t("plummeted_gaps", lang, gaps="; ".join(gaps)) if gaps and not fell else "")
    return f'<aside class="caveat"><h4>{esc(t("plummeted_title", lang))}</h4><p>{prose(text)}</p></aside>'
