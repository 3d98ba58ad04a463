"""``usmx update``: check every source for a newer release and load what is new.

For each source of catalog/updates.yaml, :func:`usmx.fetch.discover.discover` finds the releases the publisher
offers now. A release whose version the ledger already holds (a current load whose origin names it) is up to date;
any other is fetched like ``usmx fetch`` (bounded, resumable, checked; a download whose bytes are already stored is
not stored twice) and loaded, its origin recording the version (``<link> [version <v>]``). A load changes only the
cells the new release covers (the warehouse's coverage rule), so no figure a release does not cover changes. One
source that cannot be checked (a page that moved, a bot check) does not stop the others; it is reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import fetch, rawstore, warehouse
from .errors import UsmxError
from .fetch import discover as _discover


@dataclass
class SourceUpdate:
    """What ``usmx update`` did for one source: the releases found, what was new and loaded, or why it failed."""

    source: str
    releases: list[_discover.Release] = field(default_factory=list)
    current: list[str] = field(default_factory=list)  # targets already up to date
    loaded: list[Any] = field(default_factory=list)  # LoadResult of the new releases
    failed: str | None = None

    @property
    def line(self) -> str:
        if self.failed:
            return f"{self.source}: could not be checked: {self.failed}"
        new = [r for r in self.releases if r.target not in self.current]  # a target per release
        parts = [f"{r.target} {r.version}: new" for r in new] + [f"{t}: up to date" for t in self.current]
        rows = sum(getattr(x, "rows", 0) or 0 for x in self.loaded)
        return f"{self.source}: " + "; ".join(parts) + (f" ({rows:,} rows loaded)" if new else "")


def _tag(version: str) -> str:
    return f"[version {version}]"


def _held(con: Any, release: _discover.Release) -> bool:
    """The warehouse holds this release: a current load of the target's kind whose origin names its version."""
    kind = fetch.targets()[release.target].kind
    rows = con.execute(
        "SELECT file_name FROM loads WHERE is_current AND kind = ? AND contains(file_name, ?)",
        [kind, _tag(release.version)],  # contains, not LIKE: a version may hold _ or %
    ).fetchall()
    return bool(rows)


def run(
    db: Path,
    store: rawstore.RawStore,
    scratch: Path,
    chosen: list[str] | None = None,
    *,
    bases: dict[str, dict[str, str]] | None = None,
    progress: Callable[..., None] | None = None,
    report: Callable[[SourceUpdate], None] | None = None,
) -> list[SourceUpdate]:
    """Check ``chosen`` sources (default: all of catalog/updates.yaml that can be discovered) and load what is new.
    ``bases``: per source, addresses to use instead of the publisher's (see :mod:`usmx.fetch.discover`)."""
    known = _discover.sources()
    if chosen:
        unknown = [s for s in chosen if s not in known]
        if unknown:
            from . import catalog

            raise UsmxError(
                f"unknown source {unknown[0]!r}{catalog.suggest(unknown[0], known)}; sources: {', '.join(known)}."
            )
    names = chosen or [s for s, spec in known.items() if spec["method"] != "none"]
    done: list[SourceUpdate] = []
    for name in names:
        result = SourceUpdate(name)
        try:
            result.releases = _discover.discover(name, bases=(bases or {}).get(name))
            with warehouse.opened(db) as con:
                fresh = [r for r in result.releases if r.version == "current list" or not _held(con, r)]
            result.current = [r.target for r in result.releases if r not in fresh]
            for release in fresh:
                got = fetch.fetch(store, release.target, url=release.url, progress=progress, **dict(release.options))
                items = [(f.path, f.kind, f"{f.origin} {_tag(release.version)}") for f in got.stored]
                with warehouse.opened(db) as con:
                    loaded = warehouse.load_files(con, items, store=store, scratch=scratch, progress=progress)
                if loaded and all(x.status == "already_loaded" for x in loaded):
                    result.current.append(release.target)  # the same bytes as a file already loaded
                result.loaded += [x for x in loaded if x.status != "already_loaded"]
        except UsmxError as exc:
            result.failed = str(exc)
        done.append(result)
        if report:
            report(result)
    return done
