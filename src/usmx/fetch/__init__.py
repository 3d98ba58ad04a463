"""Fetching: one entry point, :func:`fetch`, for every target of catalog/fetch_targets.yaml, with typed results.

Each target names its ``method`` (default ``file``: one official file; ``gdelt``: the exports of a date range;
``acled``: the paged API; ``doj``: the press-release API). :func:`fetch` checks the options the method takes,
downloads into the raw store and returns a :class:`FetchResult`: the files now stored (for the façade to ingest),
counts, failures and a line for people. Downloads are bounded in bytes and time (:mod:`usmx.fetch.http`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import catalog
from ..errors import ParameterError, UnknownNameError
from ..rawstore import RawStore


@dataclass(frozen=True)
class Target:
    """A fetchable source (catalog/fetch_targets.yaml): the official file's link and which kind of file it is."""

    name: str
    source: str
    kind: str
    url: str | None  # None: no stable URL, --url required
    page: str  # the official page a person can visit
    note: str = ""
    dated: bool = False  # the file has no date of its own: its vintage is the day it is retrieved
    method: str = "file"  # how it is fetched: file, gdelt, acled or doj

    @property
    def license(self) -> str:
        from .. import sources

        mod = sources.module(self.source)
        return getattr(mod, "LICENSES", {}).get(self.kind, mod.LICENSE)


def targets() -> dict[str, Target]:
    return {
        name: Target(
            name,
            t["source"],
            t["kind"],
            t.get("url"),
            t["page"],
            " ".join(t.get("note", "").split()),
            t.get("dated", False),
            t.get("method", "file"),
        )
        for name, t in catalog.fetch_targets().items()
    }


@dataclass(frozen=True)
class Fetched:
    """A file now in the raw store, and what to load it as."""

    path: Path
    kind: str
    origin: str


@dataclass
class FetchResult:
    """What a fetch did: the files now in the raw store (in the order to load them), counts, failures, a summary."""

    target: str
    stored: list[Fetched]
    summary: str
    counts: dict[str, Any] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    loads: list = field(default_factory=list)  # filled by the façade when it ingests what was stored


def _methods() -> dict[str, Callable[..., FetchResult]]:
    from .acled import fetch_acled
    from .doj import fetch_doj
    from .files import fetch_file
    from .gdelt import fetch_gdelt

    return {"file": fetch_file, "gdelt": fetch_gdelt, "acled": fetch_acled, "doj": fetch_doj}


def options(target: str) -> list[str]:
    """The options a target's fetch takes (besides ``progress``)."""
    func = _methods()[_target(target).method]
    return [p for p in list(inspect.signature(func).parameters)[2:] if p != "progress"]


def _target(name: str) -> Target:
    known = targets()
    if name not in known:
        raise UnknownNameError(f"unknown source {name!r}{catalog.suggest(name, known)}; known: {', '.join(known)}.")
    return known[name]


def fetch(store: RawStore, target: str, *, progress=None, **opts: Any) -> FetchResult:
    """Fetch ``target`` (catalog/fetch_targets.yaml) into ``store``: options given as None are not given; an option
    the target's method does not take is refused, naming the ones it takes."""
    t = _target(target)
    given = {k: v for k, v in opts.items() if v is not None}
    takes = options(target)
    extra = sorted(set(given) - set(takes))
    if extra:
        shown = ", ".join("--" + k.replace("_", "-") for k in extra)
        raise ParameterError(
            f"{target} takes no {shown}; it takes: {', '.join('--' + k.replace('_', '-') for k in takes)}."
        )
    return _methods()[t.method](store, t, progress=progress, **given)
