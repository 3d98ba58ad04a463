"""One module per public source, each with the same shape (SOURCE, LICENSE, URLS, detect, parse)."""

from __future__ import annotations

from types import ModuleType

from .. import catalog
from ..errors import HeaderError, UnknownFormatError
from ..rawstore import FileFacts
from . import acled, cbp, cdc, conapo, doj, gdelt, gitoc, inegi, ledger, ofac, rnpdno, sesnsp, sesnsp_federal, sspc
from ._base import Candidate

MODULES: tuple[ModuleType, ...] = (
    sesnsp, sesnsp_federal, conapo, inegi, cbp, cdc, gdelt, acled, ledger, ofac, rnpdno, sspc, gitoc, doj
)  # fmt: skip


def module(source: str) -> ModuleType:
    """The module of a source (``sesnsp``, ``cbp``...)."""
    return next(m for m in MODULES if source == m.SOURCE)


def kinds() -> dict[str, ModuleType]:
    """Every kind of file usmx can ingest, mapped to its source module."""
    return {kind: mod for mod in MODULES for kind in mod.URLS}


def _layout(mod: ModuleType, kind: str):
    from .. import catalog

    built = getattr(mod, "built_layouts", None)  # layouts a module derives from its catalogue file (GDELT's labels)
    if built is not None and kind in built():
        return built()[kind]
    try:
        return catalog.layouts(mod.SOURCE).get(kind)
    except (FileNotFoundError, KeyError):
        return None


def detect(facts: FileFacts, display: str, kind: str | None = None) -> tuple[ModuleType, Candidate]:
    """Settle which layout a file is in, from its header.

    With ``kind`` the file must match that layout; otherwise an exact match is looked for among all layouts.
    A near miss raises HeaderError listing unknown and missing columns; no resemblance raises UnknownFormatError.
    """
    known = kinds()
    if kind is not None and kind not in known:
        raise UnknownFormatError(f"unknown kind {kind!r}; known kinds: {', '.join(sorted(known))}.")
    candidates: list[tuple[ModuleType, Candidate]] = []
    for mod in MODULES:
        for cand in mod.detect(facts):
            if kind is None or cand.kind == kind:
                candidates.append((mod, cand))
    exact = [(m, c) for m, c in candidates if c.exact]
    if exact:
        return exact[0]
    near = sorted((mc for mc in candidates if mc[1].score >= 0.4 or kind), key=lambda mc: -mc[1].score)
    if kind and not near:
        layout = _layout(known[kind], kind)
        if layout is not None and known[kind] not in (inegi, gdelt, ledger):
            from ._base import header_row

            header, _ = header_row(facts)
            mapping, unknown, missing = layout.match(header)
            near = [(known[kind], Candidate(kind, mapping, unknown, missing, header))]
    if near:
        mod, cand = near[0]
        layout = next(lay for src in MODULES if (lay := _layout(src, cand.kind)) is not None)
        missing = [layout.columns[c][0] if layout.columns[c][0] else c for c in cand.missing]
        raise HeaderError(display, cand.unknown, missing, cand.kind)
    if facts.container:
        what = "an archive" if facts.container == "tar" else "a workbook"
        parts = "files" if facts.container == "tar" else "sheets"
        listed = ", ".join(facts.members[:3]) + (", …" if len(facts.members) > 3 else "")
        raise UnknownFormatError(
            f"{display}: {what} of {len(facts.members):,} {parts[:-1] if len(facts.members) == 1 else parts} "
            f"({listed}) that matches no layout usmx knows. Archives usmx reads: the daily homicide count "
            "(sspc_daily_homicides); workbooks: the GI-TOC Organized Crime Index. Extract a CSV and ingest it instead."
        )
    _refuse_derivative(facts, display)
    first = facts.head.splitlines()[0][:160] if facts.head else ""
    wanted = f"the {kind} layout" if kind else "any layout usmx knows (" + ", ".join(sorted(known)) + ")"
    raise UnknownFormatError(
        f"{display}: the first line ({first!r}) does not match {wanted}. Check that this is an official file in "
        "its original layout; `usmx ingest --help` lists the kinds."
    )


def _refuse_derivative(facts: FileFacts, display: str) -> None:
    """A known derivative of an official file (catalog/headers/derivatives.yaml) is refused with the column it
    lacks, why that matters and what to load instead."""
    from ._base import header_row

    header, _ = header_row(facts)
    have = {catalog.normalise(h) for h in header}
    for d in catalog.header_maps("derivatives")["derivatives"]:
        if all(catalog.normalise(c) in have for c in d["has"]) and catalog.normalise(d["lacks"]) not in have:
            raise UnknownFormatError(
                f"{display}: this looks like a derivative, {d['name']}: it has no {d['lacks']!r} column, and "
                f"{' '.join(d['why'].split())}. usmx does not load it: {' '.join(d['fix'].split())}."
            )
