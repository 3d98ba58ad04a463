"""The Global Initiative against Transnational Organized Crime's Global Organized Crime Index (kind
``gitoc_country_scores``): the dataset workbook, one sheet per edition (``2021_dataset``, ``2023_dataset``), a row
per country (Continent, Region, Country) and a column per indicator scored 1-10.

Two pillars: *criminality* (the average of criminal markets and criminal actors; higher is more organized crime) and
*resilience* (higher is stronger). Column names changed between editions ("Criminality" in 2021, "Criminality
avg," in 2023) and 2023 added markets and an actor: ``catalog/headers/gitoc.yaml`` maps every spelling to one key
and pillar, so a later edition with the same columns loads unseen and an unknown column is named, not skipped.
The edition's year comes from the sheet's name. Sheets that are not datasets (the title sheet) are passed over.
The scores are expert assessments, not counts: usmx keeps them for context and to validate its own indices.
"""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa

from .. import catalog, containers
from .._db import one
from ..errors import CellError, HeaderError, UnknownFormatError
from ..rawstore import FileFacts, max_expanded_bytes
from ._base import Candidate, ParseContext, Staged, rows_of

SOURCE = "gitoc"
LICENSE = (
    "GI-TOC terms (ocindex.net: free to use with attribution to the Global Initiative against Transnational "
    "Organized Crime); fetched, not bundled beyond a small extract"
)
URLS = {
    "gitoc_country_scores": "https://raw.githubusercontent.com/SDKisito/Analyse-de-l-indice-mondial-de-la-criminalit-"
    "organis-e/6b653720ead628075b02ecc98c3ab9a20b9b494d/global_oc_index.xlsx"
}
KIND = "gitoc_country_scores"
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")


def detect(facts: FileFacts) -> list[Candidate]:
    if facts.container != "xlsx" or not any(_YEAR.search(s) and "dataset" in s.lower() for s in facts.members):
        return []
    return [Candidate(KIND, {}, [], [], [])]


def _spellings() -> dict[str, tuple[str, str]]:
    """Normalised column name -> (indicator key, pillar)."""
    out = {}
    for key, spec in catalog.header_maps(SOURCE)["indicators"].items():
        for spelling in spec["spellings"]:
            out[catalog.normalise(spelling)] = (key, spec["pillar"])
    return out


def parse(ctx: ParseContext, kind: str) -> Staged:
    spec = catalog.tables()[catalog.layouts(SOURCE)[kind].table]
    ids = catalog.layouts(SOURCE)[kind].columns
    known = _spellings()
    cols: dict[str, list[Any]] = {k: [] for k in ("year", "continent", "oc_region", "country", "oc_pillar",
                                                  "oc_indicator", "score")}  # fmt: skip
    read: list[str] = []
    with containers.open_workbook(ctx.display, ctx.facts.path, max_expanded_bytes()) as wb:
        for ws in wb.worksheets:
            m = _YEAR.search(ws.title)
            if not m or "dataset" not in ws.title.lower():
                continue
            year, where = int(m.group(1)), f"{ctx.display}[{ws.title}]"
            rows = containers.sheet_rows(ctx.display, ws)
            header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
            while header and not header[-1]:
                header.pop()
            lookup = {catalog.normalise(s): name for name, spellings in ids.items() for s in spellings}
            place = {lookup[catalog.normalise(h)]: i for i, h in enumerate(header) if catalog.normalise(h) in lookup}
            scored = {i: known[catalog.normalise(h)] for i, h in enumerate(header) if catalog.normalise(h) in known}
            unknown = [h for i, h in enumerate(header) if i not in scored and i not in place.values()]
            missing = [n for n in ids if n not in place]
            if unknown or missing:
                raise HeaderError(where, unknown, missing, kind)
            read.append(ws.title)
            for line, row in enumerate(rows, start=2):
                if not row or all(c is None for c in row):
                    continue
                country = str(row[place["country"]] or "").strip()
                if not country:
                    raise CellError(where, line, "Country", "", "a country's name")
                for i, (key, pillar) in scored.items():
                    value = row[i] if i < len(row) else None
                    if not isinstance(value, int | float) or isinstance(value, bool):
                        raise CellError(where, line, header[i], str(value), "a score from 1 to 10")
                    for name, v in (("year", year), ("continent", row[place["continent"]]),
                                    ("oc_region", row[place["region"]]), ("country", country),
                                    ("oc_pillar", pillar), ("oc_indicator", key), ("score", float(value))):  # fmt: skip
                        cols[name].append(v.strip() if isinstance(v, str) else v)
    if not read:
        raise UnknownFormatError(
            f"{ctx.display}: the workbook has no sheet named like '2023_dataset' "
            f"(sheets: {', '.join(ctx.facts.members)})."
        )
    arrow = pa.table(
        {
            "year": pa.array(cols["year"], pa.int32()),
            **{
                c: pa.array(cols[c], pa.string())
                for c in ("continent", "oc_region", "country", "oc_pillar", "oc_indicator")
            },
            "score": pa.array(cols["score"], pa.float64()),
        }
    )
    ctx.con.register("_gitoc_arrow", arrow)
    ctx.con.execute("CREATE OR REPLACE TEMP TABLE _gitoc AS SELECT * FROM _gitoc_arrow")
    ctx.con.unregister("_gitoc_arrow")
    ymin, ymax, countries = one(ctx.con, "SELECT min(year), max(year), count(DISTINCT country) FROM _gitoc")
    from datetime import date

    return Staged(
        kind,
        spec,
        "_gitoc",
        rows_of(spec, "_gitoc"),
        scope=kind,
        vintage=date(ymax, 1, 1),
        period_min=date(ymin, 1, 1),
        period_max=date(ymax, 1, 1),
        notes=[f"editions {', '.join(read)}: {countries} countries, {arrow.num_rows:,} scores"],
    )
