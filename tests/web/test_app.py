"""The read-only API: the same answers and messages as the CLI, cached per warehouse state, never a 500."""

from __future__ import annotations

import csv
import io

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from usmx.web.app import create_app


@pytest.fixture(scope="module")
def client(loaded_db, tmp_path_factory):
    import shutil

    d = tmp_path_factory.mktemp("serve")
    shutil.copy(loaded_db, d / "w.duckdb")
    with TestClient(create_app(d / "w.duckdb"), base_url="http://127.0.0.1") as c:
        c.db = d / "w.duckdb"  # type: ignore[attr-defined]
        yield c


def test_health_and_the_registry(client):
    h = client.get("/healthz").json()
    assert h["status"] == "ok" and h["loads"] >= 40 and len(h["snapshot"]) == 16
    reg = {i["name"]: i for i in client.get("/api/indicators").json()}
    assert "homicide_victims" in reg and "cooperation_scorecard" in reg
    assert reg["cooperation_scorecard"]["grains"] == ["year", "month", "administration"]
    assert reg["homicide_victims"]["label_es"] and reg["homicide_victims"]["definition_en"]


def test_an_indicator_equals_the_python_api_in_json_csv_and_parquet(client, loaded):
    want = loaded.indicator("homicide_victims_daily_average", by="administration").to_pylist()
    got = client.get("/api/indicators/homicide_victims_daily_average", params={"by": "administration"}).json()
    assert got["columns"][:2] == ["administration", "value"] or "value" in got["columns"]
    assert [r["value"] for r in got["rows"]] == pytest.approx([r["value"] for r in want])
    text = client.get("/api/indicators/homicide_victims_daily_average?by=administration&format=csv").text
    assert [float(r["value"]) for r in csv.DictReader(io.StringIO(text))] == pytest.approx([r["value"] for r in want])
    blob = client.get("/api/indicators/homicide_victims_daily_average?by=administration&format=parquet").content
    assert pq.read_table(io.BytesIO(blob)).column("value").to_pylist() == pytest.approx([r["value"] for r in want])


def test_state_filters_and_spanish_names_as_in_the_cli(client, loaded):
    a = client.get("/api/indicators/homicide_victims?by=month&state=Sinaloa").json()["rows"]
    b = client.get("/api/indicators/homicide_victims?by=month&state=25").json()["rows"]
    want = loaded.indicator("homicide_victims", by="month", state="25").to_pylist()
    assert a == b and [r["value"] for r in a] == [r["value"] for r in want] and len(a) > 100


@pytest.mark.parametrize(
    "url, status, words",
    [
        ("/api/indicators/homicide_victim", 404, "did you mean homicide_victims"),
        ("/api/indicators/homicide_victims?by=week", 422, "by must be one of"),
        ("/api/indicators/homicide_victims?colour=red", 422, "takes no parameter colour"),
        ("/api/indicators/homicide_victims?state=Atlantis", 422, "Atlantis"),
        ("/api/indicators/homicide_victims?format=xlsx", 422, ""),
        ("/api/evaluate/its?intervention=2024-13", 422, ""),
        ("/api/claims?lang=fr", 422, ""),
        ("/api/audit/reclasification", 404, "did you mean reclassification"),
    ],
)
def test_bad_requests_get_the_cli_message_never_a_500(client, url, status, words):
    r = client.get(url)
    assert r.status_code == status, r.text
    assert words in r.text


def test_refusals_are_mapped_by_their_class_not_their_words():
    """A message that happens to say 'unknown indicator' is not a 404; an UnknownNameError is, whatever it says."""
    from usmx.errors import MissingFileError, ParameterError, UnknownNameError, UsmxError
    from usmx.web.app import status_of

    assert status_of(UsmxError("unknown indicator in the text")) == 422
    assert status_of(UnknownNameError("no such thing")) == 404
    assert status_of(ParameterError("bad")) == 422
    assert status_of(MissingFileError("no warehouse")) == 503


def test_claims_loads_tables_and_a_cached_evaluation(client):
    es = client.get("/api/claims?lang=es").json()
    assert len(es["rows"]) == 8 and es["rows"][0]["claim"]
    assert any(t["name"] == "core_ledger__counts" for t in client.get("/api/tables").json())
    assert client.get("/api/loads").json()["rows"]
    first = client.get("/api/evaluate/its").json()
    assert first["effect_pct"] is not None and first["snapshot"]
    cache = client.app.state.cache
    n = len(cache.items)
    assert client.get("/api/evaluate/its").json() == first and len(cache.items) == n  # served from the cache


def test_no_endpoint_writes(client):
    for path in ("/api/indicators/homicide_victims", "/api/loads", "/healthz"):
        assert client.post(path).status_code == 405
        assert client.delete(path).status_code == 405
    assert "/api/sql" not in client.get("/openapi.json").json()["paths"]


def test_the_server_publishes_a_new_snapshot_after_a_load_and_keeps_serving_during_one(client, tmp_path):
    import duckdb

    from usmx import Observatory

    before = client.get("/healthz").json()
    # while a writer holds the warehouse, the copy cannot be taken: the last one keeps answering
    writer = duckdb.connect(str(client.db))
    try:
        writer.execute("CREATE TABLE _touch AS SELECT 1 AS x")
        writer.execute("CHECKPOINT")
        pub = client.app.state.publisher
        pub._checked = 0.0
        during = client.get("/api/indicators/homicide_victims?by=year")
        assert during.status_code == 200 and during.json()["snapshot"] == before["snapshot"]
    finally:
        writer.execute("DROP TABLE _touch")
        writer.close()
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        "counts:\n  - {id: x1, quantity: extraditions, period: 2019, value: 58, unit: persons, publisher: A, "
        "url: 'https://example.org/a', accessed: 2026-01-02}\n",
        encoding="utf-8",
    )
    Observatory(client.db).ingest(mine)
    client.app.state.publisher._checked = 0.0
    after = client.get("/healthz").json()
    assert after["snapshot"] != before["snapshot"] and after["loads"] == before["loads"] + 1
    rows = client.get("/api/indicators/cooperation_scorecard?by=year").json()["rows"]
    assert any(r["component"] == "extraditions" and r["basis"] == "count" for r in rows)


