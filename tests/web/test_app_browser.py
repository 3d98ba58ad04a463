"""The dashboard as a reader uses it, in real headless Chromium against `usmx serve`'s app on loopback: charts and
the map drawn, a filter changes the chart and the URL, the permalink restores the view, a tooltip shows a value,
the language switch changes every label, the CSV download equals the API, no console error, no request leaves
the host; and the static site from `usmx site` works the same with no server behind it."""

from __future__ import annotations

import csv
import functools
import http.server
import io
import os
import shutil
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="chromium not installed"),
]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(loaded_db, tmp_path_factory):
    import uvicorn

    from usmx.web.app import create_app

    d = tmp_path_factory.mktemp("dash")
    shutil.copy(loaded_db, d / "w.duckdb")
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(d / "w.duckdb"), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}", d / "w.duckdb"
    srv.should_exit = True
    thread.join(10)


class Page:
    """A Chromium page that records console errors and refuses (and records) any request off this machine."""

    def __init__(self, browser, width: int = 1100) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page = browser.new_page(viewport={"width": width, "height": 900}, accept_downloads=True)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def route(r):
            host = urlparse(r.request.url).hostname
            if r.request.url.startswith(("data:", "blob:", "file:")) or host in ("127.0.0.1", "localhost"):
                return r.continue_()
            self.outside.append(r.request.url)
            return r.abort()

        self.page.route("**/*", route)

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_selector("body[data-ready=true]", timeout=180_000)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "CI must install Debian's chromium (see .ci/run)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _series_path(page) -> str:
    return page.locator("#c-series svg path[aria-roledescription='line mark']").first.get_attribute("d") or ""


def test_the_dashboard_draws_filters_links_and_downloads(server, browser, tmp_path):
    base, _ = server
    p = Page(browser)
    p.open(base + "/")
    pg = p.page
    # every section drawn: the series, the map (geoshapes), the rest
    for chart in ("c-series", "c-map", "c-disappearances", "c-municipal", "c-federal", "c-seizures", "c-overdoses",
                  "c-encounters", "c-scorecard", "c-evaluation", "c-peace"):  # fmt: skip
        assert pg.locator(f"#{chart} svg").count() >= 1, chart
    assert pg.locator("#c-map svg path[aria-roledescription='geoshape']").count() >= 32
    assert pg.locator("#c-municipal svg g.layer_0_marks path").count() == 2457  # every municipality's shape
    assert pg.locator("#c-municipal svg path[aria-roledescription='geoshape']").count() > 1000  # with a value
    assert pg.locator("#b-claims tr").count() == 9
    # a filter changes the chart and the URL
    before = _series_path(pg)
    pg.select_option("#f-state", "25")
    pg.wait_for_selector("body[data-ready=true]")
    pg.select_option("#f-group", "kidnapping")
    pg.wait_for_selector("body[data-ready=true]")
    assert "state=25" in pg.url and "group=kidnapping" in pg.url
    after = _series_path(pg)
    assert after and after != before
    assert "Secuestro" in pg.inner_text("#c-series") and "Sinaloa" in pg.inner_text("#c-series")
    # the permalink restores the view in a fresh page
    link = pg.get_attribute("#permalink", "href")
    q = Page(browser)
    q.open(base + link)
    assert q.page.input_value("#f-state") == "25" and q.page.input_value("#f-group") == "kidnapping"
    assert _series_path(q.page) == after
    # a tooltip shows a value
    point = pg.locator("#c-series svg path[aria-roledescription='point']").nth(5)
    point.hover()
    pg.wait_for_selector("#vg-tooltip-element.visible", timeout=10_000)
    assert any(ch.isdigit() for ch in pg.inner_text("#vg-tooltip-element"))
    # the CSV under the chart holds the API's numbers
    with pg.expect_download() as info:
        pg.locator("#c-series .downloads a[data-kind=csv]").click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text("utf-8"))))
    api = pg.evaluate(
        "async () => (await (await fetch('/api/indicators/crime_rate_per_100k?group=kidnapping&by=month"
        "&level=state&measure=victims')).json()).rows.filter(r => r.state_code === '25').map(r => r.value)"
    )
    assert [float(r["value"]) for r in rows] == pytest.approx(api)
    assert p.errors == [] and q.errors == [] and p.outside == [] and q.outside == []


def test_the_language_switch_changes_every_label(server, browser):
    base, _ = server
    p = Page(browser)
    p.open(base + "/?lang=es")
    labels = p.page.locator("[data-t]")
    es = labels.all_inner_texts()
    p.page.click("button[data-lang=en]")
    p.page.wait_for_selector("body[data-ready=true]")
    en = labels.all_inner_texts()
    assert "lang=en" in p.page.url and p.page.get_attribute("html", "lang") == "en"
    same = [a for a, b in zip(es, en) if a == b]
    assert not same, same
    assert "National" in p.page.inner_text("#f-state") and "Kidnapping" in p.page.inner_text("#f-group")
    assert p.errors == []


def test_at_phone_width_nothing_scrolls_sideways(server, browser):
    base, _ = server
    p = Page(browser, width=390)
    p.open(base + "/")
    assert p.page.evaluate("document.documentElement.scrollWidth") <= 390
    assert p.errors == []


