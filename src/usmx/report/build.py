"""The HTML report: one self-contained, offline file in Spanish, English or both (with a switch).

The report only reads indicator results and the ``loads`` ledger; every number it shows comes from an indicator,
so the report and ``usmx indicator`` can never disagree. Each chart and table names its sources and vintages.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow as pa

from .. import __version__, catalog
from ..api import Observatory
from . import charts, i18n
from .i18n import t

#: crime groups in the "other crimes" panel, with the file each is counted from
PANEL_GROUPS = [
    ("feminicide", "victims"), ("kidnapping", "victims"), ("extortion", "victims"),
    ("human_trafficking", "victims"), ("other_crimes_against_life", "victims"), ("culpable_homicide", "victims"),
    ("firearm_injuries", "crimes"), ("retail_drug_dealing", "crimes"), ("violent_robbery", "crimes"),
    ("vehicle_theft_violent", "crimes"),
]
REGION_COLOURS = {"Southwest Border": charts.ACCENT, "Northern Border": "#2b6cb0", "Coastal/Interior": charts.MUTED}
DEMOGRAPHIC_COLOURS = {"Single Adults": charts.ACCENT, "FMUA": charts.INK, "UC / Single Minors": "#d69e2e",
                       "Accompanied Minors": charts.MUTED}

#: the strategy evaluated in the report (Estrategia Nacional de Seguridad, presented October 2024)
INTERVENTION = date(2024, 10, 1)

#: groups in the report's administration table (`usmx export administration_comparison` gives them all)
ADMIN_GROUPS = ["intentional_homicide", "feminicide", "kidnapping", "extortion", "other_crimes_against_life"]
KIND_LABELS = {
    "sesnsp_state_victims": "SESNSP IDVFC_NM", "sesnsp_state_crimes": "SESNSP IDEFC_NM",
    "sesnsp_municipal_crimes": "SESNSP IDM_NM", "inegi_homicide_deaths": "INEGI",
    "conapo_state_population": "CONAPO", "conapo_municipal_population": "CONAPO",
    "cbp_drug_seizures": "CBP Nationwide Drug Seizures", "cbp_amo_drug_seizures": "CBP AMO Drug Seizures",
    "cbp_encounters_state": "CBP Nationwide Encounters", "cbp_encounters_aor": "CBP Nationwide Encounters (AOR)",
    "cdc_vsrr_overdose": "CDC NCHS VSRR", "gdelt_events": "GDELT 2.0", "acled_events": "ACLED",
    "ledger_events": "usmx ledger",
}


@dataclass
class ReportData:
    """Everything the report shows, read once from the indicators."""

    headline: list[dict]
    monthly: list[dict]
    last12: list[dict]
    panel: dict[str, list[dict]]
    administrations: list[dict]
    anomalies: list[dict]
    records: list[dict]
    inegi: list[dict]
    loads: list[dict]
    indicators: list
    us: dict[str, list[dict]] = field(default_factory=dict)
    evaluation: dict = field(default_factory=dict)
    events: dict[str, list[dict]] = field(default_factory=dict)
    ccf_meta: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def vintage(self, kind: str) -> date | None:
        v = [r["vintage"] for r in self.loads if r["kind"] == kind and r["is_current"] and r["vintage"]]
        return max(v) if v else None


def _rows(table: pa.Table) -> list[dict]:
    return table.to_pylist()


def collect(obs: Observatory) -> ReportData:
    """Evaluate every indicator the report needs (empty lists where the warehouse lacks the data)."""
    has = {r["kind"] for r in obs.sql("SELECT DISTINCT kind FROM loads WHERE is_current").to_pylist()}
    victims = "sesnsp_state_victims" in has
    pop = "conapo_state_population" in has
    timings: dict[str, float] = {}

    def get(name, **params):
        t0 = time.perf_counter()
        out = _rows(obs.indicator(name, **params))
        timings[name] = timings.get(name, 0) + time.perf_counter() - t0
        return out

    monthly = get("homicide_victims_daily_average", by="month") if victims else []
    panel: dict[str, list[dict]] = {}
    if pop:
        for g, measure in PANEL_GROUPS:
            if (measure == "victims" and victims) or (measure == "crimes" and "sesnsp_state_crimes" in has):
                panel[g] = get("crime_rate_per_100k", group=g, by="month", level="national", measure=measure)
    since = None
    if monthly:
        last = monthly[-1]["period"]
        since = date(last.year - 3, last.month, 1).isoformat()
    us: dict[str, list[dict]] = {}
    ccf_meta: dict[str, str] = {}
    if has & {"cbp_drug_seizures", "cbp_amo_drug_seizures"}:
        us["seizures_fy"] = get("fentanyl_seizures_lbs", by="fiscal_year")
        us["seizures_fy_sw"] = get("fentanyl_seizures_lbs", by="fiscal_year", region="southwest_border")
        us["events_fy"] = get("fentanyl_seizure_events", by="fiscal_year")
        us["seizures_month_region"] = get("fentanyl_seizures_lbs", by="month", split="region")
    if "cdc_vsrr_overdose" in has:
        us["deaths_all"] = get("overdose_deaths", drug="all_drugs")
        us["deaths_synthetic"] = get("overdose_deaths", drug="synthetic_opioids")
    if "seizures_fy" in us and "deaths_all" in us:
        t0 = time.perf_counter()
        table = obs.indicator("fentanyl_seizures_vs_overdoses")
        timings["fentanyl_seizures_vs_overdoses"] = time.perf_counter() - t0
        us["ccf"] = table.to_pylist()
        ccf_meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    if has & {"cbp_encounters_state", "cbp_encounters_aor"}:
        us["encounters_fy"] = get("southwest_border_encounters", by="fiscal_year")
        us["encounters_month_demo"] = get("southwest_border_encounters", by="month", split="demographic")
        us["encounters_fy_citizenship"] = get("southwest_border_encounters", by="fiscal_year", split="citizenship")
    evaluation: dict = {}
    if monthly and monthly[-1]["period"] >= INTERVENTION:
        from ..evaluate import interrupted_time_series, monthly_series
        from ..evaluate.integrity import reclassification

        t0 = time.perf_counter()
        res = interrupted_time_series(monthly_series(obs, "homicide_victims"), INTERVENTION.isoformat()[:7],
                                      pre_window=60, sims=2000, seed=0)
        evaluation["its"] = res.to_dict()
        evaluation["reclassification"] = reclassification(obs, INTERVENTION.isoformat()[:7]).to_pylist()
        timings["evaluation"] = time.perf_counter() - t0
    ev: dict[str, list[dict]] = {}
    if "gdelt_events" in has:
        ev["cooperation"] = get("cooperation_index", smooth=3)
    if "ledger_events" in has:
        ev["ledger"] = _rows(obs.sql("SELECT * FROM core_ledger__events ORDER BY event_date"))
    if "acled_events" in has:
        ev["reach"] = get("criminal_group_presence")
        ev["reach_state"] = get("criminal_group_presence", by="state")
        ev["reach_country"] = get("criminal_group_presence", by="country")
    return ReportData(
        events=ev,
        evaluation=evaluation,
        us=us,
        ccf_meta=ccf_meta,
        headline=get("homicide_headline") if victims else [],
        monthly=monthly,
        last12=get("crime_rate_per_100k", by="last_12_months", measure="victims") if victims and pop else [],
        panel=panel,
        administrations=get("administration_comparison", groups=",".join(ADMIN_GROUPS)) if pop and (victims or "inegi_homicide_deaths" in has) else [],
        anomalies=get("anomalies", since=since) if victims else [],
        records=get("records") if victims else [],
        inegi=get("inegi_vs_sesnsp") if victims or "inegi_homicide_deaths" in has else [],
        loads=_rows(obs.sql("SELECT * FROM loads ORDER BY load_id")),
        indicators=obs.indicators(),
        timings=timings,
    )


def _e(text) -> str:
    return html.escape(str(text))


def _source(data: ReportData, kinds: list[str], lang: str) -> str:
    parts = []
    for k in kinds:
        v = data.vintage(k)
        label = KIND_LABELS.get(k, k)
        parts.append(f"{label}" + (f" ({'corte' if lang == 'es' else 'cut-off'} {i18n.month(v, lang)})" if v else ""))
    calc = "cálculos de usmx" if lang == "es" else "usmx calculations"
    return f'<p class="source">{t("source_line", lang)}: {_e("; ".join(parts))}; {calc}.</p>'


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset(), cls: str = "") -> str:
    head = "".join(f'<th{" class=num" if i in numeric else ""}>{_e(h)}</th>' for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td{" class=num" if i in numeric else ""}>{c}</td>' for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f'<div class="table-wrap"><table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _no_data(lang: str) -> str:
    return f'<p class="empty">{_e(t("no_data", lang))}</p>'


def section_headline(data: ReportData, lang: str) -> str:
    if not data.headline:
        return f'<section id="headline"><h2>{t("headline", lang)}</h2>{_no_data(lang)}</section>'
    first = data.headline[0]
    latest, value = first["latest_period"], first["latest_value"]
    cards = [f'<div class="big"><span class="value">{i18n.number(value, lang, 1)}</span>'
             f'<span class="label">{_e(t("daily_avg_label", lang))} {_e(i18n.month(latest, lang))}</span></div>']
    items = []
    for r in data.headline:
        change = r["change_pct"]
        cls = "up" if change > 0 else "down"
        if r["comparison"] == "same_month_previous_year":
            what = f'{t("vs_year", lang)} ({i18n.number(r["reference_value"], lang, 1)})'
        else:
            key = r["comparison"].split(":", 1)[1]
            name = i18n.ADMINISTRATIONS[key][lang]
            ongoing = f' {t("so_far", lang)}' if key == catalog.administrations()[-1].key else ""
            what = f'{t("vs_admin", lang)} {name}{ongoing} ({i18n.number(r["reference_value"], lang, 1)})'
        items.append(f'<li><span class="chg {cls}">{i18n.pct(change, lang)}</span> {_e(what)}</li>')
    return (f'<section id="headline"><h2>{t("headline", lang)}</h2><div class="cards">{"".join(cards)}'
            f'<ul class="changes">{"".join(items)}</ul></div>'
            f'{_source(data, ["sesnsp_state_victims"], lang)}</section>')


def section_series(data: ReportData, lang: str) -> str:
    body = _no_data(lang) if not data.monthly else charts.national_series(
        data.monthly, catalog.administrations(), catalog.series_breaks(), lang)
    return (f'<section id="series"><h2>{t("series_title", lang)}</h2><figure class="chart">{body}</figure>'
            f'<p class="note">{_e(t("series_note", lang))}</p>{_source(data, ["sesnsp_state_victims"], lang)}</section>')


def section_map(data: ReportData, lang: str) -> str:
    if not data.last12:
        return f'<section id="map"><h2>{t("map_title", lang)}</h2>{_no_data(lang)}</section>'
    r0 = data.last12[0]
    span = f'{i18n.month(r0["window_start"], lang)} – {i18n.month(r0["window_end"], lang)}'
    rows = [[str(r["rank"]), _e(r["state"]), i18n.number(r["rate_per_100k"], lang, 1), i18n.number(r["total"], lang)]
            for r in data.last12]
    table = _table(["#", t("state", lang), t("rate", lang), t("victims", lang)], rows, {0, 2, 3}, "ranking")
    return (f'<section id="map"><h2>{t("map_title", lang)}</h2><p class="note">{_e(span)} · '
            f'{_e(t("rate_unit", lang))}</p><div class="map-row"><figure class="chart map">'
            f'{charts.choropleth(data.last12, lang)}</figure>{table}</div>'
            f'{_source(data, ["sesnsp_state_victims", "conapo_state_population"], lang)}</section>')


def section_panel(data: ReportData, lang: str) -> str:
    if not data.panel:
        return f'<section id="groups"><h2>{t("groups_title", lang)}</h2>{_no_data(lang)}</section>'
    groups = catalog.crime_groups()
    rows = []
    for g, series in data.panel.items():
        for r in series:
            rows.append({"period": r["period"], "value": r["rate_per_100k"], "label": groups[g].short(lang)})
    unit = "tasa anualizada por 100 mil habitantes" if lang == "es" else "annualised rate per 100,000 inhabitants"
    kinds = ["sesnsp_state_victims", "sesnsp_state_crimes", "conapo_state_population"]
    return (f'<section id="groups"><h2>{t("groups_title", lang)}</h2><p class="note">{_e(t("groups_note", lang))} '
            f'{_e(unit.capitalize())}.</p><figure class="chart">{charts.small_multiples(rows, lang)}</figure>'
            f'{_source(data, kinds, lang)}</section>')


def section_administrations(data: ReportData, lang: str) -> str:
    if not data.administrations:
        return f'<section id="administrations"><h2>{t("admins_title", lang)}</h2>{_no_data(lang)}</section>'
    groups = catalog.crime_groups()
    rows = []
    for r in data.administrations:
        src = "INEGI" if r["source"].startswith("INEGI") else "SESNSP"
        cov = f'{i18n.month(r["start"], lang)} – {i18n.month(r["end"], lang)}'
        rows.append([
            _e(i18n.ADMINISTRATIONS[r["administration"]][lang]), _e(groups[r["group"]].label(lang)), src,
            _e(cov) + ("" if r["full_term"] else " *"),
            i18n.number(r["daily_average"], lang, 1), i18n.number(r["rate_per_100k_year"], lang, 1),
            i18n.pct(r["change_vs_previous_pct"], lang) if r["change_vs_previous_pct"] is not None else "–",
        ])
    note = ("* periodo parcial del sexenio. Todos los grupos de delitos: usmx export administration_comparison"
            if lang == "es" else
            "* part of the term only. Every crime group: usmx export administration_comparison")
    table = _table([t("administration", lang), t("group", lang), t("source", lang), t("coverage", lang),
                    t("daily_average", lang), t("rate_year", lang), t("change", lang)], rows, {4, 5, 6}, "admins")
    return (f'<section id="administrations"><h2>{t("admins_title", lang)}</h2><p class="note">'
            f'{_e(t("admins_note", lang))}</p>{table}<p class="note">{_e(note)}</p>'
            f'{_source(data, ["sesnsp_state_victims", "sesnsp_state_crimes", "inegi_homicide_deaths", "conapo_state_population"], lang)}'
            "</section>")


def section_anomalies_records(data: ReportData, lang: str) -> str:
    out = [f'<section id="anomalies"><h2>{t("anomalies_title", lang)}</h2>']
    if not data.records:
        return out[0] + _no_data(lang) + "</section>"
    out.append(f'<p class="note">{_e(t("anomalies_note", lang))}</p>')
    if data.anomalies:
        rows = [[_e(r["state"]), _e(i18n.month(r["period"], lang)), i18n.number(r["value"], lang),
                 i18n.number(r["expected"], lang),
                 _e(f'{i18n.number(max(r["lower"], 0), lang)}–{i18n.number(r["upper"], lang)}'),
                 _e(_why(r, lang))] for r in data.anomalies[:15]]
        out.append(_table([t("state", lang), t("month", lang), t("observed", lang), t("expected", lang),
                           "Rango" if lang == "es" else "Range", t("why", lang)], rows, {2, 3}))
    else:
        out.append(f'<p>{t("none", lang)}</p>')
    out.append(f'<h2 id="records">{t("records_title", lang)}</h2><p class="note">{_e(t("records_note", lang))}</p>')
    rows = [[_e(r["state"]), _e(i18n.month(r["worst_month"], lang)), i18n.number(r["worst_month_value"], lang),
             str(r["months_ago"]), str(r["worst_year"] or "–"), i18n.number(r["worst_year_value"], lang)]
            for r in data.records]
    out.append(_table([t("state", lang), t("worst_month", lang), t("victims", lang), t("months_ago", lang),
                       t("worst_year", lang), t("victims", lang)], rows, {2, 3, 4, 5}, "records"))
    out.append(_source(data, ["sesnsp_state_victims"], lang) + "</section>")
    return "".join(out)


def _why(r: dict, lang: str) -> str:
    pct = (r["value"] / r["expected"] - 1) * 100 if r["expected"] else float("nan")
    if lang == "es":
        side = "por encima" if r["direction"] == "above" else "por debajo"
        return f"{i18n.pct(pct, lang, 0)} frente a lo esperado; {i18n.number(abs(r['z']), lang, 1)} desviaciones " \
               f"robustas {side} de la tendencia estacional"
    side = "above" if r["direction"] == "above" else "below"
    return f"{i18n.pct(pct, lang, 0)} against expected; {i18n.number(abs(r['z']), lang, 1)} robust SDs {side} " \
           "the seasonal trend"


def section_inegi(data: ReportData, lang: str) -> str:
    body = _no_data(lang) if not data.inegi else f'<figure class="chart">{charts.inegi_vs_sesnsp(data.inegi, lang)}</figure>'
    return (f'<section id="inegi"><h2>{t("inegi_title", lang)}</h2><p class="note">{_e(t("inegi_note", lang))}</p>'
            f'{body}{_source(data, ["inegi_homicide_deaths", "sesnsp_state_victims"], lang)}</section>')


def section_sources(data: ReportData, lang: str) -> str:
    rows = []
    for r in data.loads:
        rows.append([_e(r["file_name"].replace("usmx bundled sample: ", "").rsplit("/", 1)[-1]), _e(r["kind"]), f'<code>{_e(r["sha256"])}</code>',
                     _e(i18n.month(r["vintage"], lang) if r["vintage"] else "–"), i18n.number(r["row_count"], lang),
                     "✓" if r["is_current"] else ""])
    cur = "Vigente" if lang == "es" else "Current"
    table = _table([t("file", lang), t("kind", lang), "SHA-256", t("vintage", lang), t("rows", lang), cur], rows,
                   {4}, "sources")
    defs = "".join(f'<dt><code>{_e(i.name)}</code> — {_e(i.label(lang))} ({_e(i.unit)})</dt><dd>{_e(i.definition(lang))}</dd>'
                   for i in data.indicators)
    return (f'<section id="sources"><h2>{t("sources_title", lang)}</h2>{table}<p class="note">'
            f'{_e(t("sources_note", lang))}</p><dl class="defs">{defs}</dl></section>')


def _fy_label(fy: int, months: int, lang: str) -> str:
    return f"FY{fy}" + ("" if months == 12 else f" ({months} {'meses' if lang == 'es' else 'months'})")


def section_fentanyl(data: ReportData, lang: str) -> str:
    us = data.us
    head = f'<section id="fentanyl"><h2>{t("fentanyl_title", lang)}</h2>'
    if "seizures_fy" not in us and "deaths_all" not in us:
        return head + _no_data(lang) + "</section>"
    out = [head]
    if us.get("seizures_fy"):
        full = [r for r in us["seizures_fy"] if r["months"] == 12]
        last = full[-1] if full else us["seizures_fy"][-1]
        sw = {r["fiscal_year"]: r["value"] for r in us.get("seizures_fy_sw", [])}
        share = sw.get(last["fiscal_year"], 0) / last["value"] * 100 if last["value"] else None
        ytd = us["seizures_fy"][-1]
        extra = ""
        if ytd["months"] < 12:
            extra = (f'<li>{i18n.number(ytd["value"], lang)} lbs {t("fytd", lang)} {ytd["fiscal_year"]} '
                     f'({ytd["months"]} {"meses" if lang == "es" else "months"})</li>')
        out.append(f'<div class="cards"><div class="big"><span class="value">{i18n.number(last["value"], lang)}</span>'
                   f'<span class="label">{_e(t("fentanyl_lead", lang))} {last["fiscal_year"]}</span></div>'
                   f'<ul class="changes"><li>{i18n.pct(share, lang, 0, signed=False)} {_e(t("sw_share", lang))}</li>'
                   f'{extra}</ul></div>')
        rows = [{"period": r["period"], "value": r["value"], "series": r["region"]} for r in us["seizures_month_region"]]
        out.append(f'<h3>{_e(t("seizures_chart", lang))}</h3><figure class="chart">'
                   f'{charts.lines(rows, lang, y_title="lbs", colours=REGION_COLOURS)}</figure>')
        ev = {r["fiscal_year"]: r["value"] for r in us.get("events_fy", [])}
        trows = [[_e(_fy_label(r["fiscal_year"], r["months"], lang)), i18n.number(r["value"], lang),
                  i18n.number(sw.get(r["fiscal_year"]), lang), i18n.number(ev.get(r["fiscal_year"]), lang)]
                 for r in us["seizures_fy"]]
        out.append(_table([t("fy", lang), t("lbs_total", lang), t("lbs_sw", lang), t("events", lang)], trows,
                          {1, 2, 3}))
        out.append(f'<p class="note">{_e(t("fy_note", lang))}</p>')
        out.append(_source(data, ["cbp_drug_seizures", "cbp_amo_drug_seizures"], lang))
    if us.get("deaths_all"):
        rows = [{"period": r["period"], "value": r["value"], "series": t("all_drugs", lang)} for r in us["deaths_all"]]
        rows += [{"period": r["period"], "value": r["value"], "series": t("synthetic", lang)}
                 for r in us.get("deaths_synthetic", [])]
        out.append(f'<h3>{_e(t("overdoses_chart", lang))}</h3><figure class="chart">'
                   f'{charts.lines(rows, lang, y_title="12m")}</figure>')
        out.append(_source(data, ["cdc_vsrr_overdose"], lang))
    if "ccf" in us:
        caution = data.ccf_meta.get(f"caution_{lang}", "")
        out.append(f'<h3>{_e(t("ccf_title", lang))}</h3>')
        if us["ccf"]:
            best = max((r for r in us["ccf"] if r["correlation"] is not None), key=lambda r: abs(r["correlation"]))
            out.append(f'<figure class="chart">{charts.ccf(us["ccf"], lang)}</figure><p class="note">'
                       f'{"Mayor correlación" if lang == "es" else "Largest correlation"}: r = '
                       f'{i18n.number(best["correlation"], lang, 2)} '
                       f'({"rezago" if lang == "es" else "lag"} {best["lag_months"]}; n = {best["n"]}).</p>')
        else:
            overlap = data.ccf_meta.get("overlap_months", "0")
            msg = (f"Los datos cargados se traslapan solo {overlap} meses: no alcanza para estimar una correlación. "
                   "Cargue un archivo reciente de los CDC con usmx fetch cdc-overdoses."
                   if lang == "es" else
                   f"The loaded data overlap for only {overlap} months: too few to estimate a correlation. Load a "
                   "recent CDC export with usmx fetch cdc-overdoses.")
            out.append(f'<p class="empty">{_e(msg)}</p>')
        out.append(f'<p class="note">{_e(caution)}</p>')
    return "".join(out) + "</section>"


def section_migration(data: ReportData, lang: str) -> str:
    us = data.us
    head = f'<section id="migration"><h2>{t("migration_title", lang)}</h2>'
    if "encounters_fy" not in us:
        return head + _no_data(lang) + "</section>"
    fy = us["encounters_fy"]
    full = [r for r in fy if r["months"] == 12]
    last = full[-1] if full else fy[-1]
    prev = next((r for r in fy if r["fiscal_year"] == last["fiscal_year"] - 1), None)
    change = (last["value"] / prev["value"] - 1) * 100 if prev else None
    vs = (f'<li><span class="chg {"up" if (change or 0) > 0 else "down"}">{i18n.pct(change, lang)}</span> '
          f'{"frente a" if lang == "es" else "against"} FY{prev["fiscal_year"]} ({i18n.number(prev["value"], lang)})</li>'
          if prev else "")
    out = [head, f'<div class="cards"><div class="big"><span class="value">{i18n.number(last["value"], lang)}</span>'
                 f'<span class="label">{_e(t("migration_lead", lang))} {last["fiscal_year"]}</span></div>'
                 f'<ul class="changes">{vs}</ul></div>']
    rows = [{"period": r["period"], "value": r["value"], "series": r["demographic"]} for r in us["encounters_month_demo"]]
    out.append(f'<h3>{_e(t("encounters_chart", lang))}</h3><figure class="chart">'
               f'{charts.lines(rows, lang, y_title=t("encounters", lang), colours=DEMOGRAPHIC_COLOURS)}</figure>')
    trows = [[_e(_fy_label(r["fiscal_year"], r["months"], lang)), i18n.number(r["value"], lang)] for r in fy]
    top = sorted((r for r in us["encounters_fy_citizenship"] if r["fiscal_year"] == last["fiscal_year"]),
                 key=lambda r: -r["value"])[:8]
    crows = [[_e(r["citizenship"].title()), i18n.number(r["value"], lang)] for r in top]
    out.append('<div class="two-col">' + _table([t("fy", lang), t("encounters", lang)], trows, {1}) +
               f'<div><h3>{_e(t("top_citizenship", lang))} {last["fiscal_year"]}</h3>' +
               _table([t("citizenship", lang), t("encounters", lang)], crows, {1}) + "</div></div>")
    out.append(f'<p class="note">{_e(t("fy_note", lang))}</p>')
    out.append(_source(data, ["cbp_encounters_state", "cbp_encounters_aor"], lang))
    return "".join(out) + "</section>"


def _p(p: float, lang: str) -> str:
    return f"< {i18n.number(0.001, lang, 3)}" if p < 0.001 else i18n.number(p, lang, 3)


def section_evaluation(data: ReportData, lang: str) -> str:
    head = f'<section id="evaluation"><h2>{t("eval_title", lang)}</h2>'
    ev = data.evaluation
    if not ev:
        return head + _no_data(lang) + "</section>"
    its = ev["its"]
    lo, hi = its["effect_pct_ci"]
    cf = [r | {"period": date.fromisoformat(r["period"])} for r in its["counterfactual"]]
    second = its.get("second_model") or {}
    items = [f'<li>{_e(t("interval", lang))}: {i18n.pct(lo, lang)} … {i18n.pct(hi, lang)}; p = '
             f'{_p(its["p_value"], lang)}</li>']
    if its.get("placebo_rank"):
        n = len(its["placebo_effects"]) + 1
        items.append(f'<li>{_e(t("placebo", lang))} {its["placebo_rank"]} {t("of", lang)} {n} '
                     f'(p = {i18n.number(its["placebo_p_value"], lang, 2)})</li>')
    if second:
        items.append(f'<li>{_e(t("second", lang))}: {i18n.pct(second["effect_pct"], lang)} '
                     f'({i18n.pct(second["effect_pct_ci"][0], lang)} … {i18n.pct(second["effect_pct_ci"][1], lang)})</li>')
    out = [head, f'<div class="cards"><div class="big"><span class="value">{i18n.pct(its["effect_pct"], lang)}</span>'
                 f'<span class="label">{_e(t("eval_lead", lang))}</span></div><ul class="changes">{"".join(items)}'
                 "</ul></div>",
           f'<figure class="chart">{charts.counterfactual(cf[-72:], INTERVENTION, lang)}</figure>',
           f'<p class="note">{_e(its["assumptions"]) if lang == "en" else _e(t("caveats", lang))}</p>']
    flagged = [r for r in ev["reclassification"] if r["flagged"]]
    groups = catalog.crime_groups()
    out.append(f'<h3>{_e(t("reclass_title", lang))}</h3><p class="note">{_e(t("reclass_note", lang))}</p>')
    nat = [r for r in ev["reclassification"] if r["state_code"] == "00"]
    states = sorted((r for r in flagged if r["state_code"] != "00"), key=lambda r: r["p_holm"])
    rows = [[_e(r["state"]), _e(groups[r["candidate"]].short(lang)), i18n.pct(r["homicide_change_pct"], lang, 0),
             i18n.number(r["ratio_pre"], lang, 1), i18n.number(r["ratio_post"], lang, 1),
             _p(r["p_holm"], lang), "✓" if r["flagged"] else ""] for r in nat + states]
    out.append(_table([t("state", lang), t("candidate", lang), t("hom_change", lang), t("per100_before", lang),
                       t("per100_after", lang), "p (Holm)", "⚑"], rows, {2, 3, 4, 5}))
    if lang == "en":
        out.append(f'<p class="note">{_e(t("caveats", lang))}</p>')
    out.append(_source(data, ["sesnsp_state_victims"], lang))
    return "".join(out) + "</section>"


def section_cooperation(data: ReportData, lang: str) -> str:
    ev = data.events
    out = [f'<section id="cooperation"><h2>{t("coop_title", lang)}</h2>']
    if ev.get("cooperation"):
        out.append(f'<p class="note">{_e(t("coop_note", lang))}</p><figure class="chart">'
                   f'{charts.cooperation(ev["cooperation"], ev.get("ledger", []), lang)}</figure>')
        out.append(_source(data, ["gdelt_events", "ledger_events"], lang))
    else:
        out.append(f'<p class="empty">{_e(t("coop_empty", lang))}</p>')
    if ev.get("ledger"):
        rows = [[_e(i18n.day(r["event_date"], lang)), _e(r["title_es"] if lang == "es" else r["title_en"]),
                 _e(r["source"])] for r in reversed(ev["ledger"])]
        out.append(f'<h3>{_e(t("ledger_title", lang))}</h3>' +
                   _table([t("date", lang), t("event", lang), t("source", lang)], rows, cls="ledger"))
    return "".join(out) + "</section>"


_ACLED_STATE_ALIASES = {"mexico city": "09", "distrito federal": "09", "mexico": "15", "state of mexico": "15",
                        "estado de mexico": "15", "coahuila de zaragoza": "05", "veracruz de ignacio de la llave": "30",
                        "michoacan de ocampo": "16"}


def _state_code(admin1: str | None) -> str | None:
    if not admin1:
        return None
    n = catalog.normalise(admin1)
    if n in _ACLED_STATE_ALIASES:
        return _ACLED_STATE_ALIASES[n]
    for code, s in catalog.states().items():
        if n in (catalog.normalise(s.name), catalog.normalise(s.official_name)):
            return code
    return None


def section_reach(data: ReportData, lang: str) -> str:
    ev = data.events
    out = [f'<section id="reach"><h2>{t("reach_title", lang)}</h2>']
    if not ev.get("reach"):
        return out[0] + f'<p class="empty">{_e(t("reach_empty", lang))}</p></section>'
    from ..indicators.cooperation import groups

    labels = {k: g["label"] for k, g in groups().items()}
    latest = max(r["year"] for r in ev["reach"])
    rows = [[_e(labels.get(r["group"], r["group"])), str(r["year"]), i18n.number(r["events"], lang),
             i18n.number(r["fatalities"], lang), str(r["states_reached"]), str(r["countries_reached"])]
            for r in sorted(ev["reach"], key=lambda r: (-r["year"], -r["events"])) if r["year"] >= latest - 2]
    out.append(f'<p class="note">{_e(t("reach_note", lang))}</p>')
    by_state: dict[str, int] = {}
    for r in ev.get("reach_state", []):
        code = _state_code(r["admin1"])
        if r["year"] == latest and code:
            by_state[code] = by_state.get(code, 0) + r["events"]
    if by_state:
        names = catalog.state_names()
        mrows = [{"state_code": c, "events": by_state.get(c, 0), "state": names[c]} for c in names]
        out.append(f'<h3>{_e(t("reach_map", lang))} {latest}</h3><figure class="chart map">'
                   f'{charts.choropleth(mrows, lang, value="events", title=t("events_col", lang))}</figure>')
    out.append(_table([t("group", lang), t("year", lang), t("events_col", lang), t("fatalities", lang),
                       t("states_reached", lang), t("countries_reached", lang)], rows, {2, 3, 4, 5}))
    abroad = [[_e(labels.get(r["group"], r["group"])), str(r["year"]), _e(r["country"]), i18n.number(r["events"], lang)]
              for r in ev.get("reach_country", []) if r["year"] >= latest - 2]
    if abroad:
        out.append(_table([t("group", lang), t("year", lang), t("countries_reached", lang), t("events_col", lang)],
                          abroad, {3}))
    out.append(_source(data, ["acled_events"], lang))
    return "".join(out) + "</section>"


SECTIONS = [section_headline, section_series, section_evaluation, section_map, section_panel,
            section_administrations, section_anomalies_records, section_inegi, section_fentanyl, section_migration,
            section_cooperation, section_reach, section_sources]


def body(data: ReportData, lang: str) -> str:
    latest = data.monthly[-1]["period"] if data.monthly else None
    meta = f'{t("generated", lang)} {i18n.day(date.today(), lang)} · usmx {__version__}'
    if latest:
        meta = f'{t("data_through", lang)} {i18n.month(latest, lang)} · ' + meta
    head = (f'<header><h1>{_e(t("title", lang))}</h1><p class="subtitle">{_e(t("subtitle", lang))}</p>'
            f'<p class="meta">{_e(meta)}</p></header>')
    sections = "".join(s(data, lang) for s in SECTIONS)
    return f'{head}<main>{sections}</main><footer><p>{_e(t("footer", lang))}</p></footer>'


def render(data: ReportData, lang: str = "both") -> str:
    langs = list(i18n.LANGS) if lang == "both" else [lang]
    blocks = "".join(f'<div class="lang lang-{code}" lang="{code}">{body(data, code)}</div>' for code in langs)
    switch = ""
    if len(langs) > 1:
        switch = ('<nav class="switch" aria-label="Idioma / Language">'
                  '<button type="button" data-set-lang="es" aria-pressed="true">Español</button>'
                  '<button type="button" data-set-lang="en" aria-pressed="false">English</button></nav>')
    html_lang = langs[0]
    return TEMPLATE.format(lang=html_lang, title=_e(t("title", html_lang)), css=CSS, switch=switch, blocks=blocks,
                           script=SCRIPT if len(langs) > 1 else "")


def build(obs: Observatory, output: str | Path = "report.html", lang: str = "both") -> Path:
    """Write the report and return its path. ``lang`` is es, en or both (with a language switch)."""
    from ..errors import UsmxError

    if lang not in ("es", "en", "both"):
        raise UsmxError(f"--lang must be es, en or both; got {lang!r}.")
    data = collect(obs)
    text = render(data, lang)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(output)
    return output


TEMPLATE = """<!DOCTYPE html>
<html lang="{lang}" data-lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="usmx">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
{switch}
{blocks}
{script}
</body>
</html>
"""

CSS = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb; --accent: #b42318; --good: #1f7a4d; --bg: #fafbfc; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.lang { max-width: 1040px; margin: 0 auto; padding: 24px 28px 48px; background: white; min-height: 100vh;
  box-shadow: 0 0 0 1px var(--line); }
html[data-lang="es"] .lang-en, html[data-lang="en"] .lang-es { display: none; }
header h1 { font-size: 28px; line-height: 1.2; margin: 8px 0 4px; max-width: 820px; }
.subtitle { margin: 0; color: var(--muted); }
.meta { margin: 6px 0 0; color: var(--muted); font-size: 13px; }
section { border-top: 1px solid var(--line); margin-top: 28px; padding-top: 8px; }
h2 { font-size: 19px; margin: 14px 0 6px; }
.note { color: var(--muted); font-size: 13.5px; margin: 4px 0 10px; max-width: 860px; }
.source { color: var(--muted); font-size: 12px; margin: 8px 0 0; }
figure { margin: 8px 0; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
.cards { display: flex; gap: 28px; align-items: center; flex-wrap: wrap; }
.big { display: flex; flex-direction: column; min-width: 220px; }
.big .value { font-size: 56px; font-weight: 700; line-height: 1; color: var(--accent); }
.big .label { color: var(--muted); max-width: 240px; margin-top: 6px; }
.changes { list-style: none; padding: 0; margin: 0; }
.changes li { margin: 4px 0; }
.chg { display: inline-block; min-width: 70px; font-weight: 700; font-variant-numeric: tabular-nums; }
.chg.down { color: var(--good); } .chg.up { color: var(--accent); }
.map-row { display: flex; gap: 16px; align-items: flex-start; flex-wrap: wrap; }
.map-row figure { flex: 1 1 540px; }
.map-row .table-wrap { flex: 0 1 330px; max-height: 430px; overflow-y: auto; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; width: 100%; }
th { text-align: left; font-weight: 600; border-bottom: 2px solid var(--ink); padding: 4px 8px; position: sticky;
  top: 0; background: white; }
td { border-bottom: 1px solid var(--line); padding: 3px 8px; vertical-align: top; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.sources td:nth-child(3) code { font-size: 10.5px; word-break: break-all; }
table.sources td:first-child { max-width: 300px; word-break: break-word; }
.defs dt { font-weight: 600; margin-top: 8px; font-size: 13.5px; }
.defs dd { margin: 2px 0 0 0; color: var(--muted); font-size: 13px; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
.empty { background: #fff8e6; border-left: 3px solid #d69e2e; padding: 8px 12px; font-size: 13.5px; }
.switch { position: fixed; top: 12px; right: 16px; z-index: 10; background: white; border: 1px solid var(--line);
  border-radius: 6px; padding: 3px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
.switch button { font: inherit; font-size: 13px; border: 0; background: transparent; padding: 4px 10px;
  border-radius: 4px; cursor: pointer; color: var(--muted); }
.switch button[aria-pressed="true"] { background: var(--ink); color: white; }
h3 { font-size: 15px; margin: 16px 0 4px; }
.two-col { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
.two-col > * { flex: 1 1 300px; }
footer { border-top: 1px solid var(--line); margin-top: 32px; color: var(--muted); font-size: 12.5px; }
@media print { .switch { display: none; } .lang { box-shadow: none; } }
"""

SCRIPT = """<script>
(function () {
  var root = document.documentElement;
  function set(lang) {
    root.setAttribute('data-lang', lang);
    root.setAttribute('lang', lang);
    document.querySelectorAll('[data-set-lang]').forEach(function (b) {
      b.setAttribute('aria-pressed', String(b.getAttribute('data-set-lang') === lang));
    });
    if (history.replaceState) { history.replaceState(null, '', '#' + lang); }
  }
  document.querySelectorAll('[data-set-lang]').forEach(function (b) {
    b.addEventListener('click', function () { set(b.getAttribute('data-set-lang')); });
  });
  var wanted = (location.hash || '').replace('#', '');
  if (wanted === 'en' || wanted === 'es') { set(wanted); }
})();
</script>"""
