"""GDELT exports for a date range: GDELT 2.0's master file list (from 19 February 2015), GDELT 1.0's events index
before it; parallel downloads, each checked against the publisher's MD5 (and size where listed); files already
stored are skipped, so a rerun resumes."""

from __future__ import annotations

import calendar
import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta

import httpx

from .. import catalog
from ..errors import FetchError, UsmxError
from ..rawstore import RawStore
from . import Fetched, FetchResult, Target
from .http import RETRY_STATUS, Retry, download, retrying

# -- GDELT ----------------------------------------------------------------------------------------------------------
GDELT_MASTER = catalog.fetch_targets()["gdelt"]["url"]
#: GDELT 1.0's list of event files, each with its MD5: yearly backfiles (1979-2005), monthly (2006-01 … 2013-03), daily
GDELT1_INDEX = "http://data.gdeltproject.org/events/index.html"
#: the first day of GDELT 2.0's 15-minute exports; earlier days come from GDELT 1.0
GDELT2_START = date(2015, 2, 19)
_GDELT1_FILE = re.compile(
    r'href="?((\d{4}|\d{6}|\d{8}\.export\.CSV)\.zip)"?[^\n]*?MD5:\s*([0-9a-f]{32})', re.IGNORECASE
)


@dataclass(frozen=True)
class GdeltFile:
    size: int | None  # None: the list gives no exact size (GDELT 1.0); the server's Content-Length is still checked
    md5: str
    url: str
    kind: str = "gdelt_events"


def _span(stamp: str) -> tuple[date, date]:
    """The days a GDELT 1.0 file covers, from its name: a year, a month or a day."""
    y = int(stamp[:4])
    if len(stamp) == 4:
        return date(y, 1, 1), date(y, 12, 31)
    m = int(stamp[4:6])
    if len(stamp) == 6:
        return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])
    d = date(y, m, int(stamp[6:8]))
    return d, d


def gdelt1_file_list(
    start: date,
    end: date,
    *,
    index_url: str = GDELT1_INDEX,
    client: httpx.Client | None = None,
    retries: int = 4,
    backoff: float = 1.0,
) -> list[GdeltFile]:
    """The GDELT 1.0 event files whose days meet ``start`` … ``end``, read from the events index page (its links
    and MD5 sums)."""
    own = client is None
    client = client or httpx.Client(follow_redirects=True, timeout=120)
    base = index_url.rsplit("/", 1)[0]

    def attempt(_n: int) -> list[GdeltFile]:
        resp = client.get(index_url)
        if resp.status_code in RETRY_STATUS:
            raise Retry(f"HTTP {resp.status_code}")
        if resp.status_code >= 400:
            raise FetchError(f"{index_url}: HTTP {resp.status_code}.")
        out = []
        for m in _GDELT1_FILE.finditer(resp.text):
            first, last = _span(m.group(2)[:8])
            if first <= end and last >= start:
                out.append(GdeltFile(None, m.group(3).lower(), f"{base}/{m.group(1)}", "gdelt1_events"))
        return sorted(out, key=lambda f: f.url)

    try:
        return retrying(
            attempt, retries, backoff, lambda last: f"{index_url}: could not read the GDELT 1.0 index ({last})."
        )
    finally:
        if own:
            client.close()


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
                raise Retry(f"HTTP {resp.status_code}")
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
        return retrying(
            attempt, retries, backoff, lambda last: f"{master_url}: could not read the master file list ({last})."
        )
    finally:
        if own:
            client.close()


def fetch_gdelt(
    store: RawStore,
    target: Target,
    *,
    since: date | None = None,
    until: date | None = None,
    url: str | None = None,
    index_url: str = GDELT1_INDEX,
    workers: int = 4,
    progress=None,
    retries: int = 4,
    backoff: float = 1.0,
) -> FetchResult:
    """Download GDELT event files for a date range in parallel, verify size and MD5 against the publisher's lists,
    store them in the raw store and skip files already there (so an interrupted run resumes). Days from 19 February
    2015 come from GDELT 2.0's 15-minute exports (``master_url``), earlier days from GDELT 1.0's daily files and
    backfiles (``index_url``). ``stored``: the new files, in time order."""
    import json
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from ..sources import gdelt

    if since is None or until is None:
        raise UsmxError("gdelt needs --from and --to, YYYY-MM-DD (the days whose exports to fetch).")
    if until < since:
        raise UsmxError(f"--to {until} is before --from {since}; nothing to fetch.")
    start, end, master_url = since, until, url or target.url or GDELT_MASTER
    files = []
    if start < GDELT2_START:
        last1 = min(end, GDELT2_START - timedelta(days=1))
        files += gdelt1_file_list(start, last1, index_url=index_url, retries=retries, backoff=backoff)
    if end >= GDELT2_START:
        first2 = max(start, GDELT2_START)
        files += gdelt_file_list(first2, end, master_url=master_url, retries=retries, backoff=backoff)
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
        if (f.size is not None and got.bytes != f.size) or md5 != f.md5:
            got.path.unlink(missing_ok=True)
            size = f"{f.size:,} bytes, " if f.size is not None else ""
            raise FetchError(
                f"{f.url}: {got.bytes:,} bytes, md5 {md5}; the publisher's list says {size}md5 {f.md5}. "
                "Nothing was stored."
            )
        ext = "export.CSV.zip" if f.url.endswith(".export.CSV.zip") else "zip"
        return f.kind, store.adopt(got.path, gdelt.SOURCE, got.sha256, ext, f.url, gdelt.LICENSE)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(one, f): f for f in todo}
        for i, fut in enumerate(as_completed(futures), start=1):
            try:
                stored.append(fut.result())
            except FetchError as exc:
                failed.append(str(exc))
            if progress:
                progress("downloading GDELT files", i, len(todo))
    new = [Fetched(rec.path, kind, rec.origin) for kind, rec in sorted(stored, key=lambda kr: kr[1].origin)]
    counts = {"listed": len(files), "skipped": len(files) - len(todo), "downloaded": len(stored)}
    summary = (
        f"GDELT: {counts['listed']} export files listed, {counts['skipped']} already stored, "
        f"{counts['downloaded']} downloaded, {len(failed)} failed."
    )
    return FetchResult(target.name, new, summary, counts, failed)
