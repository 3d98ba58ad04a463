"""ACLED events for a country: an OAuth token from the environment (never stored, sent over https only), the events
API page by page, the deletions list; one CSV in ACLED's export layout into the raw store."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import date
from pathlib import Path

import httpx

from .. import catalog
from ..errors import FetchError, UsmxError
from ..rawstore import RawStore
from . import Fetched, FetchResult, Target
from .http import Budget, check_url, read_page, safe_for_credentials

ACLED_BASE = catalog.fetch_targets()["acled"]["url"]  # OAuth at /oauth/token, events at /api/acled/read


def acled_token(client: httpx.Client, token_url: str) -> str:
    """An OAuth access token from ACLED_USERNAME / ACLED_PASSWORD (or ACLED_ACCESS_TOKEN as is). Environment only."""
    from .. import config

    token = config.get("ACLED_ACCESS_TOKEN")
    if token:
        return token
    user, password = config.get("ACLED_USERNAME"), config.get("ACLED_PASSWORD")
    if not user or not password:
        raise UsmxError(
            "ACLED needs an account: set ACLED_USERNAME and ACLED_PASSWORD (or ACLED_ACCESS_TOKEN) in "
            "the environment. usmx never stores credentials."
        )
    safe_for_credentials(token_url)
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


#: the most pages one fetch reads (ACLED's Mexico events fill about 40 pages of 5,000): a server that never stops
#: paging is cut off rather than followed until memory or disk runs out
MAX_PAGES = 2000
#: the most one page's answer may hold (5,000 events are about 10 MB of JSON)
MAX_PAGE_BYTES = 64 << 20


def _acled_page(
    client: httpx.Client,
    url: str,
    params: dict,
    headers: dict,
    what: str,
    budget: Budget,
    optional: bool = False,
) -> list[dict]:
    """One page of an ACLED answer (its ``data`` list), read in chunks against the page and fetch budgets; a
    redirect, an HTTP error or a non-JSON answer is a FetchError (the token is never sent on to another address)."""
    safe_for_credentials(url)
    try:
        with client.stream("GET", url, params=params, headers=headers) as resp:
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
            body = read_page(resp, url, f"the {what}", MAX_PAGE_BYTES, budget)
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: could not reach ACLED for the {what} ({exc}).") from exc
    try:
        data = json.loads(body).get("data", [])
    except (ValueError, AttributeError):
        raise FetchError(f"{url}: the answer for the {what} is not ACLED's JSON.") from None
    if not isinstance(data, list):
        raise FetchError(f"{url}: the answer for the {what} has no list of events.")
    return data


def fetch_acled(
    store: RawStore,
    target: Target,
    *,
    country: str = "Mexico",
    since: date | None = None,
    until: date | None = None,
    page_size: int = 5000,
    url: str | None = None,
    progress=None,
) -> FetchResult:
    """Download all ACLED events for a country (and date range), page by page, drop events ACLED lists as
    deleted, and write them as one CSV in ACLED's export layout into the raw store (loaded, it is a new vintage that
    replaces the previous export, so changed and deleted events are current in the warehouse). Pages are written to
    disk as they come; the fetch stops with an error past MAX_PAGES pages, the download byte limit or the deadline,
    or when a page repeats the one before (a server that ignores the page number), and nothing is stored then."""
    import csv

    from ..sources import acled
    from ..sources.acled import ACLED_HEADER

    if not 1 <= page_size <= 5000:
        raise UsmxError(f"page_size {page_size}: ACLED pages hold 1 to 5,000 events.")
    base_url = url or target.url or ACLED_BASE
    start, end = since, until
    base = base_url.rstrip("/")
    token_url, api_url, deleted_url = f"{base}/oauth/token", f"{base}/api/acled/read", f"{base}/api/deleted/read"
    check_url(base_url)
    budget = Budget()
    folder = store.root / acled.SOURCE
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".", suffix=f".{os.getpid()}.part")
    tmp = Path(tmp_name)
    events = kept = page = 0
    try:
        with httpx.Client(follow_redirects=False, timeout=120) as client, open(fd, "w", encoding="utf-8") as fh:
            headers = {"Authorization": f"Bearer {acled_token(client, token_url)}"}
            deleted = {
                str(d.get("event_id_cnty"))
                for d in _acled_page(
                    client, deleted_url, {"limit": 0}, headers, "deleted events", budget, optional=True
                )
            }
            params: dict[str, str | int] = {"country": country, "limit": page_size, "_format": "json"}
            if start and end:
                params |= {"event_date": f"{start}|{end}", "event_date_where": "BETWEEN"}
            w = csv.DictWriter(fh, ACLED_HEADER, extrasaction="ignore", lineterminator="\n")
            w.writeheader()
            previous: list[str] | None = None
            while True:
                page += 1
                if page > MAX_PAGES:
                    raise FetchError(
                        f"{api_url}: ACLED kept sending full pages past {MAX_PAGES:,}; stopped, nothing was stored "
                        "(fetch a shorter period with --since/--until)."
                    )
                data = _acled_page(client, api_url, params | {"page": page}, headers, f"page {page}", budget)
                ids = [str(r.get("event_id_cnty")) for r in data]
                if data and ids == previous:
                    raise FetchError(
                        f"{api_url}: page {page} repeats page {page - 1} (the server ignores the page number); "
                        "stopped, nothing was stored."
                    )
                previous = ids
                events += len(data)
                for r in data:
                    if str(r.get("event_id_cnty")) not in deleted:
                        w.writerow({k: r.get(k, "") for k in ACLED_HEADER})
                        kept += 1
                if progress:
                    progress("ACLED pages", page, None)
                if len(data) < page_size:
                    break
        if not kept:
            raise FetchError(f"ACLED returned no events for {country!r}.")
        sha = hashlib.sha256()
        with tmp.open("rb") as fh_in:
            for chunk in iter(lambda: fh_in.read(1 << 20), b""):
                sha.update(chunk)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    origin = f"{api_url}?country={country}" + (f"&event_date={start}|{end}" if start and end else "")
    rec = store.adopt(tmp, acled.SOURCE, sha.hexdigest(), "csv", origin, acled.LICENSE)
    counts = {"events": events, "deleted_dropped": events - kept, "pages": page}
    summary = (
        f"ACLED: {events:,} events in {page} page(s); {counts['deleted_dropped']} listed by ACLED as deleted "
        "were dropped."
    )
    return FetchResult(target.name, [Fetched(rec.path, "acled_events", origin)], summary, counts)
