"""Report content: every number comes from an indicator, both languages follow their conventions."""

from __future__ import annotations

import re
from datetime import date

import pytest

from usmx import i18n
from usmx.report import data as report_data


@pytest.fixture(scope="module")
def html_both(reported_db, tmp_path_factory):
    from usmx import Observatory

    obs = Observatory(reported_db)
    path = obs.report(tmp_path_factory.mktemp("rep") / "report.html", "both")
    return path.read_text(encoding="utf-8"), obs


def test_report_is_self_contained(html_both):
    text, _ = html_both
    assert not re.search(r'<(script|link|img)[^>]+(src|href)=["\']https?://', text)
    assert "@import" not in text and "url(http" not in text
    assert text.count("<svg") >= 18  # nine charts in each language


def test_report_shows_the_indicator_figures(html_both):
    text, obs = html_both
    head = obs.indicator("homicide_headline").to_pylist()[0]
    assert i18n.number(head["latest_value"], "es", 1) in text and i18n.number(head["latest_value"], "en", 1) in text
    for r in obs.indicator("crime_rate_per_100k", by="last_12_months", measure="victims").to_pylist()[:5]:
        assert i18n.number(r["value"], "es", 1) in text
    # provenance: every loaded file's sha256 is listed
    for sha in obs.sql("SELECT sha256 FROM loads").column("sha256").to_pylist():
        assert sha in text
    assert "Fuentes y procedencia" in text and "Sources and provenance" in text


def test_single_language_reports(html_both, tmp_path):
    _, obs = html_both
    es = obs.report(tmp_path / "es.html", "es").read_text(encoding="utf-8")
    assert 'lang="es"' in es and 'class="lang lang-en"' not in es and "data-set-lang=" not in es
    en = obs.report(tmp_path / "en.html", "en").read_text(encoding="utf-8")
    assert "At a glance" in en and "En resumen" not in en
    with pytest.raises(Exception, match="--lang must be"):
        obs.report(tmp_path / "x.html", "fr")


def test_empty_warehouse_report_says_how_to_load(obs, tmp_path):
    text = obs.report(tmp_path / "empty.html", "en").read_text(encoding="utf-8")
    assert "No data loaded for this section" in text and "usmx ingest" in text


def test_cli_report(html_both, tmp_path, capsys):
    from usmx import cli

    _, obs = html_both
    code = cli.main(["report", "--db", str(obs.db), "--lang", "es", "--output", str(tmp_path / "r.html")])
    assert code == 0 and (tmp_path / "r.html").exists()
    assert "report written to" in capsys.readouterr().out


@pytest.mark.slow
def test_collect_uses_only_indicators(html_both):
    _, obs = html_both
    from usmx import warehouse

    with warehouse.opened(obs.db, read_only=True) as con:
        loads = warehouse.ledger_rows(con)
    data = report_data.collect(obs.ibis(), loads, obs.indicators())
    assert set(data.timings) <= {i.name for i in obs.indicators()} | {"evaluation"}


def test_evaluation_section_states_effect_interval_and_caveats(html_both):
    text, obs = html_both
    assert "¿Funciona la estrategia?" in text and "Is the strategy working?" in text
    assert "intervalo de 95 %" in text and "95% interval" in text
    assert "Lo que esto puede y no puede decir" in text and "What this can and cannot say" in text
    assert "¿Se están reclasificando homicidios?" in text


@pytest.mark.slow
def test_event_sections_say_how_to_fetch_when_empty_and_render_when_loaded(html_both, tmp_path):
    import shutil

    from tests import synthetic
    from usmx import Observatory

    from ..sources.test_gdelt_acled_ledger import PLANTED

    text, obs = html_both
    # the demo's GDELT sample is drawn and said to be a sample; ACLED is not bundled: how to fetch it
    assert "Solo hay 4 meses de eventos de GDELT cargados (una muestra)" in text and "ACLED_USERNAME" in text
    assert "<code>usmx fetch gdelt --from 2018-01-01 --to 2025-12-31</code>" in text
    assert "Registro de eventos bilaterales" in text and "Ledger of bilateral events" in text
    db = tmp_path / "e.duckdb"
    shutil.copy(obs.db, db)
    full = Observatory(db)
    full.ingest(
        *synthetic.write_gdelt_events(tmp_path / "gd", 5000, months=84, start="2018-01", files=1),
        synthetic.write_acled_events(tmp_path / "acled.csv", PLANTED),
    )
    html = full.report(tmp_path / "full.html", "en").read_text(encoding="utf-8")
    assert "usmx fetch gdelt --from" not in html and "ACLED_USERNAME" not in html
    assert "Events by state in 2024" in html and "Jalisco New Generation Cartel (CJNG)" in html
    assert html.count("<svg") >= 10


