"""The HTML report: one self-contained, offline file in Spanish, English or both (with a switch).

The report computes nothing: :func:`render` formats a :class:`~usmx.report.data.ReportData` that
the façade's ``report()`` gathers from indicators, evaluations and the ledger, so the report and ``usmx indicator``
can never disagree. The page template, styles and script are package files (templates/, static/); every word is in
strings/<lang>.yaml. Each chart and table names its sources and vintages.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from string import Template
from typing import Protocol

from .. import i18n
from .._version import __version__
from ..errors import UsmxError
from ..i18n import t
from .data import ReportData
from .html import esc
from .html import table as html_table


class Workers(Protocol):
    """What :func:`render` needs of a pool of workers (:class:`usmx.report.workers.Workers`)."""

    def bodies(self, data: ReportData, langs: list[str]) -> list[str]: ...


def sections() -> list:
    """The report's sections, in order (imported when a page is built: with workers, the pages are built in them
    and this process never imports Altair or vl-convert)."""
    from . import sections_measures, sections_mexico, sections_spatial, sections_us

    return [
        sections_mexico.section_headline,
        sections_us.section_claims,
        sections_mexico.section_series,
        sections_mexico.section_daily,
        sections_mexico.section_disappearances,
        sections_measures.section_measures,
        sections_mexico.section_federal,
        sections_mexico.section_evaluation,
        sections_mexico.section_map,
        sections_spatial.section_hotspots,
        sections_mexico.section_panel,
        sections_mexico.section_administrations,
        sections_mexico.section_anomalies_records,
        sections_mexico.section_inegi,
        sections_us.section_fentanyl,
        sections_us.section_migration,
        sections_us.section_cooperation,
        sections_us.section_reach,
        sections_us.section_sources,
    ]


@cache
def _asset(name: str) -> str:
    return resources.files("usmx.report").joinpath(name).read_text("utf-8")


def body(data: ReportData, lang: str) -> str:
    latest = data.monthly[-1]["period"] if data.monthly else None
    meta = f"{t('generated', lang)} {i18n.day(date.today(), lang)} · usmx {__version__}"
    if latest:
        meta = f"{t('data_through', lang)} {i18n.month(latest, lang)} · " + meta
    head = (
        f'<header><h1>{esc(t("title", lang))}</h1><p class="subtitle">{esc(t("subtitle", lang))}</p>'
        f'<p class="meta">{esc(meta)}</p>{freshness(data, lang)}</header>'
    )
    # section anchors carry the language: both languages share one page, and ids must be unique in it
    parts = re.sub(r'<(section|h2) id="', rf'<\1 id="{lang}-', "".join(s(data, lang) for s in sections()))
    return f"{head}<main>{parts}</main><footer><p>{esc(t('footer', lang))}</p></footer>"


def freshness(data: ReportData, lang: str) -> str:
    """The oldest evidence the report relies on, and how current every table read is (from `usmx status`)."""
    oldest = data.oldest_evidence()
    if oldest is None:
        return ""
    words = {
        "table": oldest[f"label_{lang}"],
        "end": oldest["latest"],
        "status": t(f"status_{oldest['status']}", lang),
        "expected": oldest["expected"],
    }
    key = "status_oldest" if oldest["status"] in ("due", "stale") else "status_oldest_current"
    read = set(data.relies_on)
    rows = [
        [f'<code translate="no">{esc(r["table"].removeprefix("core_"))}</code>',
         f'<span class="st-{esc(r["status"])}">{esc(t("status_" + r["status"], lang))}</span>',
         esc(r["latest"] or "–"), esc(r["expected"] or "–"), esc(r[f"note_{lang}"])]
        for r in data.freshness()
        if r["table"] in read and r["status"] != "not_loaded"
    ]  # fmt: skip
    headers = [t("status_table", lang), t("status_status", lang), t("status_latest", lang),
               t("status_expected", lang), t("status_note", lang)]  # fmt: skip
    cls = "stale" if oldest["status"] in ("due", "stale") else ""
    return (
        f'<p class="meta oldest {cls}">{esc(t(key, lang, **words))}</p>'
        f'<details class="status"><summary>{esc(t("status_title", lang))}</summary>'
        f"{html_table(headers, rows)}</details>"
    )


def render(data: ReportData, lang: str = "both", workers: Workers | None = None) -> str:
    """The report's HTML: one language, or both with a switch. With ``workers`` each language's page is built in
    a worker process (each has its own vl-convert engine); without, in threads of this one."""
    if lang not in ("es", "en", "both"):
        raise UsmxError(f"--lang must be es, en or both; got {lang!r}.")
    langs = list(i18n.LANGS) if lang == "both" else [lang]
    if workers is not None:
        bodies = workers.bodies(data, langs)
    else:
        # the languages render side by side: vl-convert draws one's charts while Python builds the other's
        with ThreadPoolExecutor(max_workers=len(langs)) as pool:
            bodies = list(pool.map(lambda code: body(data, code), langs))
    blocks = "".join(f'<div class="lang lang-{code}" lang="{code}">{b}</div>' for code, b in zip(langs, bodies))
    switch = ""
    if len(langs) > 1:
        switch = (
            f'<nav class="switch" aria-label="{esc(t("language_switch", "es"))}">'
            '<button type="button" data-set-lang="es" aria-pressed="true">Español</button>'
            '<button type="button" data-set-lang="en" aria-pressed="false">English</button></nav>'
        )
    first = langs[0]
    return Template(_asset("templates/report.html")).substitute(
        lang=first,
        title=esc(t("title", first)),
        css=_asset("static/report.css"),
        switch=switch,
        blocks=blocks,
        script=f"<script>{_asset('static/report.js')}</script>" if len(langs) > 1 else "",
    )


def write(data: ReportData, output: str | Path, lang: str = "both", workers: Workers | None = None) -> Path:
    """Write the report atomically and return its path."""
    text = render(data, lang, workers)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(output)
    return output
