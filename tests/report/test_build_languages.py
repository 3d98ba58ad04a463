"""Each language's page is in that language: labels, legends, units and categories (names of publishers, files and
codes are marked translate="no" and left as they are); the administration table is honest and in order; every
source and ledger event links to its publisher."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from usmx import catalog

#: words that must not appear on the Spanish page, and the reverse (chosen not to be place or person names)
ENGLISH = {"the", "and", "of", "deaths", "victims", "seizures", "encounters", "border", "minors", "adults", "month",
           "months", "year", "state", "national", "other", "events", "drug", "drugs", "pounds", "share", "per", "day",
           "interval", "trend", "source", "sources"}  # fmt: skip
SPANISH = {
    "víctimas",
    "homicidio",
    "nacional",
    "delitos",
    "muertes",
    "decomisos",
    "frente",
    "promedio",
    "sexenio",
    "fuente",
    "meses",
    "año",
    "libras",
    "encuentros",
    "frontera",
    "menores",
    "otras",
    "otros",
    "por",
    "las",
    "cada",
}  # fmt: skip  (not "del" or "los": Cártel del Noreste, Los Mochis)


class _Visible(HTMLParser):
    """The text a reader sees (SVG labels included), minus what is marked not to translate and code."""

    SKIP = {"style", "script", "code"}

    def __init__(self):
        super().__init__()
        self.stack: list[bool] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "meta", "link", "path", "rect", "line", "circle", "stop", "input", "img"):
            return
        skip = tag in self.SKIP or dict(attrs).get("translate") == "no"
        self.stack.append(skip or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag):
        if tag in ("br", "meta", "link", "path", "rect", "line", "circle", "stop", "input", "img"):
            return
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.text.append(data)


def visible_words(page: str) -> set[str]:
    parser = _Visible()
    parser.feed(page)
    return {w.lower() for w in re.findall(r"[A-Za-zÁÉÍÓÚÑáéíóúñü]+", " ".join(parser.text))}


@pytest.fixture(scope="module")
def pages(reported_db, tmp_path_factory):
    from usmx import Observatory

    d = tmp_path_factory.mktemp("langs")
    obs = Observatory(reported_db)
    return {lang: obs.report(d / f"{lang}.html", lang).read_text("utf-8") for lang in ("es", "en")}


def test_the_spanish_page_has_no_english_words(pages):
    found = sorted(visible_words(pages["es"]) & ENGLISH)
    assert found == [], f"English on the Spanish page: {found}"


def test_the_english_page_has_no_spanish_words(pages):
    found = sorted(visible_words(pages["en"]) & SPANISH)
    assert found == [], f"Spanish on the English page: {found}"


def test_the_scan_would_catch_a_stray_word():
    assert "deaths" in visible_words("<p>muertes <b>deaths</b></p>")
    assert "deaths" not in visible_words('<p>muertes <span translate="no">US deaths</span><code>deaths</code></p>')
    assert "deaths" in visible_words("<svg><g><text>deaths</text></g></svg>")


def test_source_categories_are_translated(pages):
    es, en = pages["es"], pages["en"]
    assert "Frontera suroeste" in es and "Menores no acompañados" in es and ">México<" in es
    assert "Southwest border" in en and "Unaccompanied minors" in en and ">Mexico<" in en
    assert "muertes en los 12 meses hasta cada mes" in es and "deaths in the 12 months to each month" in en
    assert "12m" not in re.sub(r"<[^>]+>", " ", es + en)


def test_administrations_are_chronological_and_short_terms_are_flagged(pages):
    for lang, page in pages.items():
        section = page.split(f'id="{lang}-administrations"')[1].split("</section>")[0]
        rows = re.findall(r"<tr>(.*?)</tr>", section)[1:]
        homicide = [r for r in rows if ("Homicidio doloso" if lang == "es" else "Intentional homicide") in r]
        terms = [re.sub(r"<[^>]+>", "", r.split("</td>")[0]) for r in homicide]
        # death records by month of occurrence (2000-2022) cover Calderón's and Peña Nieto's whole terms and López
        # Obrador's to 2022, beside SESNSP's victims (2015 onwards)
        assert terms == ["Calderón", "Peña Nieto", "Peña Nieto", "López Obrador", "López Obrador", "Sheinbaum"], terms
        occurrence = "INEGI (mes de ocurrencia)" if lang == "es" else "INEGI (month of occurrence)"
        assert [occurrence in r for r in homicide] == [True, True, False, True, False, False]
        # Sheinbaum's nine months carry the flag
        flagged = [terms[i] for i, r in enumerate(homicide) if "⚠" in r]
        assert flagged == ["Sheinbaum"], flagged
        assert ("menos de 12 meses" if lang == "es" else "fewer than 12 months") in section


def test_every_source_and_ledger_event_links_to_its_publisher(pages):
    for page in pages.values():
        for line in re.findall(r'<p class="source">(.*?)</p>', page):
            assert '<a href="https://' in line, line
        ledger = page.split('class="ledger"')[1].split("</table>")[0]
        for row in re.findall(r"<tr>(.*?)</tr>", ledger)[1:]:
            assert '<a href="https://' in row.split("</td>")[2], row


def test_every_ledger_row_cites_a_publisher_and_an_https_address():
    import yaml

    for name in ("us_mx_security_events.yaml", "us_mx_cooperation_counts.yaml"):
        doc = yaml.safe_load((catalog._PKG.parent / "data" / "ledger" / name).read_text("utf-8"))
        for row in next(iter(doc.values())):
            assert row["publisher"].strip() and row["url"].startswith("https://"), row["id"]


def test_the_evaluation_headline_shows_interval_and_placebo_rank_beside_its_limits(pages):
    es = pages["es"].split('id="es-evaluation"')[1].split("</section>")[0]
    head = es.split('<ul class="changes details">')[0]
    assert "intervalo de 95 %" in head and "Lugar frente a placebos" in head and "de 74" in head  # 73 earlier dates
    assert "Lo que esto puede y no puede decir" in head
    en = pages["en"].split('id="en-evaluation"')[1].split("</section>")[0].split('<ul class="changes details">')[0]
    assert "95% interval" in en and "Placebo rank" in en and "What this can and cannot say" in en
