"""A new warehouse state is handed out only once its answers are computed: readers get the old state's cached
answers meanwhile and the new state's from the cache as soon as it is out (issue 27, item 14)."""

from __future__ import annotations

import shutil
import socket
import threading
import time

import httpx
import pytest

from usmx import Observatory
from usmx.web import app as web_app
from usmx.web.app import create_app

COUNT = (
    "counts:\n  - {id: warm-test, quantity: extraditions, period: 2019, value: 1, unit: persons, "
    "publisher: usmx test (synthetic), url: 'https://example.org/usmx-test', accessed: 2026-01-02}\n"
)


@pytest.fixture
def served(loaded_db, tmp_path, monkeypatch):
    import uvicorn

    # a short dashboard, so that the warm-ups are quick
    monkeypatch.setattr(web_app, "dashboard_urls", lambda cat: {"headline": "/api/indicators/homicide_headline"})
    shutil.copy(loaded_db, tmp_path / "w.duckdb")
    app = create_app(tmp_path / "w.duckdb", warm=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    yield app, f"http://127.0.0.1:{port}", tmp_path / "w.duckdb"
    srv.should_exit = True
    thread.join(10)


def _wait(predicate, seconds: float = 120) -> None:
    end = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.1)


def test_a_new_state_is_warmed_before_it_is_handed_out(served, tmp_path):
    app, base, db = served
    cache, publisher, warmer = app.state.cache, app.state.publisher, app.state.warmer
    url = "/api/indicators/homicide_victims?by=year"
    first = httpx.get(base + url, timeout=120).json()["snapshot"]
    _wait(lambda: warmer.warmed >= 1)  # the start-up warm-up computed the (short) dashboard
    assert cache.urls(first)[:2] and url in cache.urls(first)
    (tmp_path / "count.yaml").write_text(COUNT, encoding="utf-8")
    Observatory(db).ingest(tmp_path / "count.yaml")  # a new state
    seen = set()

    def handed_out() -> bool:
        snap = httpx.get(base + "/healthz", timeout=120).json()["snapshot"]
        seen.add(snap)
        return snap != first

    _wait(handed_out)
    second = publisher.current_key()
    assert seen == {first, second} and publisher.pending is None
    # the new state's answer was computed before it was handed out: in the cache already, and the old state's gone
    assert url in cache.urls(second) and "/api/indicators/homicide_headline" in cache.urls(second)
    assert cache.urls(first) == []
    before = warmer.warmed
    assert httpx.get(base + url, timeout=5).json()["snapshot"] == second
    assert warmer.warmed == before


def test_a_request_cannot_ask_for_an_unpublished_state(served):
    """The warm-up's header carries a secret made at start-up: a client that sends the header gets the current
    state, never a copy being prepared."""
    app, base, _ = served
    current = httpx.get(base + "/healthz", timeout=120).json()["snapshot"]
    got = httpx.get(base + "/healthz", headers={"x-usmx-warm": "guess:abc"}, timeout=120).json()["snapshot"]
    assert got == current
