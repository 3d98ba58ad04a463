"""Download official files into the raw store, then (optionally) ingest them.

A download streams to ``<raw>/<source>/.<random>.part``, hashing as it goes; it is checked against the server's
Content-Length (a body cut short is an error, not a smaller file) and against ``sha256`` when the caller gives one,
and only then renamed into place under its content hash. Transient failures (connection errors, timeouts, HTTP 429
and 5xx) are retried with exponential backoff. Nothing is stored from a failed download.

Some publishers have no stable link: SESNSP's open-data page sits behind a bot check and its links rotate, and
INEGI's mortality data are cube exports. For those, download the file in a browser and ``usmx ingest`` it, or give
the direct link you obtained with ``--url``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import httpx

from . import catalog
from ._version import __version__
from .errors import FetchError, UnknownNameError, UsmxError
from .rawstore import RawStore


@dataclass(frozen=True)
class Target:
    """A fetchable source (catalog/fetch_targets.yaml): the official file's link and which kind of file it is."""

    name: str
    source: str
    kind: str
    url: str | None  # None: no stable URL, --url required
    page: str  # the official page a person can visit
    note: str = ""
    dated: bool = False  # the file has no date of its own: its vintage is the day it is retrieved

    @property
    def license(self) -> str:
        from . import sources

        mod = sources.module(self.source)
        return getattr(mod, "LICENSES", {}).get(self.kind, mod.LICENSE)


def targets() -> dict[str, Target]:
    return {
        name: Target(
            name,
            t["source"],
            t["kind"],
            t.get("url"),
            t["page"],
            " ".join(t.get("note", "").split()),
            t.get("dated", False),
        )
        for name, t in catalog.fetch_targets().items()
    }


RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _check_url(url: str) -> None:
    scheme = urlparse(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(
            f"{url}: usmx downloads http(s) addresses only (got {scheme or 'no'} scheme); for a local "
            "file use `usmx ingest FILE`."
        )


def _safe_for_credentials(url: str) -> None:
    """Credentials go over https only (plain http to this machine's loopback is allowed, for local tests)."""
    parsed = urlparse(url)
    if parsed.scheme != "https" and not (parsed.scheme == "http" and parsed.hostname in _LOOPBACK):
        raise FetchError(
            f"{url}: refused to send credentials over {parsed.scheme or 'an unknown scheme'}; ACLED's "
            "addresses are https."
        )


@dataclass(frozen=True)
class Downloaded:
    url: str
    path: Path
    sha256: str
    bytes: int
    attempts: int


def download(
    url: str,
    dest_dir: Path,
    *,
    retries: int = 4,
    backoff: float = 1.0,
    timeout: float = 60.0,
    sha256: str | None = None,
    progress=None,
    client: httpx.Client | None = None,
    max_bytes: int | None = None,
    deadline: float | None = None,
) -> Downloaded:
    """Stream ``url`` to a temporary file in ``dest_dir`` and verify it. The caller renames it into place.

    Raises FetchError after ``retries`` failed attempts (only transient failures are retried: connection errors,
    timeouts, HTTP 408/425/429/5xx, a short body), on any other HTTP error, a body larger than ``max_bytes``, a
    download running past ``deadline`` seconds in all, or a checksum mismatch. Nothing stays on disk then.
    """
    _check_url(url)
    from . import config

    max_bytes = config.get("USMX_MAX_DOWNLOAD_BYTES") if max_bytes is None else max_bytes
    deadline = config.get("USMX_DOWNLOAD_DEADLINE") if deadline is None else deadline
    started = time.monotonic()
    dest_dir.mkdir(parents=True, exist_ok=True)
    own = client is None
    client = client or httpx.Client(
        follow_redirects=True, timeout=timeout, headers={"User-Agent": f"usmx/{__version__} (+open data observatory)"}
    )

    def attempt(n: int) -> Downloaded:
        fd, tmp_name = tempfile.mkstemp(dir=dest_dir, prefix=".", suffix=".part")
        tmp = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "wb") as out, client.stream("GET", url) as resp:
                if resp.status_code in RETRY_STATUS:
                    raise _Retry(f"HTTP {resp.status_code}")
                if resp.status_code >= 400:
                    raise FetchError(f"{url}: the server answered HTTP {resp.status_code}; check the URL.")
                expected = resp.headers.get("Content-Length")
                total = int(expected) if expected and expected.isdigit() else None
                if resp.headers.get("Content-Encoding") not in (None, "identity"):
                    total = None  # Content-Length counts compressed bytes; httpx hands us decoded ones
                if total is not None and total > max_bytes:
                    raise FetchError(
                        f"{url}: the server announces {total:,} bytes, more than the {max_bytes:,} "
                        "allowed; nothing was stored (raise the limit with USMX_MAX_DOWNLOAD_BYTES)."
                    )
                for chunk in resp.iter_raw() if total is not None else resp.iter_bytes():
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(
                            f"{url}: the body passed {max_bytes:,} bytes; nothing was stored (raise "
                            "the limit with USMX_MAX_DOWNLOAD_BYTES)."
                        )
                    if time.monotonic() - started > deadline:
                        raise FetchError(
                            f"{url}: the download took longer than {deadline:,.0f} s in all; nothing "
                            "was stored (USMX_DOWNLOAD_DEADLINE sets the limit)."
                        )
                    if progress:
                        progress("downloading", size, total)
            if total is not None and size != total:
                raise _Retry(f"truncated body: {size:,} of {total:,} bytes")
            if size == 0:
                raise FetchError(f"{url}: the server sent an empty body.")
            got = digest.hexdigest()
            if sha256 and got != sha256.lower():
                raise FetchError(f"{url}: sha256 {got} does not match the expected {sha256}; nothing was stored.")
            return Downloaded(url, tmp, got, size, n)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    try:
        return _retrying(
            attempt,
            retries,
            backoff,
            lambda last: f"{url}: download failed after {retries + 1} attempts ({last}); nothing was stored.",
        )
    finally:
        if own:
            client.close()


