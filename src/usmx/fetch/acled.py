"""ACLED events for a country: an OAuth token from the environment (never stored, sent over https only), the events
API page by page, the deletions list; one CSV in ACLED's export layout into the raw store."""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import date
from pathlib import Path

import httpx

from .. import catalog
from ..errors import FetchError, UsmxError
from ..rawstore import RawStore
from . import Fetched, FetchResult, Target
from .http import check_url, safe_for_credentials

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


def _acled_page(
    client: httpx.Client, url: str, params: dict, headers: dict, what: str, optional: bool = False
) -> list[dict]:
    """One page of an ACLED answer (its ``data`` list); a redirect, an HTTP error or a non-JSON answer is a
    FetchError (the token is never sent on to another address)."""
    safe_for_credentials(url)
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
    replaces the previous export, so changed and deleted events are current in the warehouse)."""
    import csv
    import io

    from ..sources import acled
    from ..sources.acled import ACLED_HEADER

    base_url = url or target.url or ACLED_BASE
    start, end = since, until
    base = base_url.rstrip("/")
    token_url, api_url, deleted_url = f"{base}/oauth/token", f"{base}/api/acled/read", f"{base}/api/deleted/read"
    check_url(base_url)
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
    counts = {"events": len(rows), "deleted_dropped": len(rows) - len(kept), "pages": page}
    summary = (
        f"ACLED: {len(rows):,} events in {page} page(s); {counts['deleted_dropped']} listed by ACLED as deleted "
        "were dropped."
    )
    return FetchResult(target.name, [Fetched(rec.path, "acled_events", origin)], summary, counts)