@pytest.mark.slow
def test_disappearances_sit_beside_homicides_when_loaded_and_say_why_when_not(html_both, loaded, tmp_path):
    from types import SimpleNamespace

    from tests.sources.test_rnpdno import FILES, SHARED
    from usmx.report.sections_mexico import section_disappearances

    text, _ = html_both
    demo = text.split('id="en-disappearances"')[1].split("</section>")[0]  # the demo bundles a 2022-2025 sample
    assert "<svg" in demo and "RNPDNO (Segob)</a>" in demo
    empty = section_disappearances(SimpleNamespace(disappearances=[]), "en")  # type: ignore[arg-type]
    assert "No RNPDNO extract loaded" in empty and "usmx fetch rnpdno" in empty
    if not SHARED.exists():
        pytest.skip("needs ../shared/data")
    for path in FILES.values():
        loaded.ingest(path)
    page = loaded.report(tmp_path / "r.html", "both").read_text("utf-8")
    section = page.split('id="en-disappearances"')[1].split("</section>")[0]
    assert "Disappearances beside homicides" in section and "<svg" in section
    assert "provisional" in section and "RNPDNO (Segob)</a>" in section
    assert "Desapariciones junto a homicidios" in page


def test_federal_crimes_are_charted_by_group(html_both):
    text, obs = html_both
    section = text.split('id="en-federal"')[1].split("</section>")[0]
    assert "Federal crimes beyond homicide" in section and "<svg" in section
    for label in ("Firearms and explosives law (LFAFE)", "Hydrocarbons law (fuel theft; recorded from 2019)"):
        assert label in section
    assert "SESNSP IDEFF</a>" in section and "(cut-off July 2025)" in section
    assert "Delitos federales más allá del homicidio" in text


def test_sources_that_end_long_before_the_newest_data_say_so_in_red(html_both):
    text, _ = html_both
    stale = re.findall(r'class="stale">([^<]*)', text)
    # the newest observed month is SESNSP's March 2026 (the 2026 methodology's first release; CONAPO's projections
    # to 2070 do not count)
    assert "data end in December 2012, 159 months before the newest data in this report" in stale  # INEGI
    assert not any("June 2025" in s for s in stale)  # SESNSP victims are current
    assert any(s.startswith("los datos terminan en diciembre de 2012") for s in stale)
    # CDC's 2018 sample feeds the same table as its file to 2025: the chart's evidence is current, so no red line
    # under a chart that runs to 2025 (it said "data end in November 2018")
    assert not any("November 2018" in s or "noviembre de 2018" in s for s in stale)
    # population projections reach 2070: that is not a cut-off
    assert "(projections to 2070)" in text and "(proyecciones hasta 2070)" in text and "enero de 2070" not in text
    assert ".stale { color: var(--accent)" in text


def test_the_daily_count_sits_beside_sesnsp_with_the_nowcast_record(html_both):
    from types import SimpleNamespace

    from usmx.report.sections_mexico import _nowcast

    text, _ = html_both
    section = text.split('id="en-daily"')[1].split("</section>")[0]
    assert "The daily preliminary count beside SESNSP" in section and "<svg" in section
    assert "In the 3 complete months where both exist" in section  # January-March 2021 are bundled
    assert "Gabinete de Seguridad (PADeCI)</a>" in section and "No nowcast yet" in section
    assert "El conteo diario preliminar junto al SESNSP" in text
    rows = [
        {"period": date(2020, m, 1), "value": 2900.0, "low": 2800.0, "high": 3000.0, "sesnsp_victims": v,
         "error_pct": (2900 / v - 1) * 100, "status": "checked"}
        for m, v in ((1, 2950.0), (2, 3100.0), (3, 2890.0))
    ] + [{"period": date(2020, 4, 1), "value": 2999.6, "low": 2850.2, "high": 3150.9, "sesnsp_victims": None,
          "error_pct": None, "status": "nowcast"}]  # fmt: skip
    html = _nowcast(SimpleNamespace(nowcast=rows), "en")  # type: ignore[arg-type]
    # errors 1.7%, 6.5%, 0.3%: median 1.7%; the interval held 2 of the 3 published figures
    assert "in the 3 months SESNSP has published, the median error was 1.7% and" in html
    assert "held the published figure in 67% of them" in html
    assert "Latest nowcast, April 2020: 3,000 victims (90% interval 2,850 to 3,151)." in html and "<svg" in html


