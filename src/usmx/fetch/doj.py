"""The US Department of Justice's press releases, from its JSON API, into one extract in the raw store.

The API (https://www.justice.gov/developer) lists releases newest first, ``pagesize`` (at most 50) a page:
``/api/v1/press_releases.json?pagesize=50&page=N&sort=date&direction=DESC``. Each result has a ``uuid``, ``title``,
``body`` (HTML), ``url``, ``date`` (Unix seconds, as text) and ``component`` (the issuing offices); ``metadata.
resultset.count`` gives the total. :func:`fetch_doj` pages back from the newest release to the first day of the
month of ``since``, keeps whole months up to ``until`` (default: the last complete month), marks the releases that
mention Mexico (catalog/doj_rules.yaml), keeps the text of those only, and writes the extract that
:mod:`usmx.sources.doj` loads. Transient failures are retried with backoff; anything else stops the fetch with the
page named, and nothing is stored.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import os
import re
import tempfile
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx

from .. import catalog
from .._dates import month_start
from .._version import __version__
from ..errors import FetchError, UsmxError
from ..rawstore import RawStore
from . import Fetched, FetchResult, Target
from .http import RETRY_STATUS, Budget, Retry, check_url, read_page, retrying

DOJ_API = "https://www.justice.gov/api/v1/press_releases.json"
PAGE_SIZE = 50  # the API's largest page
MAX_PAGES = 5000  # 250,000 releases: far more than the DOJ has published; a guard against a server that never ends
MAX_PAGE_BYTES = 32 << 20  # 50 releases with their bodies are well under 2 MB
_TAGS = re.compile(r"<[^>]+>")


@cache
def rules() -> dict[str, Any]:
    """The matching rules (catalog/doj_rules.yaml)."""
    return catalog._read_yaml("doj_rules.yaml")


def mentions_mexico(text: str) -> bool:
    return re.search(rules()["mexico"], text, re.IGNORECASE) is not None


def plain(body: str | None) -> str:
    """A release's HTML body as plain text: tags removed, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(_TAGS.sub(" ", body or "")).split())


def _day(value: Any, where: str) -> date:
    try:
        return datetime.fromtimestamp(int(str(value).strip()), tz=UTC).date()
    except (ValueError, OverflowError, OSError):
        raise FetchError(f"{where}: the release date {value!r} is not Unix seconds, as the DOJ API gives it.") from None


def _components(value: Any) -> str | None:
    if isinstance(value, list):
        names = [str(c.get("name", "")).strip() for c in value if isinstance(c, dict)]
        return "; ".join(n for n in names if n) or None
    return None


def _page(
    client: httpx.Client, api_url: str, page: int, page_size: int, retries: int, backoff: float, budget: Budget
) -> dict:
    params: dict[str, str | int] = {"pagesize": page_size, "page": page, "sort": "date", "direction": "DESC"}

    def attempt(n: int) -> dict:
        with client.stream("GET", api_url, params=params) as resp:
            if resp.status_code in RETRY_STATUS:
                raise Retry(f"HTTP {resp.status_code}")
            if resp.status_code >= 400:
                raise FetchError(f"{api_url} page {page}: HTTP {resp.status_code}.")
            body = read_page(resp, api_url, f"page {page}", MAX_PAGE_BYTES, budget)
        try:
            doc = json.loads(body)
        except ValueError:
            raise FetchError(f"{api_url} page {page}: the answer is not JSON; is this the DOJ's API?") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
            raise FetchError(f"{api_url} page {page}: the answer has no `results` list; is this the DOJ's API?")
        return doc

    return retrying(attempt, retries, backoff, lambda last: f"{api_url} page {page}: failed after retries ({last}).")


