"""The report's sections on the US side, cooperation and criminal reach, and the sources. Each formats rows of
:class:`~usmx.report.data.ReportData`."""

from __future__ import annotations

import re
from datetime import date

from .. import catalog, i18n
from ..i18n import t
from . import charts
from .data import ReportData
from .html import esc, fiscal_year, link, no_data, prose, source_line, table

REGION_COLOURS = {"Southwest Border": charts.ACCENT, "Northern Border": "#2b6cb0", "Coastal/Interior": charts.MUTED}
DEMOGRAPHIC_COLOURS = {
    "Single Adults": charts.ACCENT,
    "FMUA": charts.INK,
    "UC / Single Minors": "#d69e2e",
    "Accompanied Minors": charts.MUTED,
}


def section_fentanyl(data: ReportData, lang: str) -> str:
    us = data.us
    head = f'<section id="fentanyl"><h2>{t("fentanyl_title", lang)}</h2>'
    if "seizures_fy" not in us and "deaths_all" not in us:
        return head + no_data(lang) + "</section>"
    out = [head]
    if us.get("seizures_fy"):
        full = [r for r in us["seizures_fy"] if r["months"] == 12]
        last = full[-1] if full else us["seizures_fy"][-1]
        southwest = {r["fiscal_year"]: r for r in us.get("seizures_fy_region", []) if r["region"] == "Southwest Border"}
        sw = {fy: r["value"] for fy, r in southwest.items()}
        share = southwest[last["fiscal_year"]]["share_pct"] if last["fiscal_year"] in southwest else None
        ytd = us["seizures_fy"][-1]
        extra = ""
        if ytd["months"] < 12:
            extra = (
                f"<li>{i18n.number(ytd['value'], lang)} lbs {t('fytd', lang)} {ytd['fiscal_year']} "
                f"({ytd['months']} {t('months_word', lang)})</li>"
            )
        out.append(
            f'<div class="cards"><div class="big"><span class="value">{i18n.number(last["value"], lang)}</span>'
            f'<span class="label">{esc(t("fentanyl_lead", lang))} {last["fiscal_year"]}</span></div>'
            f'<ul class="changes"><li>{i18n.pct(share, lang, 0, signed=False)} {esc(t("sw_share", lang))}</li>'
            f"{extra}</ul></div>"
        )
        rows = [
            {"period": r["period"], "value": r["value"], "series": i18n.value(r["region"], lang)}
            for r in us["seizures_month_region"]
        ]
        colours = {i18n.value(k, lang): c for k, c in REGION_COLOURS.items()}
        out.append(
            f'<h3>{esc(t("seizures_chart", lang))}</h3><figure class="chart">'
            f"{charts.lines(rows, lang, y_title=t('lbs_axis', lang), colours=colours)}</figure>"
        )
        ev = {r["fiscal_year"]: r["value"] for r in us.get("events_fy", [])}
        trows = [
            [
                esc(fiscal_year(r["fiscal_year"], r["months"], lang)),
                i18n.number(r["value"], lang),
                i18n.number(sw.get(r["fiscal_year"]), lang),
                i18n.number(ev.get(r["fiscal_year"]), lang),
            ]
            for r in us["seizures_fy"]
        ]
        out.append(table([t("fy", lang), t("lbs_total", lang), t("lbs_sw", lang), t("events", lang)], trows, {1, 2, 3}))
        out.append(f'<p class="note">{esc(t("fy_note", lang))}</p>')
        out.append(source_line(data, ["cbp_drug_seizures", "cbp_amo_drug_seizures"], lang))
    if us.get("deaths_all"):
        rows = [{"period": r["period"], "value": r["value"], "series": t("all_drugs", lang)} for r in us["deaths_all"]]
        rows += [
            {"period": r["period"], "value": r["value"], "series": t("synthetic", lang)}
            for r in us.get("deaths_synthetic", [])
        ]
        out.append(
            f'<h3>{esc(t("overdoses_chart", lang))}</h3><figure class="chart">'
            f"{charts.lines(rows, lang, y_title=t('deaths_12m_axis', lang))}</figure>"
        )
        out.append(source_line(data, ["cdc_vsrr_overdose", "cdc_overdose_states_json"], lang))
    if "ccf" in us:
        caution = data.ccf_meta.get(f"caution_{lang}", "")
        out.append(f"<h3>{esc(t('ccf_title', lang))}</h3>")
        if us["ccf"]:
            best = max((r for r in us["ccf"] if r["value"] is not None), key=lambda r: abs(r["value"]))
            out.append(
                f'<figure class="chart">{charts.ccf(us["ccf"], lang)}</figure><p class="note">'
                f"{t('largest_corr', lang)}: r = "
                f"{i18n.number(best['value'], lang, 2)} "
                f"({t('lag', lang)} {best['lag_months']}; n = {best['n']}). "
                f"{esc(t('ccf_deaths_' + data.ccf_meta.get('deaths', 'synthetic_opioids'), lang))}</p>"
            )
        else:
            overlap = data.ccf_meta.get("overlap_months", "0")
            msg = t("ccf_overlap_short", lang, overlap=overlap)
            out.append(f'<p class="empty">{prose(msg)}</p>')
        out.append(f'<p class="note">{esc(caution)}</p>')
    return "".join(out) + "</section>"


