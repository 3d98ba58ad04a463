"""No reader waits for a cold cache: a new warehouse state is answered only once its common answers are computed.

When the warehouse changes, :class:`~usmx.web.snapshots.Publisher` copies it, but does not hand the copy out yet: it
passes it to :class:`Warmer`, which asks the app itself (in process, through its ASGI interface, one request at a
time so that readers keep the other worker) every request the cache held for the state being replaced, most recent
first, and every query of the dashboard, against the new copy; then the copy becomes current and the old answers
go. Readers meanwhile get the old state's answers from the cache. At start-up the dashboard's queries are computed
in the background the same way, so that the first reader of the claims does not wait for them.

A request is pointed at the copy being warmed by a header that carries a secret made when the app starts, so no
client can ask for a state that is not published.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

#: the request's path and query string, and the warm header's value, for the handlers (set by :class:`Context`)
URL: contextvars.ContextVar[str] = contextvars.ContextVar("usmx_url", default="")
WARM: contextvars.ContextVar[str] = contextvars.ContextVar("usmx_warm", default="")
HEADER = b"x-usmx-warm"
#: the most requests one warm-up replays (the cache's most recent ones first), and the longest it takes before the
#: new state is handed out anyway (what is not computed by then is computed on demand)
MAX_URLS = 600
MAX_SECONDS = 180.0

log = logging.getLogger("usmx.web")


class Context:
    """ASGI middleware: records the request's URL and warm header in :data:`URL` and :data:`WARM`."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        query = scope.get("query_string", b"").decode("latin-1")
        url = URL.set(scope.get("path", "") + ("?" + query if query else ""))
        warm = WARM.set(dict(scope.get("headers") or []).get(HEADER, b"").decode("latin-1"))
        try:
            await self.app(scope, receive, send)
        finally:
            URL.reset(url)
            WARM.reset(warm)


def dashboard_urls(cat: dict) -> dict[str, str]:
    """Every query of the dashboard, expanded per crime group or per state (and the nation, '00', asked without a
    state): key -> path with its query string."""
    out = {}
    for q in cat["queries"]:
        if q.get("per_state"):
            for code in ["00", *(s["code"] for s in cat["states"])]:
                given = {k: v for k, v in q["params"].items() if not (v == "{state}" and code == "00")}
                params = {k: v.replace("{state}", code) for k, v in given.items()}
                out[q["key"].replace("{state}", code)] = q["path"] + ("?" + urlencode(params) if params else "")
            continue
        for g in cat["groups"] if q.get("per_group") else [None]:
            params = {
                k: v.replace("{group}", g["key"]).replace("{measure}", g["measure"]) if g else v
                for k, v in q["params"].items()
            }
            key = q["key"].replace("{group}", g["key"]) if g else q["key"]
            out[key] = q["path"] + ("?" + urlencode(params) if params else "")
    return out


class Warmer:
    """Computes a snapshot's answers through the app before readers see it (see the module's documentation)."""

    def __init__(self, app: Any, dashboard: Callable[[], list[str]]) -> None:
        self.app = app
        self.dashboard = dashboard
        self.secret = secrets.token_hex(16)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.warmed = 0  # requests replayed, all warm-ups together (tests and the benchmark read it)

    def header(self, key: str) -> str:
        return f"{self.secret}:{key}"

    def asks_for(self, key: str) -> bool:
        """Whether the request being handled is this warmer's, for the snapshot ``key``."""
        return WARM.get() == self.header(key)

    async def replay(self, urls: list[str], key: str | None) -> None:
        """Ask the app for ``urls`` one after another (``key``: against that snapshot, not the current one), for at
        most MAX_SECONDS."""
        import httpx

        headers = {HEADER.decode(): self.header(key)} if key else {}
        transport = httpx.ASGITransport(app=self.app)
        deadline = asyncio.get_running_loop().time() + MAX_SECONDS
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=None) as client:
            for url in dict.fromkeys(urls):
                if asyncio.get_running_loop().time() > deadline:
                    log.warning("warm-up stopped after %s s; the rest is computed on demand", MAX_SECONDS)
                    break
                try:
                    await client.get(url, headers=headers)
                except Exception as exc:  # a warm-up that fails leaves that answer to be computed on demand
                    log.warning("warming %s failed: %s", url, exc)
                self.warmed += 1

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """At start-up: remember the loop, and compute the dashboard's answers in the background."""
        self.loop = loop
        loop.create_task(self.replay(self.dashboard(), None))

    def warm(self, key: str, previous: list[str], done: Callable[[], None]) -> bool:
        """Warm snapshot ``key`` (the cache's requests of the state it replaces, ``previous``, then the dashboard's)
        and call ``done`` (which publishes it); False when no loop runs (the caller publishes at once)."""
        if self.loop is None or self.loop.is_closed():
            return False

        async def run() -> None:
            try:
                await self.replay([*previous[:MAX_URLS], *self.dashboard()], key)
            finally:
                done()

        asyncio.run_coroutine_threadsafe(run(), self.loop)
        return True