def test_the_claims_are_tested_in_both_languages(html_both):
    text, _ = html_both
    for lang, title, verdict, how in (
        ("en", "Claims of the debate, tested", "no clear change", "How it is read"),
        ("es", "Las afirmaciones del debate, puestas a prueba", "sin cambio claro", "Cómo se lee"),
    ):
        section = text.split(f'id="{lang}-claims"')[1].split("</section>")[0]
        assert title in section and verdict in section
        assert section.count('<span class="verdict') == 8  # every claim has a verdict, "not measurable" included
        assert section.count("<details>") == 8 and how in section  # and the rule it was read by
        assert '<code translate="no">min_p &gt; placebo_alpha</code>' in section
    # no counted act with activity before December 2018 in the demo, and four months of GDELT: too little
    assert "Counted acts at December 2018 and December 2020 (after ÷ before): none with acts before" in text
    assert "No medible" in text and "Evidence to June 2025" in text


def test_the_measures_beyond_homicide_are_drawn_with_their_intervals(html_both):
    text, _ = html_both
    section = text.split('id="en-measures"')[1].split("</section>")[0]
    assert "The lethal-violence envelope" in section and "Disappeared, not located" in section
    assert "Peace index, 2023: rank with its 90% interval" in section
    assert "Criminal capture index, 2023" in section and "Criminal-market breadth, 2023" in section
    assert section.count("<svg") == 4
    assert "Índice de paz, 2023: lugar con su intervalo de 90 %" in text
    # what moves the capture index's ranks: the Sobol' table beside its chart
    assert "over 1,408 configurations" in section and "normalisation (banded, z-score, rank)" in section
    assert section.count("<tr>") == 1 + 2 + 7  # header, normalisation, aggregation, seven weights
    assert "No component explains more than half" in section


def test_no_english_key_or_unit_leaks_into_the_spanish_report(html_both):
    text, _ = html_both
    es = text.split('id="en-')[0]  # the Spanish half comes first
    for leak in ("(score)", "(crimes)", "(markets)", "(libras) (libras)", "peso de violent_crime", "peso de homicide"):
        assert leak not in es, leak
    assert "(puntaje)" in es and "(delitos)" in es
    if "peso de " in es:  # the capture index's sensitivity table, when its inputs are loaded
        assert "peso de delitos violentos" in es
    assert "1 most peaceful, 5 least" not in text


def test_the_file_table_is_folded(html_both):
    """On a phone the table of files and hashes took 37% of the page: it is folded under a summary now."""
    text, _ = html_both
    section = text.split('<section id="en-sources">')[1].split("</section>")[0]
    assert section.startswith("<h2>") and '<details class="files"><summary>' in section
    assert section.index("<details") < section.index("SHA-256") < section.index("</details>")


def test_the_header_names_the_oldest_evidence_the_report_relies_on(html_both):
    """The tables the report's figures read (its plan), judged by `usmx status`: the oldest is INEGI by year of
    registration (to 2012, in the INEGI-SESNSP comparison), which the status calls stale on 2026-12-06."""
    text, obs = html_both
    found = re.findall(r'<p class="meta oldest ([a-z]*)">([^<]*)</p>', text)
    assert (
        "stale",
        "Oldest evidence this report relies on: INEGI homicides by year of registration, to 2012 (stale; 2025 "
        "should be out by now).",
    ) in found
    assert any(
        s.startswith(
            "La evidencia más antigua en que se apoya este reporte: Homicidios del INEGI por año de registro, "
            "hasta 2012"
        )
        for _, s in found
    )
    # the folded table lists the tables the report read, with their status, and none it did not read
    folded = text[text.index('<details class="status">') :]
    folded = folded[: folded.index("</details>")]
    assert "sesnsp__state_victims_monthly" in folded and "acled__events" not in folded
    data = obs.report_data()
    # a figure the warehouse cannot fill is not planned, so what it would read is not relied on
    assert "core_sesnsp__state_victims_monthly" in data.relies_on and "core_acled__events" not in data.relies_on
