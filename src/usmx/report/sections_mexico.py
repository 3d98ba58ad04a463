"""The report's sections on Mexico: headline, national series, evaluation, map, crime groups, administrations,
anomalies and records, INEGI against SESNSP. Each formats rows of :class:`~usmx.report.data.ReportData`."""

from __future__ import annotations

import statistics
from datetime import date

from .. import catalog, i18n
from ..i18n import t
from . import charts
from .data import STRATEGY, ReportData
from .html import esc, no_data, p_value, prose, source_line, table

ADMIN_SOURCES = [
    "sesnsp_state_victims",
    "sesnsp_state_crimes",
    "inegi_homicide_occurrence_state",
    "inegi_homicide_deaths",
    "conapo_state_population",
]


def section_headline(data: ReportData, lang: str) -> str:
    if not data.headline:
        return f'<section id="headline"><h2>{t("headline", lang)}</h2>{no_data(lang)}</section>'
    first = data.headline[0]
    latest, value = first["latest_period"], first["latest_value"]
    cards = [
        f'<div class="big"><span class="value">{i18n.number(value, lang, 1)}</span>'
        f'<span class="label">{esc(t("daily_avg_label", lang))} {esc(i18n.month(latest, lang))}</span></div>'
    ]
    items = []
    for r in data.headline:
        change = r["value"]
        cls = "up" if change > 0 else "down"
        if r["comparison"] == "same_month_previous_year":
            what = f"{t('vs_year', lang)} ({i18n.number(r['reference_value'], lang, 1)})"
        else:
            key = r["comparison"].split(":", 1)[1]
            name = catalog.administration(key).label(lang)
            ongoing = f" {t('so_far', lang)}" if key == catalog.administrations()[-1].key else ""
            what = f"{t('vs_admin', lang)} {name}{ongoing} ({i18n.number(r['reference_value'], lang, 1)})"
        items.append(f'<li><span class="chg {cls}">{i18n.pct(change, lang)}</span> {esc(what)}</li>')
    return (
        f'<section id="headline"><h2>{t("headline", lang)}</h2><div class="cards">{"".join(cards)}'
        f'<ul class="changes">{"".join(items)}</ul></div>'
        f"{source_line(data, ['sesnsp_state_victims'], lang)}</section>"
    )


def section_series(data: ReportData, lang: str) -> str:
    body = (
        no_data(lang)
        if not data.monthly
        else charts.national_series(data.monthly, catalog.administrations(), catalog.series_breaks(), lang)
    )
    return (
        f'<section id="series"><h2>{t("series_title", lang)}</h2><figure class="chart">{body}</figure>'
        f'<p class="note">{esc(t("series_note", lang))}</p>'
        f"{source_line(data, ['sesnsp_state_victims'], lang)}</section>"
    )


def section_daily(data: ReportData, lang: str) -> str:
    """The government's daily preliminary count, summed by month, beside SESNSP's victims of the same months."""
    head = f'<section id="daily"><h2>{t("daily_title", lang)}</h2>'
    if not data.daily:
        return head + f'<p class="empty">{prose(t("daily_empty", lang))}</p></section>'
    prelim, official = t("daily_series", lang), t("sesnsp_series", lang)
    rows = [{"period": r["period"], "value": r["value"], "series": prelim} for r in data.daily if r["complete"]]
    rows += [
        {"period": r["period"], "value": r["sesnsp_victims"], "series": official}
        for r in data.daily
        if r.get("sesnsp_victims") is not None and r["complete"]
    ]
    ratios = sorted(r["ratio_to_sesnsp"] for r in data.daily if r.get("ratio_to_sesnsp") is not None)
    if ratios:
        mid = statistics.median(ratios)
        ratio = t(
            "daily_ratio", lang, months=len(ratios), median=i18n.pct(mid * 100, lang, signed=False),
            low=i18n.pct(ratios[0] * 100, lang, signed=False), high=i18n.pct(ratios[-1] * 100, lang, signed=False),
        )  # fmt: skip
    else:
        ratio = t("daily_no_overlap", lang)
    incomplete = [i18n.month(r["period"], lang) for r in data.daily if not r["complete"]]
    gaps = f" {t('daily_incomplete', lang, months=', '.join(incomplete))}" if incomplete else ""
    return (
        head
        + f'<p class="note">{esc(t("daily_note", lang))} {esc(ratio)}{esc(gaps)}</p>'
        + f'<figure class="chart">{charts.lines(rows, lang, y_title=t("victims_per_month", lang))}</figure>'
        + _nowcast(data, lang)
        + source_line(data, ["sspc_daily_homicides", "sesnsp_state_victims"], lang)
        + "</section>"
    )


