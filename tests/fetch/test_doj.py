"""The DOJ press-release fetcher against a local server answering as the DOJ's API does (recorded pages written
here: the API's layout, with releases chosen to exercise every rule), then the indicator and the scorecard."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from usmx.errors import FetchError, UsmxError
from usmx.fetch import fetch
from usmx.fetch.doj import mentions_mexico, plain


def _ts(day: str) -> str:
    return str(int(datetime.fromisoformat(day).replace(hour=15, tzinfo=UTC).timestamp()))


def _release(n: int, day: str, title: str, body: str) -> dict:
    return {
        "uuid": f"u-{n:03d}",
        "title": title,
        "body": body,
        "url": f"https://www.justice.gov/opa/pr/release-{n}",
        "date": _ts(day),
        "component": [{"uuid": "c1", "name": "Office of Public Affairs"}, {"uuid": "c2", "name": "Criminal Division"}],
        "topic": [],
        "teaser": None,
    }


#: newest first, as the API sorts them
RELEASES = [
    _release(9, "2025-03-04", "Fraud scheme sentenced", "<p>A Florida man was sentenced for wire fraud.</p>"),
    _release(8, "2025-02-27", "Twenty-nine defendants transferred from Mexico",
             "<p>Twenty-nine defendants were <b>transferred from Mexico</b> to face charges, including leaders of the "
             "Sinaloa Cartel and the Cártel de Jalisco Nueva Generación. The Department thanks the "
             "Government of Mexico and the Fiscalía General de la República.</p>"),
    _release(7, "2025-02-20", "Cartel leader indicted",
             "<p>A leader of the CJNG was indicted in the Northern District of Illinois. The defendant, a Mexican "
             "national, remains at large.</p>"),
    _release(6, "2025-02-11", "Mexican national extradited",
             "<p>A Mexican national was extradited from Mexico on drug charges, with help from Mexican "
             "authorities.</p>"),
    _release(5, "2025-01-30", "Antitrust settlement", "<p>The Antitrust Division reached a settlement &amp; more.</p>"),
    _release(4, "2025-01-15", "Gulf Cartel plaza boss pleads guilty in Texas",
             "<p>The Gulf Cartel plaza boss, arrested in Reynosa, Mexico, pleaded guilty.</p>"),
    _release(3, "2025-01-03", "New Mexico man sentenced",
             "<p>An Albuquerque, New Mexico, man was sentenced for bank robbery.</p>"),
    _release(2, "2024-12-30", "Older release", "<p>Before the months fetched: Sinaloa Cartel, Mexico.</p>"),
    _release(1, "2024-12-02", "Older still", "<p>Not fetched.</p>"),
]  # fmt: skip
PAGE = 3


class Api(BaseHTTPRequestHandler):
    hits: list[int] = []
    flaky: set[int] = set()

    def log_message(self, *a):
        pass

    def do_GET(self):
        q = parse_qs(urlparse(self.path).query)
        if urlparse(self.path).path == "/not-json":
            return self._send(200, b"<html>maintenance</html>", "text/html")
        page, size = int(q["page"][0]), int(q["pagesize"][0])
        assert q["sort"] == ["date"] and q["direction"] == ["DESC"]
        Api.hits.append(page)
        if page in Api.flaky:
            Api.flaky.discard(page)
            return self._send(503, b"busy")
        doc = {
            "metadata": {"responseInfo": {"status": 200}, "resultset": {"count": len(RELEASES), "pagesize": size,
                                                                        "page": page}},
            "results": RELEASES[page * size : (page + 1) * size],
        }  # fmt: skip
        self._send(200, json.dumps(doc).encode(), "application/json")

    def _send(self, code: int, body: bytes, ctype: str = "text/plain"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def api():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_rules_read_mexico_and_not_new_mexico_alone():
    assert mentions_mexico("extradited from México")
    assert mentions_mexico("a Mexican national")
    assert mentions_mexico("Albuquerque, New Mexico")  # the pattern cannot tell; the categories then must match
    assert plain("<p>A &amp; B</p>\n<b>c</b>") == "A & B c"


def test_fetch_pages_back_to_the_month_retries_and_ingests(obs, api):
    Api.hits.clear()
    Api.flaky = {1}  # the second page fails once: retried
    res = fetch(
        obs.raw,
        "doj-press-releases",
        since=date(2025, 1, 20),
        until=date(2025, 2, 28),
        url=f"{api}/api",
        page_size=PAGE,
        backoff=0.01,
    )
    # whole months: January and February 2025; March is after --to, December 2024 before the first month
    assert (res.counts["first"], res.counts["last"], res.counts["releases"]) == (date(2025, 1, 1), date(2025, 2, 28), 6)
    assert Api.hits == [0, 1, 1, 2]  # page 2 holds December: the fetch stops there
    assert res.counts["mexico"] == 5  # all but the antitrust settlement ("New Mexico" counts as a mention)
    (loaded,) = obs.ingest(res.stored[0].path, kind="doj_press_releases", origin=res.stored[0].origin)
    assert (loaded.kind, loaded.rows) == ("doj_press_releases", 6)
    texts = obs.sql("SELECT count(body_text) AS n, count(*) AS m FROM core_doj__press_releases").to_pylist()
    assert texts == [{"n": 5, "m": 6}]  # the text of the release that does not mention Mexico is not kept
    rows = {(r["period"], r["category"]): r for r in obs.indicator("doj_press_releases").to_pylist()}
    jan, feb = date(2025, 1, 1), date(2025, 2, 1)
    assert rows[(jan, "criminal_groups")]["value"] == 1  # Gulf Cartel; New Mexico's robbery matches nothing
    assert (rows[(jan, "criminal_groups")]["releases"], rows[(jan, "criminal_groups")]["mexico"]) == (3, 2)
    assert rows[(feb, "criminal_groups")]["value"] == 2  # the transfer and the CJNG indictment
    assert rows[(feb, "cooperation")]["value"] == 2  # Government of Mexico / FGR; Mexican authorities
    assert rows[(feb, "extradition")]["value"] == 2  # transferred from Mexico; extradited from Mexico
    assert rows[(jan, "extradition")]["value"] == 0
    years = obs.indicator("doj_press_releases", by="year").to_pylist()
    assert {(r["category"], r["value"]) for r in years} == {("criminal_groups", 3), ("cooperation", 2),
                                                            ("extradition", 2)}  # fmt: skip
    card = {(r["period"], r["component"]): r for r in obs.indicator("cooperation_scorecard", by="month").to_pylist()}
    assert card[(feb, "doj_extraditions")]["value"] == 2
    assert card[(feb, "doj_criminal_groups")]["unit"] == "press releases"
    # fetching the same months again stores nothing new and loads nothing new
    again = fetch(
        obs.raw, "doj-press-releases", since=date(2025, 1, 1), until=date(2025, 2, 28), url=f"{api}/api", page_size=PAGE
    )
    assert again.stored[0].path == res.stored[0].path


def test_fetch_refuses_what_is_not_the_api_and_bad_ranges(obs, api):
    with pytest.raises(FetchError, match="not JSON; is this the DOJ's API"):
        fetch(obs.raw, "doj-press-releases", since=date(2025, 1, 1), url=f"{api}/not-json")
    with pytest.raises(UsmxError, match="before --from"):
        fetch(obs.raw, "doj-press-releases", since=date(2025, 3, 1), until=date(2025, 1, 31), url=f"{api}/api")
    with pytest.raises(FetchError, match="no press releases between 2020-01-01 and 2020-01-31"):
        fetch(
            obs.raw,
            "doj-press-releases",
            since=date(2020, 1, 1),
            until=date(2020, 1, 31),
            url=f"{api}/api",
            page_size=PAGE,
        )
    assert not list((obs.raw.root / "doj").glob("*.jsonl.gz")) if (obs.raw.root / "doj").exists() else True


def test_fetch_stops_at_its_byte_and_page_limits(obs, api, monkeypatch):
    from usmx.fetch import doj

    Api.flaky = set()
    monkeypatch.setenv("USMX_MAX_DOWNLOAD_BYTES", "500")
    with pytest.raises(FetchError, match="the answers passed 500 bytes in all; nothing was stored"):
        fetch(obs.raw, "doj-press-releases", since=date(2025, 1, 1), url=f"{api}/api", page_size=PAGE)
    monkeypatch.delenv("USMX_MAX_DOWNLOAD_BYTES")
    monkeypatch.setattr(doj, "MAX_PAGE_BYTES", 100)
    with pytest.raises(FetchError, match="the answer for page 0 passed 100 bytes, more than one page holds"):
        fetch(obs.raw, "doj-press-releases", since=date(2025, 1, 1), url=f"{api}/api", page_size=PAGE)
    assert not list((obs.raw.root / "doj").glob("*.jsonl.gz")) if (obs.raw.root / "doj").exists() else True


def test_cli_fetch_doj(tmp_path, api, capsys):
    from typer.testing import CliRunner

    from usmx.cli import app

    db = tmp_path / "w.duckdb"
    args = ["fetch", "doj-press-releases", "--url", f"{api}/api", "--from", "2025-02-01", "--to", "2025-02-28"]
    res = CliRunner().invoke(app, [*args, "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "3 press releases 2025-02-11 … 2025-02-27, 3 mentioning Mexico" in res.output
    from usmx import cli

    capsys.readouterr()
    assert cli.main(["fetch", "doj-press-releases", "--url", f"{api}/api", "--db", str(db)]) == 2
    assert "needs --from YYYY-MM-DD" in capsys.readouterr().err
