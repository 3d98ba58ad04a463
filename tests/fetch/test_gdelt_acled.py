"""usmx fetch gdelt and usmx fetch acled against local servers speaking the real protocols."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests import synthetic
from usmx import cli
from usmx.errors import FetchError, UsmxError

from ..sources.test_gdelt_acled_ledger import PLANTED


class Server(BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    master: bytes = b""
    index: bytes = b""
    hits: dict[str, int] = {}
    pages: list[list[dict]] = []
    deleted: list[str] = []
    token_requests: list[dict] = []
    endless: str | None = None  # "fresh": every page full of new events; "same": every page the first one

    def log_message(self, *a):
        pass

    def _send(self, code, body: bytes, ctype="application/octet-stream"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlparse(self.path)
        Server.hits[url.path] = Server.hits.get(url.path, 0) + 1
        if url.path == "/gdeltv2/masterfilelist.txt":
            return self._send(200, Server.master, "text/plain")
        if url.path == "/events/index.html":
            return self._send(200, Server.index, "text/html")
        if url.path.startswith(("/gdeltv2/", "/events/")):
            name = url.path.rsplit("/", 1)[-1]
            if name.startswith("2019010100") and Server.hits[url.path] == 1:
                return self._send(503, b"busy")  # one flaky file: retried
            return self._send(200, Server.files[name]) if name in Server.files else self._send(404, b"")
        if self.headers.get("Authorization") != "Bearer tok-123":
            return self._send(401, b"{}", "application/json")
        if url.path == "/api/acled/read":
            q = parse_qs(url.query)
            page = int(q["page"][0])
            assert q["country"] == ["Mexico"] and q["_format"] == ["json"]
            data = Server.pages[page - 1] if page <= len(Server.pages) else []
            if Server.endless:
                n = page if Server.endless == "fresh" else 1
                size = int(q["limit"][0])
                data = [{"event_id_cnty": f"MEX{n}-{i}", "event_date": "2020-01-01"} for i in range(size)]
            return self._send(
                200, json.dumps({"status": 200, "count": len(data), "data": data}).encode(), "application/json"
            )
        if url.path == "/api/deleted/read":
            body = {"data": [{"event_id_cnty": d, "deleted_timestamp": 1700000000} for d in Server.deleted]}
            return self._send(200, json.dumps(body).encode(), "application/json")
        return self._send(404, b"")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        form = parse_qs(self.rfile.read(length).decode())
        Server.token_requests.append(form)
        if self.path.startswith("/redirect/"):  # a token endpoint that sends the client elsewhere
            self.send_response(307)
            self.send_header("Location", "http://evil.example.invalid/oauth/token")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/html/"):
            return self._send(200, b"<html>maintenance</html>", "text/html")
        if form.get("username") == ["analyst@example.org"] and form.get("password") == ["s3cret"]:
            return self._send(
                200, json.dumps({"access_token": "tok-123", "expires_in": 86400}).encode(), "application/json"
            )
        return self._send(401, b'{"error": "invalid_grant"}', "application/json")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = tmp_path_factory.mktemp("srv")
    paths = synthetic.write_gdelt_events(d, 3000, months=6, files=3)
    lines = []
    for i, p in enumerate(paths):
        name = ["20190101000000", "20190101001500", "20190102000000"][i] + ".export.CSV.zip"
        body = p.read_bytes()
        Server.files[name] = body
        lines.append(f"{len(body)} {hashlib.md5(body).hexdigest()} http://HOST/gdeltv2/{name}")
        lines.append(f"12345 {'0' * 32} http://HOST/gdeltv2/{name.replace('export', 'mentions')}")
    lines.append(f"999 {'1' * 32} http://HOST/gdeltv2/20190301000000.export.CSV.zip")  # outside the range
    # GDELT 1.0: a daily file (58 columns) and a yearly backfile (57 columns) cut from the real sample, zipped as
    # GDELT serves them, listed on an index page the way GDELT's is (link, size in MB, MD5)
    index = ["<html><body><ul>"]
    for name, rows in _gdelt1_files().items():
        body = _zip(name, rows)
        Server.files[name] = body
        index.append(f'<LI><A HREF="{name}">{name}</A> (0.1MB) (MD5: {hashlib.md5(body).hexdigest()})</LI>')
    index.append('<LI><A HREF="1979.zip">1979.zip</A> (2.5MB) (MD5: ' + "2" * 32 + ")</LI></ul></body></html>")
    Server.index = "\n".join(index).encode()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Server)
    host = f"127.0.0.1:{httpd.server_address[1]}"
    Server.master = "\n".join(lines).replace("HOST", host).encode()
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://{host}"
    httpd.shutdown()


def test_gdelt_fetch_downloads_verifies_resumes(obs, server):
    from datetime import date

    master = f"{server}/gdeltv2/masterfilelist.txt"
    res = obs.fetch("gdelt", since=date(2019, 1, 1), until=date(2019, 1, 31), url=master, workers=3, backoff=0.01)
    assert (res.counts["listed"], res.counts["skipped"], res.counts["downloaded"], res.failed) == (3, 0, 3, [])
    assert obs.sql("SELECT count(*) AS n FROM core_gdelt__events").to_pylist()[0]["n"] == 3000
    assert Server.hits["/gdeltv2/20190101000000.export.CSV.zip"] == 2  # the flaky one was retried
    # a second run skips what it has
    again = obs.fetch("gdelt", since=date(2019, 1, 1), until=date(2019, 1, 31), url=master, backoff=0.01)
    assert (again.counts["skipped"], again.counts["downloaded"]) == (3, 0)


GDELT1_SAMPLE = Path(__file__).parents[2] / "src/usmx/data/gdelt/gdelt1_events_20130203-20160728.sample.tsv.gz"


def _gdelt1_files() -> dict[str, list[bytes]]:
    lines = gzip.decompress(GDELT1_SAMPLE.read_bytes()).splitlines(keepends=True)
    return {
        "20130401.export.CSV.zip": [ln for ln in lines if ln.count(b"\t") == 57][:50],
        "2005.zip": [ln for ln in lines if ln.count(b"\t") == 56][:40],
    }


def _zip(name: str, rows: list[bytes]) -> bytes:
    """A zip as GDELT 1.0 serves it: ``20130401.export.CSV.zip`` holds ``20130401.export.CSV``, ``2005.zip``
    holds ``2005.csv``."""
    member = name.removesuffix(".zip") if name.endswith(".CSV.zip") else name.replace(".zip", ".csv")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, b"".join(rows))
    return buf.getvalue()


def test_gdelt_before_2015_comes_from_gdelt_1_daily_files_and_backfiles(obs, server):
    from datetime import date

    res = obs.fetch("gdelt", since=date(2005, 6, 1), until=date(2013, 4, 1), index_url=f"{server}/events/index.html",
        url=f"{server}/gdeltv2/masterfilelist.txt", backoff=0.01,
    )  # fmt: skip
    # the 1979 backfile is outside the range; GDELT 2.0 is not asked (its exports start in February 2015)
    assert (res.counts["listed"], res.counts["downloaded"], res.failed) == (2, 2, [])
    assert {r.kind for r in res.loads} == {"gdelt1_events"} and sum(r.rows for r in res.loads) == 90
    rows = obs.sql(
        "SELECT count(source_url) AS urls, count(*) AS n, min(date_added) AS first FROM core_gdelt__events"
    ).to_pylist()[0]
    assert rows == {"urls": 50, "n": 90, "first": 20130203000000}  # backfile rows have no URL


def test_gdelt_1_md5_mismatch_is_reported(obs, server):
    from datetime import date

    original = Server.index
    Server.index = re.sub(rb"MD5: [0-9a-f]{32}", b"MD5: " + b"f" * 32, original, count=1)
    try:
        res = obs.fetch(
            "gdelt",
            since=date(2013, 4, 1),
            until=date(2013, 4, 1),
            index_url=f"{server}/events/index.html",
            backoff=0.01,
            ingest=False,
        )
        assert res.counts["downloaded"] == 0 and "the publisher's list says md5 ffff" in res.failed[0]
    finally:
        Server.index = original


def test_gdelt_md5_mismatch_stores_nothing(obs, server):
    from datetime import date

    original = Server.master
    Server.master = original.replace(
        hashlib.md5(Server.files["20190102000000.export.CSV.zip"]).hexdigest().encode(), b"f" * 32
    )
    try:
        res = obs.fetch(
            "gdelt",
            since=date(2019, 1, 2),
            until=date(2019, 1, 2),
            url=f"{server}/gdeltv2/masterfilelist.txt",
            backoff=0.01,
        )
    finally:
        Server.master = original
    assert res.counts["downloaded"] == 0 and "md5" in res.failed[0]
    assert not list(obs.raw.root.rglob("*.zip"))


def test_acled_fetch_with_oauth_pagination_and_deletions(obs, server, monkeypatch, tmp_path):
    import csv

    rows = list(csv.DictReader(synthetic.write_acled_events(tmp_path / "a.csv", PLANTED).open(encoding="utf-8")))
    Server.pages = [rows[:3], rows[3:6], rows[6:]]
    Server.deleted = ["MEX2"]
    monkeypatch.delenv("ACLED_ACCESS_TOKEN", raising=False)
    monkeypatch.setenv("ACLED_USERNAME", "analyst@example.org")
    monkeypatch.setenv("ACLED_PASSWORD", "s3cret")
    res = obs.fetch("acled", url=server, page_size=3)
    assert (res.counts["events"], res.counts["pages"], res.counts["deleted_dropped"]) == (7, 3, 1)
    ids = set(obs.sql("SELECT event_id_cnty FROM core_acled__events").column("event_id_cnty").to_pylist())
    assert ids == {r["id"] for r in PLANTED} - {"MEX2"}
    assert Server.token_requests[-1]["grant_type"] == ["password"]
    # credentials never reach the raw store or the warehouse
    stored = b"".join(p.read_bytes() for p in obs.raw.root.rglob("*") if p.is_file())
    assert b"s3cret" not in stored and b"tok-123" not in stored
    assert "s3cret" not in json.dumps(obs.sql("SELECT * FROM loads").to_pylist(), default=str)


def test_acled_needs_credentials_from_the_environment(obs, server, monkeypatch):
    for v in ("ACLED_ACCESS_TOKEN", "ACLED_USERNAME", "ACLED_PASSWORD"):
        monkeypatch.delenv(v, raising=False)
    with pytest.raises(UsmxError, match="ACLED_USERNAME and ACLED_PASSWORD"):
        obs.fetch("acled", url=server)
    monkeypatch.setenv("ACLED_USERNAME", "analyst@example.org")
    monkeypatch.setenv("ACLED_PASSWORD", "wrong")
    with pytest.raises(FetchError, match="refused the credentials"):
        obs.fetch("acled", url=server)


def test_cli_fetch_gdelt(tmp_path, server, capsys):
    code = cli.main(
        [
            "fetch",
            "gdelt",
            "--from",
            "2019-01-01",
            "--to",
            "2019-01-01",
            "--url",
            f"{server}/gdeltv2/masterfilelist.txt",
            "--db",
            str(tmp_path / "g.duckdb"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "2 export files listed" in out
    assert cli.main(["fetch", "gdelt", "--db", str(tmp_path / "g.duckdb")]) == 2


def test_acled_credentials_never_follow_a_redirect_nor_go_over_plain_http(obs, server, monkeypatch):
    monkeypatch.setenv("ACLED_USERNAME", "analyst@example.org")
    monkeypatch.setenv("ACLED_PASSWORD", "s3cret")
    monkeypatch.delenv("ACLED_ACCESS_TOKEN", raising=False)
    Server.token_requests.clear()
    with pytest.raises(FetchError, match="redirect to 'http://evil.example.invalid/oauth/token'.*does not send"):
        obs.fetch("acled", url=f"{server}/redirect")
    assert len(Server.token_requests) == 1  # posted once, to the address given; never re-posted elsewhere
    with pytest.raises(FetchError, match="refused to send credentials over http"):
        obs.fetch("acled", url="http://acled.example.invalid")
    with pytest.raises(FetchError, match="did not give a token.*not JSON"):
        obs.fetch("acled", url=f"{server}/html")


def test_cli_fetch_gdelt_refuses_a_bad_date(tmp_path, capsys):
    code = cli.main(
        ["fetch", "gdelt", "--from", "2024-13-01", "--to", "2024-12-31", "--db", str(tmp_path / "w.duckdb")]
    )
    assert code == 2 and "--from '2024-13-01' is not a date" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("mode", "env", "error"),
    [
        ("fresh", {}, "ACLED kept sending full pages past 5; stopped, nothing was stored"),
        ("same", {}, "page 2 repeats page 1 .the server ignores the page number.; stopped, nothing was stored"),
        ("fresh", {"USMX_MAX_DOWNLOAD_BYTES": "3000"}, "the answers passed 3,000 bytes in all; nothing was stored"),
    ],
)
def test_acled_paging_stops_at_its_page_byte_and_repeat_limits(obs, server, monkeypatch, mode, env, error):
    """A server that never stops paging took 8.9 GB in 60 s: pages now go to disk as they come, and the fetch stops
    at the page limit, the byte limit or a repeated page, storing nothing."""
    from usmx.fetch import acled

    monkeypatch.setattr(acled, "MAX_PAGES", 5)
    monkeypatch.setattr(Server, "endless", mode)
    monkeypatch.setenv("ACLED_ACCESS_TOKEN", "tok-123")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(FetchError, match=error):
        obs.fetch("acled", url=server, page_size=10)
    assert not [p for p in obs.raw.root.rglob("*") if p.is_file()]
