"""Fetchers for event data: GDELT exports (2.0: master file list; 1.0 before 19 February 2015: the events index;
parallel downloads, MD5) and ACLED (OAuth, pages, deletions). Like :mod:`usmx.fetch`, they store raw files and
return them; the façade ingests them."""

from __future__ import annotations

import calendar
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx

from . import catalog
from .errors import FetchError, UsmxError
from .fetch import RETRY_STATUS, Fetched, _check_url, _Retry, _retrying, _safe_for_credentials, download
from .rawstore import RawStore

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
            raise _Retry(f"HTTP {resp.status_code}")
        if resp.status_code >= 400:
            raise FetchError(f"{index_url}: HTTP {resp.status_code}.")
        out = []
        for m in _GDELT1_FILE.finditer(resp.text):
            first, last = _span(m.group(2)[:8])
            if first <= end and last >= start:
                out.append(GdeltFile(None, m.group(3).lower(), f"{base}/{m.group(1)}", "gdelt1_events"))
        return sorted(out, key=lambda f: f.url)

    try:
        return _retrying(
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
    index_url: str = GDELT1_INDEX,
    workers: int = 4,
    progress=None,
    retries: int = 4,
    backoff: float = 1.0,
) -> dict:
    """Download GDELT event files for a date range in parallel, verify size and MD5 against the publisher's lists,
    store them in the raw store and skip files already there (so an interrupted run resumes). Days from 19 February
    2015 come from GDELT 2.0's 15-minute exports (``master_url``), earlier days from GDELT 1.0's daily files and
    backfiles (``index_url``). Returns counts and ``stored``: the new files as :class:`Fetched`, in time order."""
    import hashlib
    import json
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from .sources import gdelt

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
    from . import config

    token = config.get("ACLED_ACCESS_TOKEN")
    if token:
        return token
    user, password = config.get("ACLED_USERNAME"), config.get("ACLED_PASSWORD")
    if not user or not password:
        raise UsmxError(
            "ACLED needs an account: set ACLED_USERNAME and ACLED_PASSWORD (or ACLED_ACCESS_TOKEN) in "
            "the environment. usmx never stores credentials."
        )
    _safe_for_credentials(token_url)
    try:
        resp = client.post(
            token_url,
            data={
                "username": user,
                "password": password,
                "grant_type": "password",
                "client_id": "acled",
                "scope": "authenticated",
            },
            follow_redirects=False,  # credentials never follow a redirect to another address
        )
    except httpx.HTTPError as exc:
        raise FetchError(f"{token_url}: could not reach ACLED's token endpoint ({exc}).") from exc
    if resp.is_redirect:
        raise FetchError(
            f"{token_url}: the token endpoint answered a redirect to {resp.headers.get('Location')!r}; usmx does not "
            "send your credentials on to another address. Check the ACLED address (--url)."
        )
    try:
        answer = resp.json()
    except ValueError:
        answer = None
    if resp.status_code in (400, 401, 403):
        raise FetchError(
            f"{token_url}: ACLED refused the credentials (HTTP {resp.status_code}); check "
            "ACLED_USERNAME and ACLED_PASSWORD."
        )
    if resp.status_code != 200 or not isinstance(answer, dict) or "access_token" not in answer:
        raise FetchError(
            f"{token_url}: ACLED did not give a token (HTTP {resp.status_code}"
            f"{', and the answer is not JSON' if answer is None else ''}); check the account and the address."
        )
    return str(answer["access_token"])


def _acled_page(
    client: httpx.Client, url: str, params: dict, headers: dict, what: str, optional: bool = False
) -> list[dict]:
    """One page of an ACLED answer (its ``data`` list); a redirect, an HTTP error or a non-JSON answer is a
    FetchError (the token is never sent on to another address)."""
    _safe_for_credentials(url)
    try:
        resp = client.get(url, params=params, headers=headers)
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: could not reach ACLED for the {what} ({exc}).") from exc
    if resp.is_redirect:
        raise FetchError(
            f"{url}: ACLED answered a redirect to {resp.headers.get('Location')!r} for the {what}; usmx "
            "does not send the access token on to another address."
        )
    if resp.status_code == 401:
        raise FetchError(f"{url}: the access token was refused (HTTP 401); check the account.")
    if resp.status_code >= 400:
        if optional:
            return []
        raise FetchError(f"{url}: HTTP {resp.status_code} for the {what}.")
    try:
        data = resp.json().get("data", [])
    except (ValueError, AttributeError):
        raise FetchError(f"{url}: the answer for the {what} is not ACLED's JSON.") from None
    if not isinstance(data, list):
        raise FetchError(f"{url}: the answer for the {what} has no list of events.")
    return data


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
    _check_url(base_url)
    with httpx.Client(follow_redirects=False, timeout=120) as client:
        headers = {"Authorization": f"Bearer {acled_token(client, token_url)}"}
        params: dict[str, str | int] = {"country": country, "limit": page_size, "_format": "json"}
        if start and end:
            params |= {"event_date": f"{start}|{end}", "event_date_where": "BETWEEN"}
        rows, page = [], 1
        while True:
            data = _acled_page(client, api_url, params | {"page": page}, headers, f"page {page}")
            rows += data
            if progress:
                progress("ACLED pages", page, None)
            if len(data) < page_size:
                break
            page += 1
        deleted: set[str] = set()
        deleted = {
            str(d.get("event_id_cnty"))
            for d in _acled_page(client, deleted_url, {"limit": 0}, headers, "deleted events", optional=True)
        }
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