@pytest.mark.slow  # several seconds: CI runs it
def test_a_concurrent_ingest_leaves_every_response_valid(loaded_db, tmp_path):
    """Requests run without pause (the server re-checks the warehouse before each) while `ingest` loads three
    files: every answer is a 200 with the expected rows, the loads all succeed, and the server ends on the new
    state."""
    import shutil
    import subprocess
    import sys
    import threading

    shutil.copy(loaded_db, tmp_path / "w.duckdb")
    app = create_app(tmp_path / "w.duckdb")
    app.state.publisher.recheck = 0.0
    bad: list[str] = []
    seen: set[str] = set()
    done = threading.Event()
    with TestClient(app, base_url="http://127.0.0.1") as c:
        first = c.get("/healthz").json()

        def hammer() -> None:
            while not done.is_set():
                for url in ("/healthz", "/api/indicators/homicide_victims?by=year", "/api/loads"):
                    r = c.get(url)
                    if r.status_code != 200:
                        bad.append(f"{url}: {r.status_code} {r.text[:200]}")
                        continue
                    body = r.json()
                    seen.add(body["snapshot"])
                    if url != "/healthz" and not body["rows"]:
                        bad.append(f"{url}: no rows")

        thread = threading.Thread(target=hammer)
        thread.start()
        try:
            files = []
            for i in range(3):
                f = tmp_path / f"counts{i}.yaml"
                f.write_text(
                    f"counts:\n  - {{id: c{i}, quantity: extraditions, period: {2015 + i}, value: {50 + i}, "
                    "unit: persons, publisher: A, url: 'https://example.org/a', accessed: 2026-01-02}\n",
                    encoding="utf-8",
                )
                files.append(f)
            # `usmx ingest` in its own process, as a user runs it beside the server
            runs = [
                subprocess.run([sys.executable, "-m", "usmx", "ingest", str(f), "--db", str(tmp_path / "w.duckdb")],
                               capture_output=True, text=True, timeout=120)
                for f in files
            ]  # fmt: skip
        finally:
            done.set()
            thread.join(60)
        assert [r.returncode for r in runs] == [0, 0, 0], [r.stderr for r in runs]
        assert bad == []
        last = c.get("/healthz").json()
        assert last["loads"] == first["loads"] + 3 and last["snapshot"] in seen | {last["snapshot"]}


@pytest.mark.slow
def test_concurrent_first_requests_to_every_kind_of_endpoint_all_succeed(loaded_db, tmp_path):
    """Cold answers computed side by side in the server's threads share one DuckDB instance per file: no endpoint
    may change settings that the others' connections need (a locked configuration once broke Ibis's connect)."""
    import shutil
    from concurrent.futures import ThreadPoolExecutor

    shutil.copy(loaded_db, tmp_path / "w.duckdb")
    urls = [
        "/api/ledger", "/api/loads", "/api/tables", "/api/audit/reclassification", "/api/claims?lang=es",
        "/api/indicators/homicide_victims?by=year", "/api/indicators/cooperation_scorecard?by=year",
        "/api/indicators/crime_rate_per_100k?group=kidnapping&by=month&level=state&measure=victims", "/healthz",
    ]  # fmt: skip
    import socket
    import threading
    import time

    import httpx
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(tmp_path / "w.duckdb"), host="127.0.0.1", port=port,
                                        log_level="critical"))  # fmt: skip
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    try:
        while not srv.started:
            time.sleep(0.05)
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(lambda u: (u, httpx.get(f"http://127.0.0.1:{port}{u}", timeout=300).status_code),
                                  urls * 2))  # fmt: skip
    finally:
        srv.should_exit = True
        thread.join(10)
    assert [u for u, code in codes if code != 200] == []
    ledger = TestClient(create_app(tmp_path / "w.duckdb"), base_url="http://127.0.0.1").get("/api/ledger").json()
    assert len(ledger["rows"]) == 23 and all(r["url"].startswith("https://") for r in ledger["rows"])


def test_the_app_never_locks_the_settings_of_a_shared_database_instance():
    """Observatory.sql locks its connection's settings; in one process DuckDB shares the database instance of a
    file between connections, so that lock would stop the next Ibis connection (it sets the time zone) while the
    server computes answers side by side. The app reads the warehouse through indicators, evaluations, audits and
    plain read-only connections only."""
    import inspect
    import re

    from usmx.web import app

    source = inspect.getsource(app)
    assert not re.search(r"\b(o|obs|home|observatory\(\w*\))\.sql\(", source) and "lock_configuration" not in source
    assert "con.sql(" in source  # the ledger's plain read-only query


def test_status_says_how_current_each_table_is_in_both_languages(client):
    es = client.get("/api/status?lang=es").json()
    rows = {r["table"]: r for r in es["rows"]}
    assert rows["core_sesnsp__state_victims_monthly"]["status"] == "stale"  # June 2025, on 2026-12-06
    assert rows["core_sesnsp__state_victims_monthly"]["note"].startswith("Víctimas por entidad")
    en = client.get("/api/status").json()
    assert en["rows"][0]["note"] != es["rows"][0]["note"]
    assert client.get("/api/status?lang=fr").status_code == 422