def _retrying(attempt, retries: int, backoff: float, failure):
    """Call ``attempt(n)`` until it returns; transient failures (connection errors, timeouts, a _Retry raised on
    HTTP 408/425/429/5xx or a short body) are retried with exponential backoff; then FetchError(failure(last)).
    Permanent failures (an unsupported scheme, a redirect loop, other HTTP errors) are not retried."""
    last = ""
    for n in range(1, retries + 2):
        try:
            return attempt(n)
        except httpx.UnsupportedProtocol as exc:
            raise FetchError(f"unsupported address: {exc}; usmx downloads http(s) URLs only.") from exc
        except httpx.TooManyRedirects as exc:
            raise FetchError(f"too many redirects ({exc}); the address loops. Check the URL.") from exc
        except (_Retry, httpx.TransportError) as exc:
            last = str(exc) or type(exc).__name__
            if isinstance(exc, httpx.RemoteProtocolError) and "message body" in last:
                last = f"truncated body: {last}"
        except httpx.HTTPError as exc:
            raise FetchError(f"the request failed: {exc}.") from exc
        if n <= retries:
            time.sleep(backoff * 2 ** (n - 1))
    raise FetchError(failure(last))


class _Retry(Exception):
    pass


@dataclass(frozen=True)
class Fetched:
    """A file now in the raw store, and what to load it as."""

    path: Path
    kind: str
    origin: str


def fetch(
    store: RawStore,
    target_name: str,
    *,
    url: str | None = None,
    progress=None,
    retries: int = 4,
    backoff: float = 1.0,
    sha256: str | None = None,
) -> Fetched:
    """Download a source's official file into the raw store (once: a file already stored is not stored again)."""
    known = {n: t for n, t in targets().items() if n not in ("gdelt", "acled", "doj-press-releases")}
    if target_name not in known:
        raise UnknownNameError(f"unknown source {target_name!r}; known: {', '.join(targets())}.")
    target = known[target_name]
    url = url or target.url
    if url is None:
        raise UsmxError(f"{target_name} has no stable download link. {target.note} Official page: {target.page}")
    staging = store.root / target.source
    got = download(url, staging, retries=retries, backoff=backoff, sha256=sha256, progress=progress)
    name = Path(urlparse(url).path).name or "download"
    ext = _ext(name)
    existing = store.find(got.sha256)
    if existing:
        got.path.unlink(missing_ok=True)
        stored = existing
    else:
        stored = store.adopt(got.path, target.source, got.sha256, ext, url, target.license).path
    # lists without a date of their own (OFAC's SDN list) are dated by the day they were retrieved
    origin = f"{url} retrieved {date.today().isoformat()}" if target.dated else url
    return Fetched(stored, target.kind, origin)


def _ext(name: str) -> str:
    lower = name.lower()
    for suffix in (".csv.gz", ".csv.zip", ".csv.bz2", ".tar.gz"):
        if lower.endswith(suffix):
            return suffix[1:]
    return lower.rsplit(".", 1)[-1] if "." in lower else "bin"