def _nowcast(data: ReportData, lang: str) -> str:
    """The nowcast's record: each published month nowcast from the months before it, with its 90% band."""
    if not data.nowcast:
        return f'<p class="note">{prose(t("nowcast_empty", lang))}</p>'
    checked = [r for r in data.nowcast if r["status"] == "checked"]
    text = ""
    if checked:
        errors = sorted(abs(r["error_pct"]) for r in checked)
        inside = sum(r["low"] <= r["sesnsp_victims"] <= r["high"] for r in checked) / len(checked)
        text = t(
            "nowcast_record", lang, months=len(checked), error=i18n.number(statistics.median(errors), lang, 1),
            coverage=i18n.pct(inside * 100, lang, 0, signed=False),
        )  # fmt: skip
    latest = data.nowcast[-1]
    if latest["status"] == "nowcast":
        text += " " + t(
            "nowcast_latest", lang, month=i18n.month(latest["period"], lang),
            value=i18n.number(latest["value"], lang, 0), low=i18n.number(latest["low"], lang, 0),
            high=i18n.number(latest["high"], lang, 0),
        )  # fmt: skip
    return f'<p class="note">{esc(text.strip())}</p><figure class="chart">{charts.nowcast(data.nowcast, lang)}</figure>'


def section_disappearances(data: ReportData, lang: str) -> str:
    """Homicide victims and persons still missing, month by month: the fall of one can hide a rise of the other."""
    head = f'<section id="disappearances"><h2>{t("disappear_title", lang)}</h2>'
    if not data.disappearances:
        return head + f'<p class="empty">{prose(t("disappear_empty", lang))}</p></section>'
    first = data.disappearances[0]["period"]
    missing = t("missing_series", lang)
    rows = [{"period": r["period"], "value": r["value"], "series": missing} for r in data.disappearances]
    rows += [
        {"period": r["period"], "value": r["value"], "series": t("homicide_series", lang)}
        for r in data.homicides_monthly
        if r["period"] >= first
    ]
    provisional = [r["period"] for r in data.disappearances if r.get("provisional")]
    since = i18n.month(provisional[0], lang) if provisional else "–"
    return (
        head
        + f'<p class="note">{esc(t("disappear_note", lang, since=since))}</p>'
        + f'<figure class="chart">{charts.lines(rows, lang, y_title=t("persons_per_month", lang))}</figure>'
        + source_line(data, ["rnpdno_municipal_persons", "sesnsp_state_victims"], lang)
        + "</section>"
    )


def section_federal(data: ReportData, lang: str) -> str:
    """Federal crimes by group, month by month: drugs, the firearms law, fuel theft, organized crime."""
    head = f'<section id="federal"><h2>{t("federal_title", lang)}</h2>'
    if not data.federal:
        return head + no_data(lang) + "</section>"
    groups = catalog.federal_groups()
    rows = [
        {"period": r["period"], "value": r["value"], "series": groups[g][f"label_{lang}"]}
        for g, series in data.federal.items()
        for r in series
    ]
    return (
        head
        + f'<p class="note">{prose(t("federal_note", lang))}</p>'
        + f'<figure class="chart">{charts.lines(rows, lang, y_title=t("crimes_per_month", lang))}</figure>'
        + source_line(data, ["sesnsp_state_federal_crimes"], lang)
        + "</section>"
    )


