"""Downloads against a local HTTP server on 127.0.0.1 serving the real kit files."""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from usmx import cli
from usmx.errors import FetchError, UsmxError
from usmx.fetch import targets
from usmx.fetch.http import download

from ..conftest import CONAPO_STATE, DATA, STATE_CRIMES

#: more real files the server hands out, by a word in the requested path
SERVED = {
    "od_statemonths": DATA / "cdc" / "us-overdoses_od_statemonths_2015-01_2025-04.json.gz",
    "homicide-rates": DATA / "inegi_occurrence" / "mexico-state-month-homicide-rates-2000-2022.csv.gz",
    "homicides-mx-data": DATA / "sspc" / "padeci_daily_homicides_2021-01_2021-03.sample.tar.gz",
}


class Handler(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}
    ranges: list[str | None] = []

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        n = Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        body = STATE_CRIMES.read_bytes() if "IDEFC" in self.path else CONAPO_STATE.read_bytes()
        for name, path in SERVED.items():  # the real files, uncompressed, as their hosts serve them
            if name in self.path:  # an archive is served as it is stored (GitHub's .tar.gz)
                body = path.read_bytes() if self.path.endswith(".tar.gz") else gzip.decompress(path.read_bytes())
        if self.path.startswith("/flaky/") and n == 1:
            self.send_error(500)
            return
        if self.path.startswith("/down/"):
            self.send_error(503)
            return
        if self.path.startswith("/missing/"):
            self.send_error(404)
            return
        if self.path.startswith(("/resume/", "/norange/")):  # cut off once, then (for /resume/) the rest by Range
            Handler.ranges.append(self.headers.get("Range"))
            wanted = self.headers.get("Range")
            if wanted and self.path.startswith("/resume/"):
                start = int(wanted.split("=")[1].split("-")[0])
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                self.send_header("Content-Length", str(len(body) - start))
                self.send_header("Accept-Ranges", "bytes")
                self.end_headers()
                self.wfile.write(body[start:])
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            self.wfile.write(body if n > 1 and self.path.startswith("/norange/") else body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if self.path.startswith("/page/"):  # a bot-check or login page where the file should be
            page = b"\n<!DOCTYPE html><html><head><title>Un momento</title></head><body>...</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        if self.path.startswith("/loop/"):
            self.send_response(302)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path.startswith("/truncated/"):
            self.wfile.write(body[: len(body) // 3])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _stored(obs):
    root = obs.raw.root
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_flaky_endpoint_succeeds_after_a_retry(obs, server):
    Handler.hits.clear()
    url = f"{server}/flaky/IDEFC_NM_dic2020.csv.gz"
    (res,) = obs.fetch("sesnsp-state-crimes", url, backoff=0.01).loads
    assert Handler.hits["/flaky/IDEFC_NM_dic2020.csv.gz"] == 2
    assert res.status == "loaded" and res.rows == 18_816 * 12
    sha = hashlib.sha256(STATE_CRIMES.read_bytes()).hexdigest()
    assert _stored(obs) == [f"{sha}.csv.gz", f"{sha}.csv.gz.json"]
    origin = obs.sql("SELECT file_name FROM loads").to_pylist()[0]["file_name"]
    assert origin == url


def test_truncated_body_fails_and_stores_nothing(obs, server):
    with pytest.raises(FetchError, match=r"truncated body.*nothing was stored"):
        obs.fetch("sesnsp-state-crimes", f"{server}/truncated/IDEFC.csv.gz", backoff=0.01, retries=1)
    assert _stored(obs) == []
    assert obs.sql("SELECT count(*) AS n FROM loads").to_pylist()[0]["n"] == 0


def test_server_errors_give_up_after_retries(obs, server):
    Handler.hits.clear()
    with pytest.raises(FetchError, match=r"after 3 attempts \(HTTP 503\)"):
        obs.fetch("conapo-state-population", f"{server}/down/pop.csv", backoff=0.01, retries=2)
    assert Handler.hits["/down/pop.csv"] == 3
    assert _stored(obs) == []


def test_not_found_is_not_retried(obs, server):
    Handler.hits.clear()
    with pytest.raises(FetchError, match="HTTP 404"):
        obs.fetch("conapo-state-population", f"{server}/missing/pop.csv", backoff=0.01)
    assert Handler.hits["/missing/pop.csv"] == 1


def test_checksum_mismatch_stores_nothing(obs, server):
    with pytest.raises(FetchError, match="does not match the expected"):
        obs.fetch("conapo-state-population", f"{server}/ok/pop.csv.gz", sha256="0" * 64)
    assert _stored(obs) == []


def test_no_ingest_only_stores_and_refetch_reuses_the_stored_file(obs, server, tmp_path):
    sha = hashlib.sha256(CONAPO_STATE.read_bytes()).hexdigest()
    (stored,) = obs.fetch("conapo-state-population", f"{server}/ok/pop.csv.gz", ingest=False, sha256=sha).stored
    path = stored.path
    assert path.name == f"{sha}.csv.gz"
    (res,) = obs.fetch("conapo-state-population", f"{server}/ok/pop.csv.gz").loads
    assert res.status == "loaded" and res.kind == "conapo_state_population"
    assert _stored(obs) == [f"{sha}.csv.gz", f"{sha}.csv.gz.json"]


def test_sources_without_a_stable_link_explain_the_manual_download(obs):
    with pytest.raises(UsmxError, match=r"no stable download link.*bot check.*gob.mx/sesnsp"):
        obs.fetch("sesnsp-state-victims")
    with pytest.raises(UsmxError, match="unknown source"):
        obs.fetch("nope")


def test_every_target_names_an_official_page_and_a_known_kind():
    from usmx import sources

    for target in targets().values():
        assert target.page.startswith("https://")
        assert target.kind in sources.kinds()
        # GDELT's file server speaks plain http only; every other link is https
        assert target.url is None or target.url.startswith(("https://", "http://data.gdeltproject.org/"))
        assert target.license


def test_download_directly(tmp_path, server):
    got = download(f"{server}/ok/IDEFC.csv.gz", tmp_path, backoff=0.01)
    assert got.bytes == STATE_CRIMES.stat().st_size and got.attempts == 1
    assert got.path.parent == tmp_path and got.path.name.endswith(".part")


def test_cli_fetch(tmp_path, server, capsys):
    db = tmp_path / "c.duckdb"
    code = cli.main(["fetch", "sesnsp-state-crimes", "--url", f"{server}/ok/IDEFC.csv.gz", "--db", str(db)])
    assert code == 0
    assert "loaded 225,792 rows" in capsys.readouterr().out


def test_permanent_failures_are_not_retried(tmp_path, server):
    Handler.hits.clear()
    with pytest.raises(FetchError, match="HTTP 404"):
        download(f"{server}/missing/x.csv", tmp_path, backoff=0.01)
    assert Handler.hits["/missing/x.csv"] == 1
    with pytest.raises(FetchError, match="http.s. addresses only"):
        download("file:///etc/passwd", tmp_path, backoff=0.01)
    with pytest.raises(FetchError, match="too many redirects"):
        download(f"{server}/loop/x.csv", tmp_path, backoff=0.01)
    assert not list(tmp_path.glob("*.part"))


def test_downloads_have_a_size_cap_and_leave_no_part_file(tmp_path, server):
    with pytest.raises(FetchError, match="more than the 1,000 allowed"):
        download(f"{server}/ok/IDEFC.csv.gz", tmp_path, backoff=0.01, max_bytes=1000)
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize(
    ("target", "path", "kind", "rows", "licence"),
    [
        ("cdc-overdoses-states", "/gh/viz/output/od_statemonths.json", "cdc_overdose_states_json", 52 * 124, "Public"),
        (
            "inegi-homicides-occurrence",
            "/gh/data/mexico-state-month-homicide-rates-2000-2022.csv",
            "inegi_homicide_occurrence_state",
            8832,
            "CC BY 4.0",
        ),
        (
            "sspc-daily-homicides",
            "/gh/PADeCI/homicides-mx-data/archive/refs/heads/master.tar.gz",
            "sspc_daily_homicides",
            None,
            "Not stated",
        ),
    ],
)
def test_the_new_sources_fetch_and_load_with_their_licence(obs, server, target, path, kind, rows, licence):
    (res,) = obs.fetch(target, f"{server}{path}").loads
    assert (res.status, res.kind) == ("loaded", kind) and (rows is None or res.rows == rows)
    assert targets()[target].license.startswith(licence)


def test_an_html_page_is_not_kept_and_the_error_names_the_url(obs, server):
    url = f"{server}/page/IDEFC_NM_dic2020.csv"
    with pytest.raises(FetchError, match=re.escape(url) + r": the server sent a web page \(HTML\), not a data file"):
        obs.fetch("sesnsp-state-crimes", url=url)
    assert _stored(obs) == []


def test_an_error_in_a_fetched_file_names_its_url_not_the_raw_path(obs, server):
    """The load's errors name where the file came from: the raw store's hashed name means nothing to the user."""
    url = f"{server}/x/IDEFC_NM_dic2020.csv"
    with pytest.raises(UsmxError) as info:
        obs.fetch("conapo-state-population", url=url)  # the state crimes file is not CONAPO's
    assert str(info.value).startswith(url) and str(obs.raw.root) not in str(info.value)


def test_looks_like_html():
    from usmx.fetch.http import looks_like_html

    assert looks_like_html(b"  <!doctype HTML><html>")
    assert looks_like_html(b"<?xml version='1.0'?><html xmlns='x'>")
    assert looks_like_html(b"<div>oops</div>", "text/html; charset=utf-8")
    assert not looks_like_html(b"anio,clave_ent\n2020,01\n", "text/html")  # a CSV mislabelled by its server
    assert not looks_like_html(b"\x1f\x8b\x08\x00")


def test_a_download_cut_off_resumes_from_the_byte_it_stopped_at(server, tmp_path):
    """The server sends half the file and drops the connection; the next attempt asks for the rest (Range) and the
    file is whole, with the whole file's sha256."""
    Handler.ranges.clear()
    whole = CONAPO_STATE.read_bytes()
    got = download(f"{server}/resume/conapo.csv.gz", tmp_path, retries=2, backoff=0)
    assert got.resumed and got.attempts == 2
    assert got.path.read_bytes() == whole and got.sha256 == hashlib.sha256(whole).hexdigest()
    assert Handler.ranges == [None, f"bytes={len(whole) // 2}-"]
    assert [p.name for p in tmp_path.iterdir()] == [got.path.name]


def test_a_server_that_ignores_range_sends_it_all_again_and_the_file_is_still_whole(server, tmp_path):
    Handler.ranges.clear()
    whole = CONAPO_STATE.read_bytes()
    got = download(f"{server}/norange/conapo.csv.gz", tmp_path, retries=2, backoff=0)
    assert not got.resumed and got.path.read_bytes() == whole
    assert Handler.ranges[1] is not None  # it was asked for the rest, and answered 200 with everything


def test_a_download_that_never_completes_leaves_no_partial_file(server, tmp_path):
    with pytest.raises(FetchError, match="truncated body"):
        download(f"{server}/truncated/conapo.csv.gz", tmp_path, retries=1, backoff=0)
    assert list(tmp_path.iterdir()) == []
