"""Small HTML helpers shared by the report's sections: escaping, tables, source lines, empty-section notes."""

from __future__ import annotations

import html
import re
from collections.abc import Collection
from datetime import date
from typing import Protocol

from .. import catalog, config, i18n
from .._dates import months_between
from ..i18n import t

#: how the report names each kind of file in its source lines
KIND_LABELS = {
    "sesnsp_state_victims": "SESNSP IDVFC_NM",
    "sesnsp_state_crimes": "SESNSP IDEFC_NM",
    "sesnsp_state_crimes_2026": "SESNSP RNID 2026",
    "sesnsp_municipal_crimes": "SESNSP IDM_NM",
    "inegi_homicide_deaths": "INEGI",
    "inegi_homicide_occurrence_state": "INEGI (Gargiulo, Aburto & Floridi 2024)",
    "inegi_homicide_occurrence_municipal": "INEGI by municipality (Gargiulo, Aburto & Floridi 2024)",
    "conapo_state_population": "CONAPO",
    "conapo_municipal_population": "CONAPO",
    "cbp_drug_seizures": "CBP Nationwide Drug Seizures",
    "cbp_amo_drug_seizures": "CBP AMO Drug Seizures",
    "cbp_encounters_state": "CBP Nationwide Encounters",
    "cbp_encounters_aor": "CBP Nationwide Encounters (AOR)",
    "cdc_vsrr_overdose": "CDC NCHS VSRR",
    "cdc_overdose_states_json": "CDC NCHS VSRR (us-overdoses)",
    "gdelt_events": "GDELT 2.0",
    "gdelt1_events": "GDELT 1.0",
    "gdelt_events_table": "GDELT 2.0 (table)",
    "acled_events": "ACLED",
    "ledger_events": "usmx ledger",
    "ofac_sdn": "US Treasury OFAC SDN list",
    "rnpdno_municipal_persons": "RNPDNO (Segob)",
    "sesnsp_state_federal_crimes": "SESNSP IDEFF",
    "sspc_daily_homicides": "Gabinete de Seguridad (PADeCI)",
    "gitoc_country_scores": "GI-TOC Global Organized Crime Index",
}


class HasVintages(Protocol):
    def vintage(self, kind: str) -> date | None: ...

    def data_end(self, kind: str | None = None) -> date | None: ...

    def table_end(self, kind: str) -> date | None: ...


#: a source whose data end this many months before the newest data loaded is flagged in red
STALE_MONTHS = 18


def esc(text: object) -> str:
    return html.escape(str(text))


def link(text: str, url: str | None) -> str:
    """``text`` linked to ``url`` (a publisher's page), marked as a name not to translate."""
    if not url:
        return f'<span translate="no">{esc(text)}</span>'
    return f'<a href="{esc(url)}" translate="no" rel="noopener">{esc(text)}</a>'


def source_line(data: HasVintages, kinds: list[str], lang: str) -> str:
    """'Source: <publisher dataset> (cut-off <month>); ...', each dataset linked to its official page."""
    parts = []
    today = config.today()
    for k in kinds:
        v = data.vintage(k) or data.data_end(k)  # a file without a release date: the last month it covers
        label = link(KIND_LABELS.get(k, k), catalog.kind_page(k))
        if v and v > today:  # population projections: what they reach is not a cut-off
            parts.append(label + esc(f" ({t('projected_to', lang, year=v.year)})"))
            continue
        parts.append(label + (esc(f" ({t('cut_off', lang)} {i18n.month(v, lang)})") if v else ""))
        # behind means the table's evidence ends early, not that one older file of it does
        end, newest = data.table_end(k), data.data_end()
        if end and newest and end < today:
            behind = months_between(end, newest)
            if behind > STALE_MONTHS:
                why = t("stale", lang, end=i18n.month(end, lang), months=behind)
                parts[-1] += f' <span class="stale">{esc(why)}</span>'
    return f'<p class="source">{t("source_line", lang)}: {"; ".join(parts)}; {t("calc", lang)}.</p>'


def table(headers: list[str], rows: list[list[str]], numeric: Collection[int] = frozenset(), cls: str = "") -> str:
    head = "".join(f"<th{' class=num' if i in numeric else ''}>{esc(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td{' class=num' if i in numeric else ''}>{c}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return (
        f'<div class="table-wrap"><table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
        "</table></div>"
    )


def no_data(lang: str) -> str:
    return f'<p class="empty">{prose(t("no_data", lang))}</p>'


def p_value(p: float, lang: str) -> str:
    return f"< {i18n.number(0.001, lang, 3)}" if p < 0.001 else i18n.number(p, lang, 3)


def fiscal_year(fy: int, months: int, lang: str) -> str:
    return f"FY{fy}" + ("" if months == 12 else f" ({months} {t('months_word', lang)})")


#: identifiers inside definitions (parameters, options, names, quoted source values): shown as code, not translated
_CODE = re.compile(
    r"`[^`]+`"  # `quoted`
    r"|--[a-z][a-z-]*(?: '[^']*')?"  # --option 'value'
    r"|\b[a-z]+(?:_[a-z0-9]+)*=[^\s,;)]+"  # key=value
    r"|\b[a-z0-9]+(?:_[a-z0-9]+)+\b"  # snake_case names
    r"|\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b"  # program and code tags: ILLICIT-DRUGS-EO14059
    r'|"[^"]+"'  # "a value as the source writes it"
)


def prose(text: str) -> str:
    """A definition with its identifiers as <code> (the words around them are the language's own)."""
    out, last = [], 0
    for m in _CODE.finditer(text):
        out.append(esc(text[last : m.start()]))
        out.append(f"<code>{esc(m.group(0).strip('`'))}</code>")
        last = m.end()
    out.append(esc(text[last:]))
    return "".join(out)
