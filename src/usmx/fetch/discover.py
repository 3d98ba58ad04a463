"""Finding each source's newest release (catalog/updates.yaml), for ``usmx update``.

A discoverer reads the publisher's page or API answer (bounded in bytes and time, like every download) and returns
:class:`Release` s: a fetch target, the link its file has now and a version (the file's name, the dataset's update
time, the repository's commit). It downloads no data file: :mod:`usmx.update` compares the versions with the ledger
and fetches only what is new. ``bases`` replaces a publisher's address (tests point it at a local
server; a user can when a publisher moves): keys ``page`` (the source's page or API), ``drive``, ``github_api``,
``github_raw``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlparse

import httpx

from .. import catalog
from .._version import __version__
from ..errors import FetchError, UnknownNameError
from .http import Budget, check_url, read_page

#: the most a page or API answer may weigh
PAGE_BYTES = 8 << 20


@dataclass(frozen=True)
class Release:
    """A release a publisher offers now: which fetch target, from where, and the publisher's name for it."""

    target: str
    url: str | None  # None for a target fetched its own way (GDELT's date range)
    version: str
    options: tuple[tuple[str, Any], ...] = ()  # fetch options (GDELT: since, until)


def sources() -> dict[str, dict[str, Any]]:
    return catalog.load_yaml(catalog._PKG.joinpath("updates.yaml").read_text("utf-8"))["sources"]


def discover(source: str, *, bases: dict[str, str] | None = None, today: date | None = None) -> list[Release]:
    """The releases ``source`` offers now (catalog/updates.yaml)."""
    known = sources()
    if source not in known:
        raise UnknownNameError(f"unknown source {source!r}{catalog.suggest(source, known)}; known: {', '.join(known)}.")
    spec, bases = known[source], bases or {}
    method = spec["method"]
    if method == "none":
        raise FetchError(f"{source}: usmx cannot discover its releases: {' '.join(spec['why'].split())}")
    if method == "fixed":
        return [Release(spec["target"], bases.get("page"), "current list")]
    if method == "recent":
        end = today or date.today()
        start = end - timedelta(days=int(spec["days"]) - 1)
        return [Release(spec["target"], bases.get("page"), f"{start}..{end}", (("since", start), ("until", end)))]
    with httpx.Client(follow_redirects=True, timeout=60.0, headers={"User-Agent": f"usmx/{__version__}"}) as client:
        budget = Budget()
        if method == "links":
            return _links(client, budget, spec, bases)
        if method == "socrata":
            return _socrata(client, budget, spec, bases)
        if method == "github":
            return _github(client, budget, spec, bases)
    raise FetchError(f"{source}: unknown discovery method {method!r} in catalog/updates.yaml")


def _get(client: httpx.Client, budget: Budget, url: str, what: str) -> tuple[str, bytes]:
    """An answer's final address and body (HTTP errors are FetchError naming the address)."""
    check_url(url)
    try:
        with client.stream("GET", url) as resp:
            if resp.status_code >= 400:
                raise FetchError(f"{url}: the publisher answered HTTP {resp.status_code} for {what}.")
            return str(resp.url), read_page(resp, url, what, PAGE_BYTES, budget)
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: {what} could not be read ({exc}).") from exc


