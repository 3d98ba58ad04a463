"""HTTP downloads into the raw store's staging folders: streamed, hashed, bounded, retried.

A download streams to ``<raw>/<source>/.<random>.part``, hashing as it goes; it is checked against the server's
Content-Length (a body cut short is an error, not a smaller file) and against ``sha256`` when the caller gives one;
the caller renames it into place under its content hash. Transient failures (connection errors, timeouts, HTTP 429
and 5xx) are retried with exponential backoff; a body cut off by a server that accepts ranges is resumed from the
byte it stopped at (``Range``), and started over where the server sends the whole file again. Nothing is stored from
a failed download.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

from .._version import __version__
from ..errors import FetchError

RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def check_url(url: str) -> None:
    scheme = urlparse(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(
            f"{url}: usmx downloads http(s) addresses only (got {scheme or 'no'} scheme); for a local "
            "file use `usmx ingest FILE`."
        )


def safe_for_credentials(url: str) -> None:
    """Credentials go over https only (plain http to this machine's loopback is allowed, for local tests)."""
    parsed = urlparse(url)
    if parsed.scheme != "https" and not (parsed.scheme == "http" and parsed.hostname in _LOOPBACK):
        raise FetchError(
            f"{url}: refused to send credentials over {parsed.scheme or 'an unknown scheme'}; ACLED's "
            "addresses are https."
        )


def looks_like_html(head: bytes, content_type: str = "") -> bool:
    """An HTML page rather than data: the body starts like one (no official file usmx fetches is HTML), or the
    server calls it HTML and it starts with a tag. A CSV mislabelled text/html still passes: its first byte is not
    ``<``."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return True
    if start.startswith((b"<?xml", b"<!--")) and b"<html" in start:
        return True
    return content_type.split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml") and start[:1] == b"<"


@dataclass(frozen=True)
class Downloaded:
    url: str
    path: Path
    sha256: str
    bytes: int
    attempts: int
    resumed: bool = False  # the last attempt continued a cut-off one (HTTP Range)


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
    confirmed: bool = False,
) -> Downloaded:
    """Stream ``url`` to a temporary file in ``dest_dir`` and verify it. The caller renames it into place.

    Raises FetchError after ``retries`` failed attempts (only transient failures are retried: connection errors,
    timeouts, HTTP 408/425/429/5xx, a short body), on any other HTTP error, a body larger than ``max_bytes``, a
    download running past ``deadline`` seconds in all, or a checksum mismatch. Nothing stays on disk then.
    """
    check_url(url)
    from .. import config

    max_bytes = config.get("USMX_MAX_DOWNLOAD_BYTES") if max_bytes is None else max_bytes
    deadline = config.get("USMX_DOWNLOAD_DEADLINE") if deadline is None else deadline
    started = time.monotonic()
    dest_dir.mkdir(parents=True, exist_ok=True)
    own = client is None
    client = client or httpx.Client(
        follow_redirects=True, timeout=timeout, headers={"User-Agent": f"usmx/{__version__} (+open data observatory)"}
    )

    # a transient failure after some bytes keeps them: the next attempt asks for the rest (HTTP Range) and
    # appends, when the server honours it (206 from the right offset), else starts over
    part: dict[str, Any] = {}

    def attempt(n: int) -> Downloaded:
        if part:
            tmp, size, digest, head = part["path"], part["size"], part["digest"], part["head"]
            headers = {"Range": f"bytes={size}-"}
        else:
            fd, tmp_name = tempfile.mkstemp(dir=dest_dir, prefix=".", suffix=f".{os.getpid()}.part")
            os.close(fd)
            tmp, size, digest, head = Path(tmp_name), 0, hashlib.sha256(), b""
            headers = {}
        try:
            with open(tmp, "r+b") as out, client.stream("GET", url, headers=headers) as resp:
                if resp.status_code in RETRY_STATUS:
                    raise Retry(f"HTTP {resp.status_code}")
                if resp.status_code >= 400:
                    raise FetchError(f"{url}: the server answered HTTP {resp.status_code}; check the URL.")
                expected = resp.headers.get("Content-Length")
                total = int(expected) if expected and expected.isdigit() else None
                if headers and resp.status_code == 206 and _range_start(resp) == size:
                    out.seek(size)
                    total = size + total if total is not None else _range_total(resp)
                else:  # a fresh start (or a server that ignores Range: it sends the whole file again)
                    out.seek(0)
                    out.truncate()
                    size, digest, head = 0, hashlib.sha256(), b""
                if resp.headers.get("Content-Encoding") not in (None, "identity"):
                    total = None  # Content-Length counts compressed bytes; httpx hands us decoded ones
                if total is not None and total > max_bytes:
                    raise FetchError(
                        f"{url}: the server announces {total:,} bytes, more than the {max_bytes:,} "
                        "allowed; nothing was stored (raise the limit with USMX_MAX_DOWNLOAD_BYTES)."
                    )
                try:
                    for chunk in resp.iter_raw() if total is not None else resp.iter_bytes():
                        out.write(chunk)
                        digest.update(chunk)
                        if len(head) < 1024:
                            head += chunk[: 1024 - len(head)]
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
                        raise Retry(f"truncated body: {size:,} of {total:,} bytes")
                except (Retry, httpx.TransportError):
                    out.flush()
                    if size and resp.headers.get("Accept-Ranges", "").lower() == "bytes":
                        part.update(path=tmp, size=size, digest=digest, head=head)  # resumed by the next attempt
                    else:
                        part.clear()
                        tmp.unlink(missing_ok=True)
                    raise
            if size == 0:
                raise FetchError(f"{url}: the server sent an empty body.")
            if looks_like_html(head, resp.headers.get("Content-Type", "")):
                confirm = drive_confirmation(tmp, url) if size < (1 << 20) and not confirmed else None
                if confirm:
                    raise _Follow(confirm)
                raise FetchError(
                    f"{url}: the server sent a web page (HTML), not a data file: a login, error or bot-check page, "
                    "or a link to a page rather than to the file. Nothing was stored; open the address in a browser, "
                    "download the file and `usmx ingest` it, or give the file's own link with --url."
                )
            got = digest.hexdigest()
            if sha256 and got != sha256.lower():
                raise FetchError(f"{url}: sha256 {got} does not match the expected {sha256}; nothing was stored.")
            part.clear()
            return Downloaded(url, tmp, got, size, n, resumed=bool(headers) and resp.status_code == 206)
        except (Retry, httpx.TransportError):
            if not part:
                tmp.unlink(missing_ok=True)
            raise
        except BaseException:
            part.clear()
            tmp.unlink(missing_ok=True)
            raise

    try:
        return retrying(
            attempt,
            retries,
            backoff,
            lambda last: f"{url}: download failed after {retries + 1} attempts ({last}); nothing was stored.",
        )
    except _Follow as follow:  # Google Drive's confirmation page for a large file: its form names the file's link
        return download(
            follow.url, dest_dir, retries=retries, backoff=backoff, timeout=timeout, sha256=sha256,
            progress=progress, client=client, max_bytes=max_bytes, deadline=deadline,
            confirmed=True,
        )  # fmt: skip
    finally:
        if part:  # every attempt failed: the bytes kept for a resume go too
            part["path"].unlink(missing_ok=True)
        if own:
            client.close()


def _range_start(resp: httpx.Response) -> int | None:
    """The first byte of a 206 answer (``Content-Range: bytes START-END/TOTAL``)."""
    value = resp.headers.get("Content-Range", "")
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None


def _range_total(resp: httpx.Response) -> int | None:
    value = resp.headers.get("Content-Range", "").rsplit("/", 1)[-1]
    return int(value) if value.isdigit() else None


def retrying(attempt, retries: int, backoff: float, failure):
    """Call ``attempt(n)`` until it returns; transient failures (connection errors, timeouts, a Retry raised on
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
        except (Retry, httpx.TransportError) as exc:
            last = str(exc) or type(exc).__name__
            if isinstance(exc, httpx.RemoteProtocolError) and "message body" in last:
                last = f"truncated body: {last}"
        except httpx.HTTPError as exc:
            raise FetchError(f"the request failed: {exc}.") from exc
        if n <= retries:
            time.sleep(backoff * 2 ** (n - 1))
    raise FetchError(failure(last))


class Retry(Exception):
    pass


class _Follow(Exception):
    """The answer was a confirmation page whose form leads to the file: download from ``url`` instead."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def drive_confirmation(page: Path, url: str) -> str | None:
    """The file's link on Google Drive's "can't scan this file for viruses" page (a form ``download-form`` whose
    hidden inputs name the file and a confirmation token, or an older page's ``uc-download-link``), or None."""
    from html.parser import HTMLParser
    from urllib.parse import urlencode, urljoin

    class Form(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.action: str | None = None
            self.inputs: dict[str, str] = {}
            self.link: str | None = None
            self._in = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = {k: v or "" for k, v in attrs}
            if tag == "form" and a.get("id") == "download-form":
                self.action, self._in = a.get("action"), True
            elif tag == "input" and self._in and a.get("type") == "hidden" and a.get("name"):
                self.inputs[a["name"]] = a.get("value", "")
            elif tag == "a" and a.get("id") == "uc-download-link":
                self.link = a.get("href")

        def handle_endtag(self, tag: str) -> None:
            if tag == "form":
                self._in = False

    form = Form()
    form.feed(page.read_text("utf-8", "replace"))
    if form.action and form.inputs.get("id"):
        return f"{urljoin(url, form.action)}?{urlencode(form.inputs)}"
    return urljoin(url, form.link) if form.link else None


class Budget:
    """Bytes and seconds left for a fetch of many requests (paged APIs): USMX_MAX_DOWNLOAD_BYTES and
    USMX_DOWNLOAD_DEADLINE, counted over all its pages."""

    def __init__(self) -> None:
        from .. import config

        self.max_bytes = int(config.get("USMX_MAX_DOWNLOAD_BYTES"))
        self.deadline = float(config.get("USMX_DOWNLOAD_DEADLINE"))
        self.started = time.monotonic()
        self.bytes = 0

    def spend(self, url: str, n: int) -> None:
        self.bytes += n
        if self.bytes > self.max_bytes:
            raise FetchError(
                f"{url}: the answers passed {self.max_bytes:,} bytes in all; nothing was stored (raise the limit "
                "with USMX_MAX_DOWNLOAD_BYTES, or fetch a shorter period)."
            )
        if time.monotonic() - self.started > self.deadline:
            raise FetchError(
                f"{url}: the fetch took longer than {self.deadline:,.0f} s in all; nothing was stored "
                "(USMX_DOWNLOAD_DEADLINE sets the limit)."
            )


def read_page(resp: httpx.Response, url: str, what: str, cap: int, budget: Budget) -> bytes:
    """A streamed answer's body, read in chunks: at most ``cap`` bytes, counted against ``budget``."""
    body = bytearray()
    for chunk in resp.iter_bytes():
        body += chunk
        budget.spend(url, len(chunk))
        if len(body) > cap:
            raise FetchError(
                f"{url}: the answer for {what} passed {cap:,} bytes, more than one page holds; nothing was stored."
            )
    return bytes(body)