def section_evaluation(data: ReportData, lang: str) -> str:
    head = f'<section id="evaluation"><h2>{t("eval_title", lang)}</h2>'
    ev = data.evaluation
    if not ev:
        return head + no_data(lang) + "</section>"
    its = ev["its"]
    lo, hi = its["effect_pct_ci"]
    cf = [r | {"period": date.fromisoformat(r["period"])} for r in its["counterfactual"]]
    second = its.get("second_model") or {}
    # the estimate, its interval and the placebo rank are read together, beside what they can and cannot say
    facts = [
        f'<span class="fact"><span class="k">{esc(t("interval", lang))}</span> {i18n.pct(lo, lang)} … '
        f"{i18n.pct(hi, lang)}</span>"
    ]
    if its.get("placebo_rank"):
        n = len(its["placebo_effects"]) + 1
        facts.append(
            f'<span class="fact"><span class="k">{esc(t("placebo", lang))}</span> '
            f"{esc(t('rank_of', lang, rank=its['placebo_rank'], n=n))} "
            f"(p = {i18n.number(its['placebo_p_value'], lang, 2)})</span>"
        )
    details = [f"<li>p = {p_value(its['p_value'], lang)}</li>"]
    if second:
        details.append(
            f"<li>{esc(t('second', lang))}: {i18n.pct(second['effect_pct'], lang)} "
            f"({i18n.pct(second['effect_pct_ci'][0], lang)} … {i18n.pct(second['effect_pct_ci'][1], lang)})</li>"
        )
    out = [
        head,
        f'<div class="its-head"><div class="big its"><span class="value">{i18n.pct(its["effect_pct"], lang)}</span>'
        f'{"".join(facts)}<span class="label">{esc(t("eval_lead", lang))}</span></div>'
        f'<aside class="caveat"><h3>{esc(t("can_cannot_title", lang))}</h3><p>{esc(t("caveats", lang))}</p>'
        "</aside></div>",
        f'<ul class="changes details">{"".join(details)}</ul>',
        f'<figure class="chart">{charts.counterfactual(cf[-72:], STRATEGY, lang)}</figure>',
        f'<p class="note">{esc(t("assumptions_its", lang))}</p>',
    ]
    flagged = [r for r in ev["reclassification"] if r["flagged"]]
    groups = catalog.crime_groups()
    out.append(f'<h3>{esc(t("reclass_title", lang))}</h3><p class="note">{esc(t("reclass_note", lang))}</p>')
    nat = [r for r in ev["reclassification"] if r["state_code"] == "00"]
    states = sorted((r for r in flagged if r["state_code"] != "00"), key=lambda r: r["p_holm"])
    rows = [
        [
            esc(i18n.state(r["state_code"], r["state"], lang)),
            esc(groups[r["candidate"]].short(lang)),
            i18n.pct(r["homicide_change_pct"], lang, 0),
            i18n.number(r["ratio_pre"], lang, 1),
            i18n.number(r["ratio_post"], lang, 1),
            p_value(r["p_holm"], lang),
            "✓" if r["flagged"] else "",
        ]
        for r in nat + states
    ]
    out.append(
        table(
            [
                t("state", lang),
                t("candidate", lang),
                t("hom_change", lang),
                t("per100_before", lang),
                t("per100_after", lang),
                "p (Holm)",
                "⚑",
            ],
            rows,
            {2, 3, 4, 5},
        )
    )
    out.append(source_line(data, ["sesnsp_state_victims"], lang))
    return "".join(out) + "</section>"


def section_map(data: ReportData, lang: str) -> str:
    if not data.last12:
        return f'<section id="map"><h2>{t("map_title", lang)}</h2>{no_data(lang)}</section>'
    r0 = data.last12[0]
    span = f"{i18n.month(r0['window_start'], lang)} – {i18n.month(r0['window_end'], lang)}"
    rows = [
        [
            str(r["rank"]),
            esc(i18n.state(r["state_code"], r["state"], lang)),
            i18n.number(r["value"], lang, 1),
            i18n.number(r["total"], lang),
        ]
        for r in data.last12
    ]
    tbl = table(["#", t("state", lang), t("rate", lang), t("victims", lang)], rows, {0, 2, 3}, "ranking")
    return (
        f'<section id="map"><h2>{t("map_title", lang)}</h2><p class="note">{esc(span)} · '
        f'{esc(t("rate_unit", lang))}</p><div class="map-row"><figure class="chart map">'
        f"{charts.choropleth(data.last12, lang)}</figure>{tbl}</div>"
        f"{source_line(data, ['sesnsp_state_victims', 'conapo_state_population'], lang)}</section>"
    )


def section_panel(data: ReportData, lang: str) -> str:
    if not data.panel:
        return f'<section id="groups"><h2>{t("groups_title", lang)}</h2>{no_data(lang)}</section>'
    groups = catalog.crime_groups()
    rows = []
    for g, series in data.panel.items():
        for r in series:
            rows.append({"period": r["period"], "value": r["value"], "label": groups[g].short(lang)})
    unit = t("rate_annualised", lang)
    kinds = ["sesnsp_state_victims", "sesnsp_state_crimes", "conapo_state_population"]
    bridged = any(r.get("methodology", "2015") != "2015" for series in data.panel.values() for r in series)
    if bridged:
        kinds.append("sesnsp_state_crimes_2026")
    note = f" {prose(t('bridge_note', lang))}" if bridged else ""
    return (
        f'<section id="groups"><h2>{t("groups_title", lang)}</h2><p class="note">{esc(t("groups_note", lang))} '
        f'{esc(unit)}.{note}</p><figure class="chart">{charts.small_multiples(rows, lang)}</figure>'
        f"{source_line(data, kinds, lang)}</section>"
    )


