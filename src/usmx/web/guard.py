"""What keeps ``usmx serve`` a safe public surface: hosts, headers, a budget per request and a bounded cache.

- **Hosts**: only requests whose Host header names an allowed host are answered (default: this machine's loopback
  names; ``usmx serve --allow-host`` adds more), so that a web page elsewhere cannot reach the server through a
  name that resolves to it (DNS rebinding).
- **Headers**: every answer carries a Content-Security-Policy (scripts and styles from the server itself; no inline
  script; no framing), ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` and a referrer policy.
- **Budget**: at most :data:`WORKERS` answers are computed at once, and a request that waits and computes for
  longer than its budget gets a 503 with the reason (the computation finishes in the background and its answer is
  kept for the next request), so that one slow or heavy request cannot hold the server.
- **Cache**: answers are kept per warehouse state up to a number of entries *and* of bytes.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: loopback names a server on this machine answers to by default (Starlette's test client says "testserver")
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
#: answers computed at once; the rest wait their turn (within their budget)
WORKERS = 2
#: seconds a request may wait and compute before it is answered 503
BUDGET_SECONDS = 60.0
#: entries and bytes of answers kept per warehouse state
CACHE_ENTRIES = 2048
CACHE_BYTES = 256 << 20

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


def _host(value: str) -> str:
    """The host of a Host header, without its port (IPv6 literals keep their brackets)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value.split("]", 1)[0] + "]"
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class Guard:
    """ASGI middleware: refuses a Host that is not allowed (400, JSON) and adds the security headers to every
    answer."""

    def __init__(self, app: ASGIApp, allowed_hosts: tuple[str, ...] = LOOPBACK) -> None:
        self.app = app
        self.allowed = {h.lower() for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = _host(Headers(scope=scope).get("host", ""))
        if "*" not in self.allowed and host not in self.allowed:
            response = JSONResponse(
                {"detail": f"host {host!r} is not served here; `usmx serve --allow-host {host}` allows it."},
                status_code=400,
            )
            await response(scope, receive, self._with_headers(send))
            return
        await self.app(scope, receive, self._with_headers(send))

    @staticmethod
    def _with_headers(send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in HEADERS if h[0] not in names)]
            await send(message)

        return wrapped


class Cache:
    """Answers per (snapshot, request), least recently used first out, bounded in entries and in bytes. Answers of
    two snapshots live side by side while a new one is warmed (usmx.web.warm); :meth:`retire` drops the old one's
    once the new one is published. Each answer keeps the URL that asked for it, so that a warm-up can ask again."""

    def __init__(self, entries: int = CACHE_ENTRIES, max_bytes: int = CACHE_BYTES) -> None:
        self.size = entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self.items: OrderedDict[tuple, tuple[Any, str]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, snapshot: str, key: tuple) -> Any:
        with self.lock:
            found = self.items.get((snapshot, key))
            if found is None:
                return None
            self.items.move_to_end((snapshot, key))
            return found[0]

    def put(self, snapshot: str, key: tuple, value: Any, url: str = "") -> None:
        size = len(getattr(value, "body", b""))
        with self.lock:
            if size > self.max_bytes:
                return
            if (snapshot, key) in self.items:
                self.bytes -= len(getattr(self.items.pop((snapshot, key))[0], "body", b""))
            self.items[(snapshot, key)] = (value, url)
            self.bytes += size
            while len(self.items) > self.size or self.bytes > self.max_bytes:
                _, (old, _) = self.items.popitem(last=False)
                self.bytes -= len(getattr(old, "body", b""))

    def urls(self, snapshot: str) -> list[str]:
        """The URLs of ``snapshot``'s answers, most recently used first."""
        with self.lock:
            return [url for (snap, _), (_, url) in reversed(self.items.items()) if snap == snapshot and url]

    def retire(self, keep: str) -> None:
        """Drop every answer that is not of snapshot ``keep``."""
        with self.lock:
            for k in [k for k in self.items if k[0] != keep]:
                self.bytes -= len(getattr(self.items.pop(k)[0], "body", b""))


class Budget:
    """At most ``workers`` computations at once; each request waits and computes within ``seconds``."""

    def __init__(self, workers: int = WORKERS, seconds: float = BUDGET_SECONDS) -> None:
        self.seconds = seconds
        self.slots = threading.BoundedSemaphore(workers)

    async def run(self, compute: Callable[[], Any], done: Callable[[Any], None]) -> Any:
        """``compute()`` in a worker thread once a slot is free; ``done(result)`` when it finishes, even after the
        request gave up waiting (so that its answer is kept). Raises TimeoutError past the budget."""
        loop = asyncio.get_running_loop()

        def work() -> Any:
            with self.slots:
                result = compute()
            done(result)
            return result

        future = loop.run_in_executor(None, work)
        # a refusal raised after the request stopped waiting is nobody's to read: read it here, so it is not logged
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        return await asyncio.wait_for(asyncio.shield(future), timeout=self.seconds)
