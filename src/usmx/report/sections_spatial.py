"""The report's municipal section: homicide hot spots (empirical-Bayes rates and LISA clusters, municipal_hotspots).

The map draws the states in grey and, over them, only the municipalities in a significant cluster: a map of all
2,457 municipalities would weigh a megabyte per language, and the grey ones say nothing the table does not.
"""

from __future__ import annotations

from collections import Counter

import altair as alt

from .. import catalog, i18n
from ..i18n import t
from . import charts
from .data import ReportData
from .html import esc, no_data, source_line, table

#: clusters in the order of the legend, with their colours (a diverging red-blue scheme)
CLUSTERS = {"hot": "#b42318", "high_low": "#f4a582", "low_high": "#92c5de", "cold": "#2166ac"}


def hotspot_map(rows: list[dict], lang: str) -> str:
    """States in grey and, over them, the municipalities of a significant cluster coloured by it."""
    shown = [
        {"code": r["municipality_code"], "cluster": t(f"hs_{r['cluster']}", lang)}
        for r in rows
        if r["cluster"] in CLUSTERS
    ]
    states = charts._data(charts._topology(), format=alt.DataFormat(type="topojson", feature="collection"))
    towns = charts._data(
        catalog.topology("mx_municipalities"), format=alt.DataFormat(type="topojson", feature="municipios")
    )
    projection = {"type": "conicConformal", "rotate": [102, 0], "parallels": [17.5, 29.5]}
    base = alt.Chart(states).mark_geoshape(fill="#eef0f3", stroke="white", strokeWidth=0.6).project(**projection)
    order = [t(f"hs_{k}", lang) for k in CLUSTERS]
    spots = (
        alt.Chart(towns)
        .mark_geoshape(stroke="white", strokeWidth=0.1)
        .transform_lookup(lookup="properties.id", from_=alt.LookupData(charts._data(shown), "code", ["cluster"]))
        .transform_filter("isValid(datum.cluster)")
        .encode(
            color=alt.Color(
                "cluster:N",
                title=t("hs_cluster", lang),
                scale=alt.Scale(domain=order, range=list(CLUSTERS.values())),
                legend=alt.Legend(orient="bottom-left", direction="vertical", labelLimit=220),
            )
        )
        .project(**projection)
    )
    return charts.render(charts._config(alt.layer(base, spots), 560, 380), lang)


def section_hotspots(data: ReportData, lang: str) -> str:
    head = f'<section id="hotspots"><h2>{esc(t("hs_title", lang))}</h2>'
    rows = data.hotspots
    if not rows:
        return head + no_data(lang) + "</section>"
    year = rows[0]["year"]
    count = Counter(r["cluster"] for r in rows)
    hot_states = Counter(r["state"] for r in rows if r["cluster"] == "hot")
    where = ", ".join(f"{esc(s)} ({n})" for s, n in hot_states.most_common(4))
    summary = t(
        "hs_summary",
        lang,
        hot=i18n.number(count["hot"], lang),
        cold=i18n.number(count["cold"], lang),
        outliers=i18n.number(count["high_low"] + count["low_high"], lang),
        assessed=i18n.number(sum(n for k, n in count.items() if k != "not_assessed"), lang),
        not_assessed=i18n.number(count["not_assessed"], lang),
    )
    top = sorted((r for r in rows if r["rank"]), key=lambda r: r["rank"])[:10]
    body = [
        [
            str(r["rank"]),
            esc(f"{r['municipality'] or r['municipality_code']} ({r['state']})"),
            i18n.number(r["value"], lang, 1),
            i18n.number(r["raw_rate"], lang, 1),
            i18n.number(r["deaths"], lang),
            esc(t(f"hs_{r['cluster']}", lang)),
        ]
        for r in top
    ]
    headers = ["#", t("municipality", lang), t("hs_eb", lang), t("hs_raw", lang), t("hs_deaths", lang),
               t("hs_cluster", lang)]  # fmt: skip
    return (
        head
        + f'<p class="note">{esc(t("hs_note", lang, year=year))}</p>'
        + f"<p>{esc(summary)}"
        + (f" {esc(t('hs_where', lang))} {where}." if where else "")
        + "</p>"
        + f'<figure class="chart map">{hotspot_map(rows, lang)}</figure>'
        + f"<p><b>{esc(t('hs_top', lang))}</b></p>"
        + table(headers, body, {0, 2, 3, 4}, "ranking")
        + f'<p class="note">{esc(t("hs_caveat", lang))}</p>'
        + source_line(data, ["inegi_homicide_occurrence_municipal"], lang)
        + "</section>"
    )
