"""The report as a reader sees it: headless Chromium opens it, no console errors, charts and map drawn, the
language switch works. A screenshot is saved (USMX_SCREENSHOT_DIR, default: the test's temporary folder)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="chromium not installed")


@pytest.fixture(scope="module")
def report(loaded_db, tmp_path_factory):
    from usmx import Observatory

    out = tmp_path_factory.mktemp("report") / "report.html"
    # a private copy: the report only reads, but the session warehouse is shared
    db = out.parent / "r.duckdb"
    shutil.copy(loaded_db, db)
    Observatory(db).report(out, "both")
    return out


def test_report_renders_in_chromium_and_switches_language(report, tmp_path):
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "CI must install Debian's chromium (see .ci/run)"
    shots = Path(os.environ.get("USMX_SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
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
        # series, counterfactual, map, crime panel, INEGI vs SESNSP, seizures, overdoses, encounters
        # (no cross-correlation chart: the kit's CBP and CDC files do not overlap)
        assert figures.count() == 8
        for i in range(figures.count()):
            svg = figures.nth(i).locator("svg")
            assert svg.count() == 1 and svg.bounding_box()["width"] > 300
        # the map draws all 32 states
        states = es.locator("figure.map svg path[d]")
        assert states.count() >= 32
        headline = es.locator("#headline .big .value").inner_text()
        assert "," in headline  # Spanish decimal comma
        assert "junio de 2025" in es.locator("#headline").inner_text()
        page.screenshot(path=str(shots / "report-es.png"), full_page=True)

        page.click("button[data-set-lang=en]")
        assert en.is_visible() and not es.is_visible()
        assert page.locator("html").get_attribute("lang") == "en"
        assert "June 2025" in en.locator("#headline").inner_text()
        assert "." in en.locator("#headline .big .value").inner_text()
        assert page.locator("button[data-set-lang=en]").get_attribute("aria-pressed") == "true"
        page.screenshot(path=str(shots / "report-en.png"), full_page=True)

        # the language survives a reload through the URL hash
        page.reload()
        assert page.locator(".lang-en").is_visible()
        browser.close()
    assert errors == []
    assert (shots / "report-es.png").stat().st_size > 50_000