def section_administrations(data: ReportData, lang: str) -> str:
    if not data.administrations:
        return f'<section id="administrations"><h2>{t("admins_title", lang)}</h2>{no_data(lang)}</section>'
    groups = catalog.crime_groups()
    rows = []
    # death records by month of occurrence put a death in the month it happened, as SESNSP does: where they cover a
    # term, the registration rows of that term are left out of the page (`usmx export administration_comparison`
    # keeps them)
    occurred = {(r["administration"], r["group"]) for r in data.administrations if "occurrence" in r["source"]}
    for r in data.administrations:
        if "registration" in r["source"] and (r["administration"], r["group"]) in occurred:
            continue
        if r["source"].startswith("INEGI"):
            src = esc(t("inegi_occurrence_short" if "occurrence" in r["source"] else "inegi_registration_short", lang))
        else:
            src = "SESNSP"
        cov = f"{i18n.month(r['start'], lang)} – {i18n.month(r['end'], lang)}"
        rows.append(
            [
                esc(catalog.administration(r["administration"]).label(lang)),
                esc(groups[r["group"]].label(lang)),
                src,
                esc(cov) + ("" if r["full_term"] else " *"),
                i18n.number(r["value"], lang, 1),
                i18n.number(r["rate_per_100k"], lang, 1),
                _change(r, lang),
            ]
        )
    note = t("partial_term_note", lang) + " " + t("fragile_note", lang)
    tbl = table(
        [
            t("administration", lang),
            t("group", lang),
            t("source", lang),
            t("coverage", lang),
            t("daily_average", lang),
            t("rate_year", lang),
            t("change", lang),
        ],
        rows,
        {4, 5, 6},
        "admins",
    )
    return (
        f'<section id="administrations"><h2>{t("admins_title", lang)}</h2><p class="note">'
        f'{esc(t("admins_note", lang))}</p>{tbl}<p class="note">{prose(note)}</p>'
        + source_line(data, ADMIN_SOURCES, lang)
        + "</section>"
    )


def _change(r: dict, lang: str) -> str:
    """The change against the previous term, with a visible flag when either term has under 12 months of data."""
    if r["change_vs_previous_pct"] is None:
        return "–"
    text = i18n.pct(r["change_vs_previous_pct"], lang)
    if r.get("change_flag"):
        title = esc(t("fragile_title", lang, months=r["months"]))
        return f'<span class="fragile" title="{title}">{text} ⚠</span>'
    return text


def section_anomalies_records(data: ReportData, lang: str) -> str:
    out = [f'<section id="anomalies"><h2>{t("anomalies_title", lang)}</h2>']
    if not data.records:
        return out[0] + no_data(lang) + "</section>"
    out.append(f'<p class="note">{esc(t("anomalies_note", lang))}</p>')
    if data.anomalies:
        rows = [
            [
                esc(i18n.state(r["state_code"], r["state"], lang)),
                esc(i18n.month(r["period"], lang)),
                i18n.number(r["value"], lang),
                i18n.number(r["expected"], lang),
                esc(f"{i18n.number(max(r['lower'], 0), lang)}–{i18n.number(r['upper'], lang)}"),
                esc(_why(r, lang)),
            ]
            for r in data.anomalies[:15]
        ]
        out.append(
            table(
                [
                    t("state", lang),
                    t("month", lang),
                    t("observed", lang),
                    t("expected", lang),
                    t("range", lang),
                    t("why", lang),
                ],
                rows,
                {2, 3},
            )
        )
    else:
        out.append(f"<p>{t('none', lang)}</p>")
    out.append(f'<h2 id="records">{t("records_title", lang)}</h2><p class="note">{esc(t("records_note", lang))}</p>')
    rows = [
        [
            esc(i18n.state(r["state_code"], r["state"], lang)),
            esc(i18n.month(r["worst_month"], lang)),
            i18n.number(r["value"], lang),
            str(r["months_ago"]),
            str(r["worst_year"] or "–"),
            i18n.number(r["worst_year_value"], lang),
        ]
        for r in data.records
    ]
    out.append(
        table(
            [
                t("state", lang),
                t("worst_month", lang),
                t("victims", lang),
                t("months_ago", lang),
                t("worst_year", lang),
                t("victims", lang),
            ],
            rows,
            {2, 3, 4, 5},
            "records",
        )
    )
    out.append(source_line(data, ["sesnsp_state_victims"], lang) + "</section>")
    return "".join(out)


def _why(r: dict, lang: str) -> str:
    return t(
        "anomaly_why",
        lang,
        pct=i18n.pct(r["change_pct"], lang, 0),
        z=i18n.number(abs(r["z"]), lang, 1),
        side=t(r["direction"], lang),
    )


def section_inegi(data: ReportData, lang: str) -> str:
    body = (
        no_data(lang)
        if not data.inegi
        else f'<figure class="chart">{charts.inegi_vs_sesnsp(data.inegi, lang)}</figure>'
    )
    kinds = ["inegi_homicide_deaths", "inegi_homicide_occurrence_state", "sesnsp_state_victims"]
    return (
        f'<section id="inegi"><h2>{t("inegi_title", lang)}</h2><p class="note">{esc(t("inegi_note", lang))}</p>'
        f"{body}{source_line(data, kinds, lang)}</section>"
    )
