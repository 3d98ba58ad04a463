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
from pathlib import Path
from urllib.parse import urlparse

import httpx

from . import catalog
from ._version import __version__
from .errors import FetchError, UsmxError
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

    @property
    def license(self) -> str:
        from . import sources

        return sources.module(self.source).LICENSE


def targets() -> dict[str, Target]:
    return {
        name: Target(name, t["source"], t["kind"], t.get("url"), t["page"], " ".join(t.get("note", "").split()))
        for name, t in catalog.fetch_targets().items()
    }


RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


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
) -> Downloaded:
    """Stream ``url`` to a temporary file in ``dest_dir`` and verify it. The caller renames it into place.

    Raises FetchError after ``retries`` failed attempts, on a truncated body, or on a checksum mismatch.
    """
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
                for chunk in resp.iter_raw() if total is not None else resp.iter_bytes():
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
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
    HTTP 408/425/429/5xx or a short body) are retried with exponential backoff; then FetchError(failure(last))."""
    last = ""
    for n in range(1, retries + 2):
        try:
            return attempt(n)
        except (_Retry, httpx.TransportError) as exc:
            last = str(exc) or type(exc).__name__
            if isinstance(exc, httpx.RemoteProtocolError) and "message body" in last:
                last = f"truncated body: {last}"
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
    known = {n: t for n, t in targets().items() if n not in ("gdelt", "acled")}
    if target_name not in known:
        raise UsmxError(f"unknown source {target_name!r}; known: {', '.join(targets())}.")
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
    return Fetched(stored, target.kind, url)


def _ext(name: str) -> str:
    lower = name.lower()
    for suffix in (".csv.gz", ".csv.zip", ".csv.bz2"):
        if lower.endswith(suffix):
            return suffix[1:]
    return lower.rsplit(".", 1)[-1] if "." in lower else "bin"


# -- GDELT ----------------------------------------------------------------------------------------------------------
GDELT_MASTER = catalog.fetch_targets()["gdelt"]["url"]


@dataclass(frozen=True)
class GdeltFile:
    size: int
    md5: str
    url: str

    @property
    def stamp(self) -> str:
        return self.url.rsplit("/", 1)[-1][:14]


def gdelt_file_list(
    start,
    end,
    *,
    master_url: str = GDELT_MASTER,
    client: httpx.Client | None = None,
    retries: int = 4,
    backoff: float = 1.0,
) -> list[GdeltFile]:
    """The event export files between two dates (inclusive), streamed from GDELT's master file list."""
    lo, hi = start.strftime("%Y%m%d"), end.strftime("%Y%m%d")
    own = client is None
    client = client or httpx.Client(follow_redirects=True, timeout=120)

    def attempt(_n: int) -> list[GdeltFile]:
        out = []
        with client.stream("GET", master_url) as resp:
            if resp.status_code in RETRY_STATUS:
                raise _Retry(f"HTTP {resp.status_code}")
            if resp.status_code >= 400:
                raise FetchError(f"{master_url}: HTTP {resp.status_code}.")
            for line in resp.iter_lines():
                parts = line.split()
                if len(parts) != 3 or not parts[2].endswith(".export.CSV.zip"):
                    continue
                name = parts[2].rsplit("/", 1)[-1]
                if lo <= name[:8] <= hi:
                    out.append(GdeltFile(int(parts[0]), parts[1], parts[2]))
        return out

    try:
        return _retrying(
            attempt, retries, backoff, lambda last: f"{master_url}: could not read the master file list ({last})."
        )
    finally:
        if own:
            client.close()


def fetch_gdelt(
    store: RawStore,
    start,
    end,
    *,
    master_url: str = GDELT_MASTER,
    workers: int = 4,
    progress=None,
    retries: int = 4,
    backoff: float = 1.0,
) -> dict:
    """Download GDELT event exports for a date range in parallel, verify size and MD5 against the master list,
    store them in the raw store and skip files already there (so an interrupted run resumes). Returns counts and
    ``stored``: the new files as :class:`Fetched`, in time order."""
    import hashlib
    import json
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from .sources import gdelt

    files = gdelt_file_list(start, end, master_url=master_url, retries=retries, backoff=backoff)
    folder = store.root / "gdelt"
    have = set()
    if folder.exists():
        for side in folder.glob("*.json"):
            have.add(json.loads(side.read_text(encoding="utf-8")).get("origin"))
    todo = [f for f in files if f.url not in have]
    stored, failed = [], []

    def one(f: GdeltFile):
        got = download(f.url, folder, retries=retries, backoff=backoff)
        md5 = hashlib.md5(got.path.read_bytes()).hexdigest()
        if got.bytes != f.size or md5 != f.md5:
            got.path.unlink(missing_ok=True)
            raise FetchError(
                f"{f.url}: {got.bytes:,} bytes, md5 {md5}; the master list says {f.size:,} bytes, md5 "
                f"{f.md5}. Nothing was stored."
            )
        return store.adopt(got.path, gdelt.SOURCE, got.sha256, "export.CSV.zip", f.url, gdelt.LICENSE)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(one, f): f for f in todo}
        for i, fut in enumerate(as_completed(futures), start=1):
            try:
                stored.append(fut.result())
            except FetchError as exc:
                failed.append(str(exc))
            if progress:
                progress("downloading GDELT files", i, len(todo))
    new = [Fetched(rec.path, "gdelt_events", rec.origin) for rec in sorted(stored, key=lambda r: r.origin)]
    return {
        "listed": len(files),
        "skipped": len(files) - len(todo),
        "downloaded": len(stored),
        "failed": failed,
        "stored": new,
    }