class _Anchors(HTMLParser):
    """Every link of a page with its text and the text just before it (a list item's label, a table's row)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []
        self._text: list[str] = []
        self._href: str | None = None
        self._own: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._own = []
        elif tag in ("li", "tr", "p", "h2", "h3", "h4", "div", "section"):
            self._text.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            blocks = "".join(self._text)[-600:].split(" | ")
            around = blocks[-1]  # the block the link sits in; a bare "Descargar" takes the label before it too
            if len(catalog.normalise(around).split()) < 3 and len(blocks) > 1:
                around = f"{blocks[-2]} {around}"
            self.links.append((self._href, " ".join(self._own), around))
            self._href = None

    def handle_data(self, data: str) -> None:
        self._text.append(data)
        if self._href is not None:
            self._own.append(data)


def _links(client: httpx.Client, budget: Budget, spec: dict, bases: dict[str, str]) -> list[Release]:
    if "page" in bases:  # a page (or several, comma-separated) in place of the publisher's
        pages = [p.strip() for p in bases["page"].split(",") if p.strip()]
    else:
        pages = [spec["page"]] if "page" in spec else list(spec["pages"])
    found: dict[str, Release] = {}
    for page in pages:
        final, body = _get(client, budget, page, "the publisher's page")
        parser = _Anchors()
        parser.feed(body.decode("utf-8", "replace"))
        for target, rule in spec["targets"].items():
            if target in found:
                continue
            for href, text, before in parser.links:
                if _matches(href, f"{before} {text}", rule):
                    url = _drive(urljoin(final, href), bases)
                    found[target] = Release(target, url, _version(url))
                    break
    missing = sorted(set(spec["targets"]) - set(found))
    if missing:
        raise FetchError(
            f"{', '.join(pages)}: no link found for {', '.join(missing)}; the page may have changed its layout or "
            "sit behind a bot check. Download the file in a browser and `usmx ingest` it."
        )
    return [found[t] for t in spec["targets"]]


def _matches(href: str, text: str, rule: dict) -> bool:
    if rule.get("href") and not re.search(rule["href"], urlparse(href).path, re.IGNORECASE):
        return False
    words = f" {catalog.normalise(text)} "
    if any(f" {catalog.normalise(str(w))} " not in words for w in rule.get("words", [])):
        return False
    return not any(f" {catalog.normalise(str(w))} " in words for w in rule.get("not", []))


def _drive(url: str, bases: dict[str, str]) -> str:
    """A Google Drive file's view link as its download link (the file's own bytes, not the viewer)."""
    parsed = urlparse(url)
    if "drive.google.com" not in parsed.netloc:
        return url
    m = re.search(r"/file/d/([A-Za-z0-9_-]+)", parsed.path)
    file_id = m.group(1) if m else (parse_qs(parsed.query).get("id") or [""])[0]
    if not file_id:
        return url
    return f"{bases.get('drive', 'https://drive.google.com')}/uc?export=download&id={file_id}"


def _version(url: str) -> str:
    """What names a release in its link: Drive's file id, else the file's name."""
    parsed = urlparse(url)
    ids = parse_qs(parsed.query).get("id")
    return f"drive:{ids[0]}" if ids else parsed.path.rsplit("/", 1)[-1]


def _socrata(client: httpx.Client, budget: Budget, spec: dict, bases: dict[str, str]) -> list[Release]:
    import json

    domain = bases.get("page", spec["domain"]).rstrip("/")
    url = f"{domain}/api/views/{spec['dataset']}.json"
    _, body = _get(client, budget, url, "the dataset's metadata")
    try:
        updated = int(json.loads(body)["rowsUpdatedAt"])
    except (ValueError, KeyError, TypeError) as exc:
        raise FetchError(f"{url}: no rowsUpdatedAt in the dataset's metadata ({exc}).") from exc
    when = datetime.fromtimestamp(updated, UTC).strftime("%Y-%m-%dT%H:%MZ")
    return [Release(spec["target"], f"{domain}/api/views/{spec['dataset']}/rows.csv?accessType=DOWNLOAD", when)]


def _github(client: httpx.Client, budget: Budget, spec: dict, bases: dict[str, str]) -> list[Release]:
    import json

    api = bases.get("github_api", bases.get("page", "https://api.github.com")).rstrip("/")
    raw = bases.get("github_raw", "https://raw.githubusercontent.com").rstrip("/")
    url = f"{api}/repos/{spec['repo']}/commits?path={spec['path']}&per_page=1"
    _, body = _get(client, budget, url, "the repository's newest commit")
    try:
        commit = json.loads(body)[0]
        sha, when = commit["sha"], commit["commit"]["committer"]["date"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise FetchError(f"{url}: not a list of commits ({exc}).") from exc
    if not re.fullmatch(r"[0-9a-f]{40}", sha):
        raise FetchError(f"{url}: {sha!r} is not a commit id.")
    return [
        Release(target, f"{raw}/{spec['repo']}/{sha}/{path}", f"{sha[:12]} ({when[:10]})")
        for target, path in spec["files"].items()
    ]