def test_the_static_site_works_with_no_server(server, browser, tmp_path):
    """`usmx site` writes a copy that opens from disk (file://) and over any static host, with every view."""
    from usmx.web.site import export

    _, db = server
    res = export(db, tmp_path / "site", data_dir=tmp_path / "site_data")
    assert res["missing"] == 0 and (tmp_path / "site" / "data" / "catalog.json").exists()
    p = Page(browser)
    p.open((tmp_path / "site" / "index.html").as_uri() + "?state=25&group=kidnapping&lang=en")
    assert p.page.locator("#c-map svg path[aria-roledescription='geoshape']").count() >= 32
    assert "Kidnapping" in p.page.inner_text("#c-series") and p.page.locator("#b-claims tr").count() == 9
    assert p.page.locator("#c-municipal svg g.layer_0_marks path").count() == 18  # Sinaloa's shapes only
    assert p.errors == [] and p.outside == []
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "site"))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        q = Page(browser)
        q.open(f"http://127.0.0.1:{httpd.server_address[1]}/?lang=es")
        assert q.page.locator("#c-scorecard svg").count() == 1 and q.errors == [] and q.outside == []
    finally:
        httpd.shutdown()


#: what the page shows a reader, as JSON: elements wider than the page outside a hinted scroll box, titles and SVG
#: labels cut, each panel's title and scope, and the visible words (not proper names: translate=no, code)
READ = """() => {
  const W = window.innerWidth;
  const cls = (e) => (typeof e.className === 'string' ? e.className : (e.className && e.className.baseVal) || '');
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (cls(e) ? '.' + cls(e).split(' ')[0] : '');
  const hinted = (e) => { const box = e.closest('.scroll-box'); return box && box.querySelector('.scroll-hint'); };
  const wide = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.width > 0 && (r.right > W + 1 || r.left < -1) && !hinted(e)) wide.push(name(e));
  }
  const cut = [];
  for (const e of document.querySelectorAll('h1, h2, h3, .chart-title, .note')) {
    if (e.scrollWidth > e.clientWidth + 1) cut.push(name(e) + ' ' + e.textContent.slice(0, 60));
  }
  for (const t of document.querySelectorAll('svg text')) {
    const svg = t.closest('svg').getBoundingClientRect(), r = t.getBoundingClientRect();
    if (!t.textContent.trim() || r.width === 0) continue;
    const out = r.left < svg.left - 2 || r.right > svg.right + 2 || r.right > W + 1 || r.left < -1;
    if (out) cut.push('svg text ' + t.textContent.slice(0, 60));
  }
  const panels = [...document.querySelectorAll('main section')].filter((s) => s.id !== 's-sources').map((s) => ({
    id: s.id, scopes: [...s.querySelectorAll('h2 .scope, h3 .scope')].map((x) => x.textContent),
    heads: [...s.querySelectorAll('h2, h3')].length,
  }));
  const words = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const n = walk.currentNode, p = n.parentElement;
    const hidden = '[translate=no], code, script, style, details:not([open]) > :not(summary)';
    if (!p || p.closest(hidden)) continue;
    if (p.closest('select') && !p.closest('option:checked')) continue;
    words.push(n.textContent);
  }
  return { wide: [...new Set(wide)].slice(0, 20), cut: cut.slice(0, 20), panels, text: words.join(' ') };
}"""


def _vocabulary() -> dict[str, list[str]]:
    """Each language's words as usmx writes them: the dashboard's strings and the package's (strings/*.yaml)."""
    import json

    from usmx import i18n
    from usmx.web.app import static_file

    doc = json.loads((static_file("strings.json") or Path()).read_text("utf-8"))

    def flat(v) -> list[str]:
        return [x for y in v.values() for x in flat(y)] if isinstance(v, dict) else [v] if isinstance(v, str) else []

    return {lang: list(doc[lang].values()) + flat(i18n.strings(lang)) for lang in ("es", "en")}


def _leaks(lang: str, text: str) -> list[str]:
    """Words and phrases of the other language on a page in ``lang``: a lowercase word of four letters or more that
    only the other language uses (capitalised words are names: Baja California, Diario Oficial), and any whole
    phrase of the other language's dashboard strings ("Download CSV")."""
    import re

    vocab = _vocabulary()
    other = "en" if lang == "es" else "es"
    words = lambda texts: {w for t in texts for w in re.findall(r"[^\W\d_]{4,}", t.lower())}  # noqa: E731
    foreign = words(vocab[other]) - words(vocab[lang])
    found = {w for w in re.findall(r"\b[^\W\d_A-Z]{4,}\b", text) if w in foreign}
    mine = set(vocab[lang])
    phrases = {p for p in vocab[other][:200] if " " in p and len(p) < 60 and p not in mine and p in text}
    return sorted(found | phrases)


@pytest.mark.parametrize("width", [1400, 390])
@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_view_reads_at_desktop_and_phone_width_in_both_languages(server, browser, lang, width):
    """With a state chosen: nothing wider than the page (outside a scroll box with a hint), no title or chart label
    cut, every panel's title says the state or that it is national, no word of the other language; a screenshot of
    each view goes to benchmarks/screens/ (CI keeps them)."""
    base, _ = server
    p = Page(browser, width=width)
    p.open(f"{base}/?lang={lang}&state=25")
    seen = p.page.evaluate(READ)
    shots = Path(__file__).parents[2] / "benchmarks" / "screens"
    shots.mkdir(parents=True, exist_ok=True)
    p.page.screenshot(path=str(shots / f"dashboard-{lang}-{width}-sinaloa.png"), full_page=True)
    assert seen["wide"] == [], seen["wide"]
    assert seen["cut"] == [], seen["cut"]
    national = {"es": "Nacional", "en": "National"}[lang]
    for panel in seen["panels"]:
        assert panel["scopes"] and len(panel["scopes"]) == panel["heads"], panel
        assert all(
            "Sinaloa" in s or national in s or "Estados Unidos" in s or "United States" in s for s in panel["scopes"]
        ), panel
    leaks = _leaks(lang, seen["text"])
    assert leaks == [], leaks
    assert p.errors == [] and p.outside == []