def section_migration(data: ReportData, lang: str) -> str:
    us = data.us
    head = f'<section id="migration"><h2>{t("migration_title", lang)}</h2>'
    if "encounters_fy" not in us:
        return head + no_data(lang) + "</section>"
    fy = us["encounters_fy"]
    full = [r for r in fy if r["months"] == 12]
    last = full[-1] if full else fy[-1]
    prev = next((r for r in fy if r["fiscal_year"] == last["fiscal_year"] - 1), None)
    change = last["change_pct"]
    vs = (
        f'<li><span class="chg {"up" if (change or 0) > 0 else "down"}">{i18n.pct(change, lang)}</span> '
        f"{t('against', lang)} FY{prev['fiscal_year']} ({i18n.number(prev['value'], lang)})</li>"
        if prev
        else ""
    )
    out = [
        head,
        f'<div class="cards"><div class="big"><span class="value">{i18n.number(last["value"], lang)}</span>'
        f'<span class="label">{esc(t("migration_lead", lang))} {last["fiscal_year"]}</span></div>'
        f'<ul class="changes">{vs}</ul></div>',
    ]
    rows = [
        {"period": r["period"], "value": r["value"], "series": i18n.value(r["demographic"], lang)}
        for r in us["encounters_month_demo"]
    ]
    colours = {i18n.value(k, lang): c for k, c in DEMOGRAPHIC_COLOURS.items()}
    out.append(
        f'<h3>{esc(t("encounters_chart", lang))}</h3><figure class="chart">'
        f"{charts.lines(rows, lang, y_title=t('encounters_axis', lang), colours=colours)}</figure>"
    )
    trows = [[esc(fiscal_year(r["fiscal_year"], r["months"], lang)), i18n.number(r["value"], lang)] for r in fy]
    top = sorted(
        (r for r in us["encounters_fy_citizenship"] if r["fiscal_year"] == last["fiscal_year"]),
        key=lambda r: -r["value"],
    )[:8]
    crows = [[esc(i18n.value(r["citizenship"], lang)), i18n.number(r["value"], lang)] for r in top]
    out.append(
        '<div class="two-col">'
        + table([t("fy", lang), t("encounters", lang)], trows, {1})
        + f"<div><h3>{esc(t('top_citizenship', lang))} {last['fiscal_year']}</h3>"
        + table([t("citizenship", lang), t("encounters", lang)], crows, {1})
        + "</div></div>"
    )
    out.append(f'<p class="note">{esc(t("fy_note", lang))}</p>')
    out.append(source_line(data, ["cbp_encounters_state", "cbp_encounters_aor"], lang))
    return "".join(out) + "</section>"


def section_cooperation(data: ReportData, lang: str) -> str:
    from .sections_cooperation import counted

    ev = data.events
    out = [f'<section id="cooperation"><h2>{t("coop_title", lang)}</h2>', counted(data, lang)]
    if ev.get("cooperation"):
        out.append(
            f'<p class="note">{esc(t("coop_note", lang))}</p><figure class="chart">'
            f"{charts.cooperation(ev['cooperation'], ev.get('ledger', []), lang)}</figure>"
        )
        if len(ev["cooperation"]) < 24:  # a sample (the demo's): too few months to read a trend
            months = len(ev["cooperation"])
            out.append(f'<p class="note">{prose(t("coop_thin", lang, months=months))}</p>')
        # the GDELT files loaded (2.0 exports, 1.0 daily files or backfiles, 2.0 tables), each with its cut-off
        gdelt = [k for k in ("gdelt_events", "gdelt_events_table", "gdelt1_events") if data.data_end(k)]
        out.append(source_line(data, [*(gdelt or ["gdelt_events"]), "ledger_events"], lang))
    else:
        out.append(f'<p class="empty">{prose(t("coop_empty", lang))}</p>')
    if ev.get("ledger"):
        rows = [
            [
                esc(i18n.day(r["event_date"], lang)),
                esc(r[f"title_{lang}"]),
                link(r["publisher"], r["url"]),
            ]
            for r in reversed(ev["ledger"])
        ]
        out.append(
            f"<h3>{esc(t('ledger_title', lang))}</h3>"
            + table([t("date", lang), t("event", lang), t("source", lang)], rows, cls="ledger")
        )
    out.append(_designations(data, lang))
    return "".join(out) + "</section>"


