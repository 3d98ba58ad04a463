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

from . import __version__
from .errors import FetchError, UsmxError
from .sources import cbp, cdc, conapo, inegi, sesnsp


@dataclass(frozen=True)
class Target:
    """A fetchable source: where the official file lives and which kind of file it is."""

    name: str
    source: str
    kind: str
    url: str | None  # None: no stable URL, --url required
    page: str  # the official page a person can visit
    license: str
    note: str = ""


_SESNSP_NOTE = (
    "SESNSP publishes on a page behind a bot check whose links rotate: download the CSV in a browser from the page "
    "and run `usmx ingest FILE`, or pass the direct link with --url."
)
_CONAPO_NOTE = (
    "CONAPO publishes the projections as spreadsheets; usmx reads the tidy CSV layout documented in the README "
    "(n_year, nombre_estado, cve_ent, genero, pob_start_year, pob_mid_year). Pass its link with --url."
)

TARGETS: dict[str, Target] = {
    "sesnsp-state-crimes": Target("sesnsp-state-crimes", "sesnsp", "sesnsp_state_crimes", None,
                                  sesnsp.URLS["sesnsp_state_crimes"], sesnsp.LICENSE, _SESNSP_NOTE),
    "sesnsp-municipal-crimes": Target("sesnsp-municipal-crimes", "sesnsp", "sesnsp_municipal_crimes", None,
                                      sesnsp.URLS["sesnsp_municipal_crimes"], sesnsp.LICENSE, _SESNSP_NOTE),
    "sesnsp-state-victims": Target("sesnsp-state-victims", "sesnsp", "sesnsp_state_victims", None,
                                   sesnsp.URLS["sesnsp_state_victims"], sesnsp.LICENSE, _SESNSP_NOTE),
    "conapo-state-population": Target(
        "conapo-state-population", "conapo", "conapo_state_population",
        # A maintained tidy CSV of the 2023 projections (the layout usmx's CONAPO parser reads).
        "https://raw.githubusercontent.com/isaacarroyov/datos_facil_acceso/main/GobiernoMexicano/"
        "conapo_proyecciones/conapo_pob_ent_gender_1950_2070.csv",
        conapo.URLS["conapo_state_population"], conapo.LICENSE, _CONAPO_NOTE),
    "conapo-municipal-population": Target(
        "conapo-municipal-population", "conapo", "conapo_municipal_population",
        "https://raw.githubusercontent.com/isaacarroyov/datos_facil_acceso/main/GobiernoMexicano/"
        "conapo_proyecciones/municipios/conapo_proyecciones_mun_2015-2030.csv",
        conapo.URLS["conapo_municipal_population"], conapo.LICENSE, _CONAPO_NOTE),
    "inegi-homicides": Target(
        "inegi-homicides", "inegi", "inegi_homicide_deaths", None, inegi.URLS["inegi_homicide_deaths"],
        inegi.LICENSE,
        "INEGI's cube exports have no stable link: build the query on the page (homicides by municipality of "
        "occurrence and month of registration, one registration year) and export CSV, then `usmx ingest` it."),
    "cbp-seizures": Target(
        "cbp-seizures", "cbp", "cbp_drug_seizures", None, "https://www.cbp.gov/newsroom/stats/drug-seizure-statistics",
        cbp.LICENSE,
        "CBP renames its download every month (e.g. nationwide-drugs-fy23-fy26-dec.csv): copy the CSV link from the "
        "page and pass it with --url."),
    "cbp-amo-seizures": Target(
        "cbp-amo-seizures", "cbp", "cbp_amo_drug_seizures", None,
        "https://www.cbp.gov/newsroom/stats/drug-seizure-statistics", cbp.LICENSE,
        "CBP renames its download every month: copy the Air and Marine Operations CSV link and pass it with --url."),
    "cbp-encounters": Target(
        "cbp-encounters", "cbp", "cbp_encounters_state", None, "https://www.cbp.gov/newsroom/stats/nationwide-encounters",
        cbp.LICENSE,
        "CBP renames its download every month (e.g. nationwide-encounters-fy22-fy25-state.csv): copy the CSV link "
        "and pass it with --url (the -aor.csv variant loads too)."),
    "cdc-overdoses": Target(
        "cdc-overdoses", "cdc", "cdc_vsrr_overdose", cdc.URLS["cdc_vsrr_overdose"],
        "https://data.cdc.gov/NCHS/VSRR-Provisional-Drug-Overdose-Death-Counts/xkb8-kh2a", cdc.LICENSE),
}

RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Downloaded:
    url: str
    path: Path
    sha256: str
    bytes: int
    attempts: int


def download(url: str, dest_dir: Path, *, retries: int = 4, backoff: float = 1.0, timeout: float = 60.0,
             sha256: str | None = None, progress=None, client: httpx.Client | None = None) -> Downloaded:
    """Stream ``url`` to a temporary file in ``dest_dir`` and verify it. The caller renames it into place.

    Raises FetchError after ``retries`` failed attempts, on a truncated body, or on a checksum mismatch.
    """
    dest_dir.mkdir(parents=True, exist_ok=True)
    own = client is None
    client = client or httpx.Client(follow_redirects=True, timeout=timeout,
                                    headers={"User-Agent": f"usmx/{__version__} (+open data observatory)"})
    last: str = ""
    try:
        for attempt in range(1, retries + 2):
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
                return Downloaded(url, tmp, got, size, attempt)
            except (_Retry, httpx.TransportError) as exc:
                tmp.unlink(missing_ok=True)
                last = str(exc) or type(exc).__name__
                if isinstance(exc, httpx.RemoteProtocolError) and "message body" in last:
                    last = f"truncated body: {last}"
                if attempt <= retries:
                    time.sleep(backoff * 2 ** (attempt - 1))
                    continue
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        raise FetchError(f"{url}: download failed after {retries + 1} attempts ({last}); nothing was stored.")
    finally:
        if own:
            client.close()


class _Retry(Exception):
    pass


def fetch(obs, target_name: str, *, url: str | None = None, ingest: bool = True, progress=None,
          retries: int = 4, backoff: float = 1.0, sha256: str | None = None) -> list:
    """Download a source's official file into the raw store; ingest it unless ``ingest`` is False."""
    if target_name not in TARGETS:
        raise UsmxError(f"unknown source {target_name!r}; known: {', '.join(TARGETS)}.")
    target = TARGETS[target_name]
    url = url or target.url
    if url is None:
        raise UsmxError(f"{target_name} has no stable download link. {target.note} Official page: {target.page}")
    staging = obs.raw.root / target.source
    got = download(url, staging, retries=retries, backoff=backoff, sha256=sha256, progress=progress)
    name = Path(urlparse(url).path).name or "download"
    ext = _ext(name)
    existing = obs.raw.find(got.sha256)
    if existing:
        got.path.unlink(missing_ok=True)
        stored = existing
    else:
        stored = obs.raw.adopt(got.path, target.source, got.sha256, ext, url, target.license).path
    if not ingest:
        return [stored]
    return obs.ingest(stored, kind=target.kind, origin=url, progress=progress)


def _ext(name: str) -> str:
    lower = name.lower()
    for suffix in (".csv.gz", ".csv.zip", ".csv.bz2"):
        if lower.endswith(suffix):
            return suffix[1:]
    return lower.rsplit(".", 1)[-1] if "." in lower else "bin"
