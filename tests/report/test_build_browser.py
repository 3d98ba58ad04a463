"""The report as a reader sees it: headless Chromium opens it, no console errors, charts and map drawn, the
language switch works. A screenshot is saved (USMX_SCREENSHOT_DIR, default: the test's temporary folder)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="chromium not installed"),
]


@pytest.fixture(scope="module")
def report(reported_db, tmp_path_factory):
    from usmx import Observatory

    out = tmp_path_factory.mktemp("report") / "report.html"
    Observatory(reported_db).report(out, "both")
    return out


ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def _overlaps(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("width", [390, 1400])
def test_the_report_reads_at_phone_and_desktop_width(report, tmp_path, width):
    """Nothing covers the headings, the page never scrolls sideways (wide charts and tables scroll in their own
    box), and charts keep a readable size; a screenshot of each width is saved."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "CI must install Debian's chromium (see .ci/run)"
    shots = Path(os.environ.get("USMX_SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": 860})
        page.goto(report.as_uri())
        page.wait_for_load_state("load")
        for lang in ("es", "en"):
            page.click(f"button[data-set-lang={lang}]")
            block = page.locator(f".lang-{lang}")
            switch = page.locator("nav.switch").bounding_box()
            for h in block.locator("h1, h2").all()[:6]:
                box = h.bounding_box()
                assert box and not _overlaps(switch, box), f"{width}px: the language switch covers {h.inner_text()!r}"
            assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{width}px: the page overflows"
            for svg in block.locator("figure.chart:not(.map) svg").all():
                assert svg.bounding_box()["width"] >= min(600, width * 0.8), "a chart was squeezed unreadably small"
            page.screenshot(path=str(shots / f"report-{lang}-{width}px.png"), full_page=False)
        browser.close()
    assert (shots / f"report-es-{width}px.png").stat().st_size > 20_000


def test_report_renders_in_chromium_and_switches_language(report, tmp_path):
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "CI must install Debian's chromium (see .ci/run)"
    shots = Path(os.environ.get("USMX_SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(report.as_uri())
        page.wait_for_load_state("load")
        assert errors == []
        # offline: nothing but the file itself is requested
        assert [u for u in requests if not u.startswith("file://")] == []

        es = page.locator(".lang-es")
        en = page.locator(".lang-en")
        assert es.is_visible() and not en.is_visible()
        assert page.locator("html").get_attribute("lang") == "es"
        # charts: every figure in the visible language holds a drawn SVG
        figures = es.locator("figure.chart")
        # series, the daily count beside SESNSP, disappearances beside homicides, federal crimes, counterfactual,
        # map, crime panel, INEGI vs SESNSP, seizures, overdoses (not the seizures-overdoses cross-correlation: no
        # synthetic-opioid series overlaps CBP's seizures), encounters, cooperation (the GDELT sample), the measures
        # beyond homicide (lethal envelope, peace and capture rank intervals, market breadth), and the counted
        # cooperation (the scorecard, the key dates' before and after), and the municipal hot spots
        assert figures.count() == 19
        for i in range(figures.count()):
            svg = figures.nth(i).locator("svg")
            assert svg.count() == 1 and svg.bounding_box()["width"] > 300
        # the map draws all 32 states
        states = es.locator("figure.map svg path[d]")
        assert states.count() >= 32
        headline = es.locator("#es-headline .big .value").inner_text()
        assert "," in headline  # Spanish decimal comma
        assert "junio de 2025" in es.locator("#es-headline").inner_text()
        page.screenshot(path=str(shots / "report-es.png"), full_page=True)

        page.click("button[data-set-lang=en]")
        assert en.is_visible() and not es.is_visible()
        assert page.locator("html").get_attribute("lang") == "en"
        assert "June 2025" in en.locator("#en-headline").inner_text()
        assert "." in en.locator("#en-headline .big .value").inner_text()
        assert page.locator("button[data-set-lang=en]").get_attribute("aria-pressed") == "true"
        page.screenshot(path=str(shots / "report-en.png"), full_page=True)

        # the language survives a reload through the URL hash
        page.reload()
        assert page.locator(".lang-en").is_visible()
        browser.close()
    assert errors == []
    assert (shots / "report-es.png").stat().st_size > 50_000