def _designations(data: ReportData, lang: str) -> str:
    """OFAC SDN entities tied to Mexico on the latest list loaded: new, re-designated, removed and on the list, each
    entity once; then per program (where an entity under two programs counts under each)."""
    rows = data.events.get("designations") or []
    if not rows:
        return ""
    latest = max(r["list_date"] for r in rows)
    whole = [r for r in rows if r["list_date"] == latest]
    by_program = sorted(
        (r for r in data.events.get("designations_program") or [] if r["list_date"] == latest),
        key=lambda r: -(r["entries"] or 0),
    )
    previous = whole[0]["previous_list_date"] if whole else None

    def num(v: int | None) -> str:
        return i18n.number(v, lang) if v is not None else "–"

    def name(program: str) -> str:
        return esc(t("all_programs", lang)) if program == "all" else f'<span translate="no">{esc(program)}</span>'

    trows = [
        [name(r["program"]), num(r["value"]), num(r["re_designated"]), num(r["removed"]), num(r["entries"])]
        for r in [*whole, *by_program]
    ]
    since = t("designations_since", lang, previous=i18n.day(previous, lang)) if previous else t("baseline", lang)
    head = [
        t("program", lang),
        t("new_entries", lang),
        t("re_designated", lang),
        t("dropped", lang),
        t("on_list", lang),
    ]
    return (
        f"<h3>{esc(t('designations_title', lang))} ({esc(i18n.day(latest, lang))})</h3>"
        f'<p class="note">{prose(t("designations_note", lang))} {esc(since)}</p>'
        + table(head, trows, {1, 2, 3, 4})
        + source_line(data, ["ofac_sdn"], lang)
    )


def section_reach(data: ReportData, lang: str) -> str:
    ev = data.events
    out = [f'<section id="reach"><h2>{t("reach_title", lang)}</h2>']
    if not ev.get("reach"):
        return out[0] + f'<p class="empty">{prose(t("reach_empty", lang))}</p></section>'
    from ..indicators.cooperation import groups

    labels = {k: g["label"] for k, g in groups().items()}
    latest = max(r["year"] for r in ev["reach"])
    rows = [
        [
            esc(labels.get(r["group"], r["group"])),
            str(r["year"]),
            i18n.number(r["value"], lang),
            i18n.number(r["fatalities"], lang),
            str(r["states_reached"]),
            str(r["countries_reached"]),
        ]
        for r in sorted(ev["reach"], key=lambda r: (-r["year"], -r["value"]))
        if r["year"] >= latest - 2
    ]
    out.append(f'<p class="note">{esc(t("reach_note", lang))}</p>')
    by_state: dict[str, int] = {}
    for r in ev.get("reach_state", []):
        code = catalog.state_code(r["admin1"])
        if r["year"] == latest and code:
            by_state[code] = by_state.get(code, 0) + r["value"]
    if by_state:
        names = catalog.state_names()
        mrows = [{"state_code": c, "events": by_state.get(c, 0), "state": names[c]} for c in names]
        out.append(
            f'<h3>{esc(t("reach_map", lang))} {latest}</h3><figure class="chart map">'
            f"{charts.choropleth(mrows, lang, value='events', title=t('events_col', lang))}</figure>"
        )
    out.append(
        table(
            [
                t("group", lang),
                t("year", lang),
                t("events_col", lang),
                t("fatalities", lang),
                t("states_reached", lang),
                t("countries_reached", lang),
            ],
            rows,
            {2, 3, 4, 5},
        )
    )
    abroad = [
        [esc(labels.get(r["group"], r["group"])), str(r["year"]), esc(r["country"]), i18n.number(r["value"], lang)]
        for r in ev.get("reach_country", [])
        if r["year"] >= latest - 2
    ]
    if abroad:
        out.append(
            table([t("group", lang), t("year", lang), t("countries_reached", lang), t("events_col", lang)], abroad, {3})
        )
    out.append(source_line(data, ["acled_events"], lang))
    return "".join(out) + "</section>"