def fetch_doj(
    store: RawStore,
    target: Target,
    *,
    since: date | None = None,
    until: date | None = None,
    url: str | None = None,
    page_size: int = PAGE_SIZE,
    retries: int = 4,
    backoff: float = 1.0,
    progress=None,
) -> FetchResult:
    """Page back through the DOJ's press releases to the first day of ``since``'s month; keep whole months to
    ``until`` (default: the end of the last complete month); one extract into the raw store."""
    api_url = url or target.url or DOJ_API
    if since is None:
        raise UsmxError("doj-press-releases needs --from YYYY-MM-DD (the first month to fetch).")
    check_url(api_url)
    today = date.today()
    first = month_start(since)
    last = until or date.fromordinal(month_start(today).toordinal() - 1)
    if last < first:
        raise UsmxError(f"--to {last} is before --from {first}; nothing to fetch.")
    if not 1 <= page_size <= PAGE_SIZE:
        raise UsmxError(f"page size must be 1 to {PAGE_SIZE} (the API's largest); got {page_size}.")
    kept: dict[str, dict] = {}
    pages = 0
    headers = {"User-Agent": f"usmx/{__version__} (+open data observatory)"}
    budget = Budget()
    with httpx.Client(follow_redirects=True, timeout=60, headers=headers) as client:
        total: int | None = None
        for page in range(MAX_PAGES):
            doc = _page(client, api_url, page, page_size, retries, backoff, budget)
            pages += 1
            results = doc["results"]
            if total is None:
                count = (doc.get("metadata") or {}).get("resultset", {}).get("count")
                total = int(count) if str(count or "").isdigit() else None
            if progress:
                progress("DOJ pages", pages, -(-total // page_size) if total else None)
            oldest = None
            for i, r in enumerate(results):
                where = f"{api_url} page {page}, result {i + 1}"
                if not isinstance(r, dict) or not r.get("uuid") or not r.get("title"):
                    raise FetchError(f"{where}: a release without uuid or title; is this the DOJ's API?")
                day = _day(r.get("date"), where)
                oldest = day if oldest is None else min(oldest, day)
                if not first <= day <= last:
                    continue
                text = plain(r.get("body"))
                mex = mentions_mexico(f"{r['title']} {text}")
                kept[str(r["uuid"])] = {
                    "uuid": str(r["uuid"]),
                    "date": day.isoformat(),
                    "title": " ".join(str(r["title"]).split()),
                    "url": str(r.get("url") or "").strip() or f"https://www.justice.gov/node/{r['uuid']}",
                    "components": _components(r.get("component")),
                    "mentions_mexico": mex,
                    "text": text if mex else None,
                }
            if not results or (oldest is not None and oldest < first) or (total and pages * page_size >= total):
                break
        else:
            raise FetchError(f"{api_url}: still paging after {MAX_PAGES} pages; stopped.")
    if not kept:
        raise FetchError(f"{api_url}: no press releases between {first} and {last}.")
    rows = sorted(kept.values(), key=lambda r: (r["date"], r["uuid"]))
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
    folder = store.root / "doj"
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=f".{os.getpid()}.part")
    with os.fdopen(fd, "wb") as fh:
        fh.write(gzip.compress(body, mtime=0))
    sha = hashlib.sha256(Path(tmp).read_bytes()).hexdigest()
    origin = f"{api_url} releases {first} … {last}"
    existing = store.find(sha)
    if existing:
        Path(tmp).unlink(missing_ok=True)
        path = existing
    else:
        from ..sources import doj

        path = store.adopt(Path(tmp), doj.SOURCE, sha, "jsonl.gz", origin, doj.LICENSE).path
    counts = {"releases": len(rows), "mexico": sum(r["mentions_mexico"] for r in rows), "pages": pages,
              "first": first, "last": last}  # fmt: skip
    summary = (
        f"DOJ: {counts['releases']:,} press releases {first} … {last} in {pages} page(s), {counts['mexico']:,} "
        "mentioning Mexico."
    )
    return FetchResult(target.name, [Fetched(path, "doj_press_releases", origin)], summary, counts)
