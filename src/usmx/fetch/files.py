"""Single-file targets (catalog/fetch_targets.yaml): one official file, downloaded once into the raw store.

Some publishers have no stable link: SESNSP's open-data page sits behind a bot check and its links rotate, and
INEGI's mortality data are cube exports. For those, download the file in a browser and ``usmx ingest`` it, or give
the direct link you obtained with ``--url``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import urlparse

from ..errors import UsmxError
from ..rawstore import RawStore
from . import Fetched, FetchResult, Target
from .http import download


def fetch_file(
    store: RawStore,
    target: Target,
    *,
    url: str | None = None,
    progress=None,
    retries: int = 4,
    backoff: float = 1.0,
    sha256: str | None = None,
) -> FetchResult:
    """Download a source's official file into the raw store (once: a file already stored is not stored again)."""
    url = url or target.url
    if url is None:
        raise UsmxError(f"{target.name} has no stable download link. {target.note} Official page: {target.page}")
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
    summary = f"{target.name}: {got.bytes:,} bytes from {url}" + (" (already stored)" if existing else "")
    return FetchResult(target.name, [Fetched(stored, target.kind, origin)], summary, {"bytes": got.bytes})


def _ext(name: str) -> str:
    lower = name.lower()
    for suffix in (".csv.gz", ".csv.zip", ".csv.bz2", ".tar.gz"):
        if lower.endswith(suffix):
            return suffix[1:]
    return lower.rsplit(".", 1)[-1] if "." in lower else "bin"