def _how(key: str, facts: dict, lang: str) -> str:
    """How a claim is read (catalog/claims.yaml): the test, the evidence, the facts found, the rule's conditions."""
    from ..evidence.claims import explain

    e = explain(key, lang)
    evidence = "".join(f"<li>{_names(x)}</li>" for x in e["evidence"])
    found = "".join(
        f'<li><code translate="no">{esc(k)} = {esc(_fact(facts.get(k), lang))}</code>: {esc(text)}</li>'
        for k, text in e["facts"].items()
    )
    thresholds = "; ".join(f"{k} = {v}" for k, v in e["thresholds"].items())
    rule = "".join(
        f'<li>{esc(t("direction_" + d.replace(" ", "_"), lang))}: <code translate="no">{esc(c)}</code></li>'
        for d, c in e["directions"].items()
    )
    conf = "".join(
        f'<li>{esc(t("confidence_" + k, lang))}: <code translate="no">{esc(c)}</code></li>'
        for k, c in e["confidence"].items()
    )
    return (
        f"<details><summary>{esc(t('claims_how', lang))}</summary>"
        f"<p><b>{esc(t('claims_test', lang))}:</b> {esc(e['test'])}</p><ul>{evidence}</ul>"
        + (f"<p><b>{esc(t('claims_facts', lang))}:</b></p><ul>{found}</ul>" if facts else "")
        + f"<p><b>{esc(t('claims_rule', lang))}</b>"
        + (f' <code translate="no">{esc(thresholds)}</code>' if thresholds else "")
        + f"</p><ul>{rule}</ul><p><b>{esc(t('claims_confidence_rule', lang, months=e['staleness_months']))}</b></p>"
        f"<ul>{conf}</ul></details>"
    )


def _names(text: str) -> str:
    """Escaped text with usmx's names (indicators, commands) kept as code, untranslated."""
    name = r"\b(usmx (?:evaluate|audit) [a-z-]+|[a-z]+(?:_[a-z0-9]+)+)\b"
    return re.sub(name, r'<code translate="no">\1</code>', esc(text))


def _fact(v, lang: str) -> str:
    if isinstance(v, bool) or v is None:
        return {True: "true", False: "false", None: "none"}[v]
    if isinstance(v, float):
        return i18n.number(v, lang, 3)
    return str(v)


def section_claims(data: ReportData, lang: str) -> str:
    """The claims tracker: each claim of the debate, the direction the evidence points, how sure, why, the last
    month its evidence covers, and how it is read (the rule in catalog/claims.yaml)."""
    head = f'<section id="claims"><h2>{t("claims_title", lang)}</h2>'
    rows = data.claims.get(lang, [])
    if not rows:
        return head + no_data(lang) + "</section>"
    body = []
    for r in rows:
        end = r.get("evidence_end")
        until = (
            f'<br><small class="{"claim-stale" if r.get("stale") else ""}">{esc(t("claims_evidence_end", lang))} '
            f"{esc(i18n.month(date.fromisoformat(end + '-01'), lang))}</small>"
            if end
            else ""
        )
        notes = "".join(f'<br><small class="note-line">{esc(n)}</small>' for n in r.get("notes") or [])
        body.append(
            [
                esc(r["claim"]),
                f'<span class="verdict {esc(r["direction"].replace(" ", "-"))}">'
                f"{esc(t('direction_' + r['direction'].replace(' ', '_'), lang))}</span>"
                f"<br><small>{esc(t('confidence_' + r['confidence'], lang))}</small>{until}",
                f"{esc(r['reading'])}{notes}<br><small>{esc(r['caveats'])}</small>"
                + _how(r["key"], r.get("facts") or {}, lang),
            ]
        )
    tbl = table([t("claim", lang), t("evidence", lang), t("reading", lang)], body, cls="claims")
    return head + f'<p class="note">{prose(t("claims_note", lang))}</p>{tbl}</section>'


def section_sources(data: ReportData, lang: str) -> str:
    rows = []
    for r in data.loads:
        rows.append(
            [
                f'<span translate="no">{esc(r["file_name"].replace("usmx bundled sample: ", "").rsplit("/", 1)[-1])}'
                "</span>",
                link(r["kind"], catalog.kind_page(r["kind"])),
                f"<code>{esc(r['sha256'])}</code>",
                esc(i18n.month(r["vintage"], lang) if r["vintage"] else "–"),
                i18n.number(r["row_count"], lang),
                "✓" if r["is_current"] else "",
            ]
        )
    cur = t("current", lang)
    tbl = table(
        [t("file", lang), t("kind", lang), "SHA-256", t("vintage", lang), t("rows", lang), cur], rows, {4}, "sources"
    )
    defs = "".join(
        f"<dt><code>{esc(i.name)}</code> — {esc(_labelled(i.label(lang), i18n.unit(i.unit, lang)))}</dt>"
        f"<dd>{prose(i.definition(lang))}</dd>"
        for i in data.indicators
    )
    # the file-by-file table (hashes included) is there to check, not to read: folded, so that it does not take a
    # third of a phone's page; the summary says what it holds
    files = (
        f'<details class="files"><summary>{esc(t("files_summary", lang, n=i18n.number(len(rows), lang)))}</summary>'
        f"{tbl}</details>"
    )
    return (
        f'<section id="sources"><h2>{t("sources_title", lang)}</h2>{files}<p class="note">'
        f'{esc(t("sources_note", lang))}</p><dl class="defs">{defs}</dl></section>'
    )


def _labelled(label: str, unit: str) -> str:
    """A label with its unit in brackets, once (a label that already names it keeps it as it is)."""
    return label if f"({unit})" in label else f"{label} ({unit})"
