"""The server as a public surface: only declared, bounded parameters; no file access; a budget per request; strict
headers and hosts; server paths never shown; long answers paged. Each case here was found by an adversarial run."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from usmx import cli
from usmx.web.app import create_app


@pytest.fixture(scope="module")
def client(loaded_db, tmp_path_factory):
    import shutil

    d = tmp_path_factory.mktemp("hardening")
    shutil.copy(loaded_db, d / "w.duckdb")
    with TestClient(create_app(d / "w.duckdb"), base_url="http://127.0.0.1") as c:
        yield c


@pytest.mark.parametrize(
    ("url", "words"),
    [
        # paths, engines and raw-file globs are the CLI's only: the server never lists, reads or unzips its files
        ("/api/indicators/cooperation_events?events=/etc/*", "takes no parameter events"),
        ("/api/indicators/cooperation_index?engine=pyspark", "takes no parameter engine"),
        # unbounded numbers are refused before anything is computed
        ("/api/indicators/fentanyl_seizures_vs_overdoses?max_lag=99999999999999999999", "max_lag"),
        ("/api/indicators/market_breadth?draws=200000", "draws"),
        ("/api/indicators/anomalies?min_count=x", "min_count"),
        ("/api/indicators/anomalies?threshold=nan", "threshold"),
        ("/api/indicators/homicide_victims?state=" + "x" * 500, "state"),
        ("/api/indicators/homicide_victims?page_size=100000", "page_size"),
    ],
)
def test_undeclared_or_unbounded_parameters_are_refused_quickly(client, url, words):
    t0 = time.perf_counter()
    r = client.get(url)
    assert r.status_code == 422 and words in r.text, r.text
    assert time.perf_counter() - t0 < 5


def test_no_request_gets_a_500(client):
    for url in ("/static/%00", "/static/..%2F..%2Fetc%2Fpasswd", "/static/.env", "/api/audit/%00",
                "/api/indicators/%00", "/api/evaluate/its?indicator=../../x"):  # fmt: skip
        r = client.get(url)
        assert 400 <= r.status_code < 500, (url, r.status_code, r.text)


def test_security_headers_and_hosts(client):
    r = client.get("/")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
    assert "<script>" not in r.text  # no inline script for the policy to forbid
    assert client.get("/api/catalog", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/api/catalog", headers={"Host": "localhost:8000"}).status_code == 200


def test_allow_host_widens_the_allow_list(loaded_db):
    app = create_app(loaded_db, allowed_hosts=("usmx.example.org",))
    with TestClient(app, base_url="http://usmx.example.org") as c:
        assert c.get("/api/catalog").status_code == 200
        assert c.get("/api/catalog", headers={"Host": "other.example"}).status_code == 400


def test_loads_show_file_names_never_server_paths(client):
    rows = client.get("/api/loads").json()["rows"]
    assert rows and all("raw_path" not in r for r in rows)
    assert all("/" not in r["file_name"] for r in rows)


def test_long_answers_are_paged(client):
    first = client.get("/api/indicators/homicide_victims?by=month&page_size=10")
    doc = first.json()
    assert len(doc["rows"]) == 10 and doc["page"] == 1 and doc["pages"] == -(-doc["total_rows"] // 10)
    assert first.headers["x-total-rows"] == str(doc["total_rows"])
    second = client.get("/api/indicators/homicide_victims?by=month&page_size=10&page=2").json()
    assert second["rows"][0]["period"] > doc["rows"][-1]["period"]
    assert (
        client.get(f"/api/indicators/homicide_victims?by=month&page_size=10&page={doc['pages'] + 1}").status_code == 404
    )


def test_openapi_lists_every_parameter_with_its_bounds(client):
    spec = client.get("/openapi.json").json()
    ccf = {p["name"]: p for p in spec["paths"]["/api/indicators/fentanyl_seizures_vs_overdoses"]["get"]["parameters"]}
    assert ccf["max_lag"]["schema"]["anyOf"][0]["maximum"] == 36
    assert "events" not in {p["name"] for p in spec["paths"]["/api/indicators/cooperation_events"]["get"]["parameters"]}
    by = {p["name"]: p for p in spec["paths"]["/api/indicators/homicide_victims"]["get"]["parameters"]}["by"]
    assert by["schema"]["enum"] == ["month", "year", "administration", "state"]


def test_a_request_over_its_budget_gets_a_503_and_the_server_goes_on(loaded_db, tmp_path):
    import shutil

    shutil.copy(loaded_db, tmp_path / "w.duckdb")
    with TestClient(create_app(tmp_path / "w.duckdb", budget_seconds=0.05), base_url="http://127.0.0.1") as c:
        slow = c.get("/api/indicators/peace_index")  # over a second of work
        assert slow.status_code == 503 and "budget" in slow.json()["detail"]
        assert c.get("/api/catalog").status_code == 200  # the server answers others meanwhile
        for _ in range(100):  # the computation went on, and its answer was kept
            time.sleep(0.1)
            again = c.get("/api/indicators/peace_index")
            if again.status_code == 200:
                break
        assert again.status_code == 200 and again.json()["rows"]


def test_the_docs_work_offline(client):
    page = client.get("/docs")
    assert page.status_code == 200 and "static/swagger-ui-bundle.js" in page.text and "cdn" not in page.text.lower()
    assert client.get("/static/swagger-ui-bundle.js").status_code == 200


@pytest.mark.parametrize(
    "args",
    [
        ["anomalies", "-p", "min_count=x"],
        ["fentanyl_seizures_vs_overdoses", "-p", "max_lag=99999999999999999999"],
        ["market_breadth", "-p", "draws=200000"],
        ["anomalies", "-p", "threshold=inf"],
        ["homicide_victims", "-p", "feminicide=maybe"],
        ["crime_rate_per_100k", "-p", "measure=weight"],
        ["peace_index", "-p", "year=20233"],
        ["anomalies", "-p", "since=2024-13"],
        ["cooperation_index", "-p", "smooth=0"],
    ],
)
def test_the_cli_refuses_the_same_values_with_exit_2(loaded, capsys, args):
    assert cli.main(["indicator", *args, "--db", str(loaded.db)]) == 2
    assert args[-1].split("=")[0] in capsys.readouterr().err


def test_an_answer_over_the_memory_budget_is_a_503_and_the_server_goes_on(loaded_db, tmp_path, monkeypatch):
    """DuckDB gets USMX_SERVE_MEMORY per answer: a request that needs more is refused with a reason, the others are
    answered."""
    import shutil

    shutil.copy(loaded_db, tmp_path / "w.duckdb")
    monkeypatch.setenv("USMX_SERVE_MEMORY", "1MB")
    with TestClient(create_app(tmp_path / "w.duckdb"), base_url="http://127.0.0.1") as c:
        heavy = c.get("/api/indicators/crime_rate_per_100k?by=month&level=state")
        assert heavy.status_code == 503 and "more memory than this server gives one request" in heavy.json()["detail"]
        assert c.get("/healthz").status_code == 200
    monkeypatch.setenv("USMX_SERVE_MEMORY", "2GB")
    with TestClient(create_app(tmp_path / "w.duckdb"), base_url="http://127.0.0.1") as c:
        assert c.get("/api/indicators/crime_rate_per_100k?by=month&level=state").status_code == 200