# -- ACLED ----------------------------------------------------------------------------------------------------------
ACLED_BASE = catalog.fetch_targets()["acled"]["url"]  # OAuth at /oauth/token, events at /api/acled/read


def acled_token(client: httpx.Client, token_url: str) -> str:
    """An OAuth access token from ACLED_USERNAME / ACLED_PASSWORD (or ACLED_ACCESS_TOKEN as is). Environment only."""
    token = os.environ.get("ACLED_ACCESS_TOKEN")
    if token:
        return token
    user, password = os.environ.get("ACLED_USERNAME"), os.environ.get("ACLED_PASSWORD")
    if not user or not password:
        raise UsmxError(
            "ACLED needs an account: set ACLED_USERNAME and ACLED_PASSWORD (or ACLED_ACCESS_TOKEN) in "
            "the environment. usmx never stores credentials."
        )
    resp = client.post(
        token_url,
        data={
            "username": user,
            "password": password,
            "grant_type": "password",
            "client_id": "acled",
            "scope": "authenticated",
        },
    )
    if resp.status_code != 200 or "access_token" not in resp.json():
        raise FetchError(f"{token_url}: ACLED refused the credentials (HTTP {resp.status_code}).")
    return resp.json()["access_token"]


def fetch_acled(
    store: RawStore,
    *,
    country: str = "Mexico",
    start=None,
    end=None,
    page_size: int = 5000,
    base_url: str = ACLED_BASE,
    progress=None,
) -> dict:
    """Download all ACLED events for a country (and date range), page by page, drop events ACLED lists as
    deleted, and write them as one CSV in ACLED's export layout into the raw store (loaded, it is a new vintage that
    replaces the previous export, so changed and deleted events are current in the warehouse). Returns counts and
    ``stored``, the file as :class:`Fetched`."""
    import csv
    import io

    from .sources import acled
    from .sources.acled import ACLED_HEADER

    base = base_url.rstrip("/")
    token_url, api_url, deleted_url = f"{base}/oauth/token", f"{base}/api/acled/read", f"{base}/api/deleted/read"
    with httpx.Client(follow_redirects=True, timeout=120) as client:
        headers = {"Authorization": f"Bearer {acled_token(client, token_url)}"}
        params: dict[str, str | int] = {"country": country, "limit": page_size, "_format": "json"}
        if start and end:
            params |= {"event_date": f"{start}|{end}", "event_date_where": "BETWEEN"}
        rows, page = [], 1
        while True:
            resp = client.get(api_url, params=params | {"page": page}, headers=headers)
            if resp.status_code == 401:
                raise FetchError(f"{api_url}: the access token was refused (HTTP 401); check the account.")
            if resp.status_code >= 400:
                raise FetchError(f"{api_url}: HTTP {resp.status_code} on page {page}.")
            data = resp.json().get("data", [])
            rows += data
            if progress:
                progress("ACLED pages", page, None)
            if len(data) < page_size:
                break
            page += 1
        deleted: set[str] = set()
        resp = client.get(deleted_url, params={"limit": 0}, headers=headers)
        if resp.status_code == 200:
            deleted = {str(d.get("event_id_cnty")) for d in resp.json().get("data", [])}
    kept = [r for r in rows if str(r.get("event_id_cnty")) not in deleted]
    if not kept:
        raise FetchError(f"ACLED returned no events for {country!r}.")
    buf = io.StringIO()
    w = csv.DictWriter(buf, ACLED_HEADER, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in kept:
        w.writerow({k: r.get(k, "") for k in ACLED_HEADER})
    folder = store.root / acled.SOURCE
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
    with os.fdopen(fd, "wb") as fh:
        fh.write(buf.getvalue().encode("utf-8"))
    sha = hashlib.sha256(Path(tmp).read_bytes()).hexdigest()
    origin = f"{api_url}?country={country}" + (f"&event_date={start}|{end}" if start and end else "")
    rec = store.adopt(Path(tmp), acled.SOURCE, sha, "csv", origin, acled.LICENSE)
    return {
        "events": len(rows),
        "deleted_dropped": len(rows) - len(kept),
        "pages": page,
        "stored": [Fetched(rec.path, "acled_events", origin)],
    }
