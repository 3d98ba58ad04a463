"""The report's counted cooperation: the scorecard drawn, publishers' disagreements, the key dates and their reading."""

from __future__ import annotations

from datetime import date

from usmx import Observatory
from usmx.report import sections_cooperation
from usmx.report.data import ReportData


def _data(cooperation: dict) -> ReportData:
    return ReportData([], [], [], {}, [], [], [], [], [], [], cooperation=cooperation)


def _card(component: str, year: int, value: float, low: float, high: float, sources: str, publishers: int) -> dict:
    return {"period": date(year, 1, 1), "component": component, "value": value, "low": low, "high": high,
            "unit": "persons", "sources": sources, "publishers": publishers, "basis": "count"}  # fmt: skip


def _study(key: str, component: str, finding: str, before=60.0, after=20.0, ratio=0.33, lo=0.2, hi=0.5) -> dict:
    day = {"2018-12": date(2018, 12, 1), "2020-12": date(2020, 12, 18), "2024-10": date(2024, 10, 1)}[key]
    return {"key_date": key, "date": day, "component": component, "unit": "persons per year", "basis": "count",
            "before": before, "before_low": before and before * 0.8, "before_high": before and before * 1.2,
            "after": after, "after_low": after and after * 0.7, "after_high": after and after * 1.3,
            "ratio": ratio, "ratio_low": lo, "ratio_high": hi, "finding": finding}  # fmt: skip


def test_disagreeing_publishers_are_listed_with_each_figure_and_a_fall_is_named():
    card = [
        _card("extraditions", 2019, 60, 58, 66, "Publisher A: 58; Publisher B: 66; Publisher C: 60", 3),
        _card("extraditions", 2020, 30, 30, 30, "Publisher A: 30", 1),
    ]
    studies = [_study("2018-12", "extraditions", "fell"), _study("2024-10", "extraditions", "no clear change")]
    for lang, fell in (("en", "these counted acts fell"), ("es", "estos actos contados cayeron")):
        html = sections_cooperation.counted(_data({"scorecard": card, "studies": studies, "correlation": []}), lang)
        assert "<svg" in html  # the scorecard and the studies drawn
        assert "Publisher A: 58; Publisher B: 66; Publisher C: 60" in html
        assert "58–66" in html
        assert fell in html and ("Extraditions" if lang == "en" else "Extradiciones") in html


def test_nothing_measurable_says_so_and_names_the_gaps():
    card = [_card("transfers", 2025, 55, 55, 55, "FGR: 55", 1)]
    studies = [
        _study("2018-12", "transfers", "not measurable", before=None, after=None, ratio=None),
        _study("2020-12", "transfers", "not measurable", before=None, after=None, ratio=None),
    ]
    html = sections_cooperation.counted(_data({"scorecard": card, "studies": studies, "correlation": []}), "en")
    assert "No counted act can be compared before and after December 2018" in html
    assert "these cannot be compared at those dates: Transfers outside extradition" in html
    assert "the news share (GDELT) is not loaded around those dates" in html
    assert sections_cooperation.counted(_data({}), "en") == ""


def test_the_demo_report_draws_the_counted_cooperation(reported_db, tmp_path):
    page = Observatory(reported_db).report(tmp_path / "r.html", "both").read_text("utf-8")
    for lang, words in (
        ("en", ["Cooperation counted, act by act", "rose from none", "Where publishers disagree",
                "What this shows, and does not show, on &quot;cooperation plummeted&quot;", "Does the news follow"]),
        ("es", ["La cooperación contada, acto por acto", "subió desde cero", "Donde las fuentes discrepan",
                "«la cooperación se desplomó»", "¿Siguen las noticias"]),
    ):  # fmt: skip
        section = page.split(f'id="{lang}-cooperation"')[1].split("</section>")[0]
        for w in words:
            assert w in section, (lang, w)
        assert section.count("<svg") >= 3  # the scorecard, the key dates, the news share
        # the demo's news shares rest on 1 and 21 events: written "too few", not drawn as 0-80% bars
        assert {"en": ">too few<", "es": ">muy pocos<"}[lang] in section
    # the transfers: 29 + 26 in 2025 and 37 in 2026 in the studies' after-rate (68.9 a year after October 2024)
    assert "68.9 (14.5–205.8)" in page.split('id="en-cooperation"')[1]
