"""US Treasury OFAC's Specially Designated Nationals list, ``sdn.csv``: one row per listed person, company, vessel or
aircraft; 12 columns, no header, ``-0-`` for an empty cell, Latin-1, ending with a DOS end-of-file mark (0x1A).

Columns (OFAC's documentation of the legacy CSV files): entity number, name, type (``individual``, ``vessel``,
``aircraft``; empty for entities), programs (several tags joined by ``] [``: ``SDNTK] [ILLICIT-DRUGS-EO14059``),
title, call sign, vessel type, tonnage, gross registered tonnage, vessel flag, vessel owner, remarks.

The list carries no designation dates, so each download is a vintage dated by its file name (``sdn_2024-05-03.csv``;
``usmx fetch ofac-sdn`` names it so) and every vintage is kept: an entry first seen in a vintage was designated
between the previous vintage and that one. ``mexico_tie`` marks entries whose remarks tie them to Mexico (a place or
nationality in Mexico, or a Mexican RFC or CURP identifier).
"""

from __future__ import annotations

import re
from datetime import date

from .. import catalog
from .._db import one
from ..checks import Check
from ..errors import UnknownFormatError
from ..rawstore import FileFacts
from ._base import Candidate, ParseContext, Staged, read_wide, rows_of, validate_integer_cells

SOURCE = "ofac"
LICENSE = "Public domain (US federal government data, Treasury OFAC)"
URLS = {"ofac_sdn": "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.CSV"}
KIND = "ofac_sdn"
COLUMNS = ["ent_num", "name", "sdn_type", "programs", "title", "call_sign", "vess_type", "tonnage", "grt",
           "vess_flag", "vess_owner", "remarks"]  # fmt: skip
_FIRST = re.compile(r'^\d+,"[^"]*",(-0- |"[^"]*"),("[^"]*"|-0- ),')
#: a date in a file name, not digits inside a longer token (a raw store name is a sha256)
_DATE = re.compile(r"(?<![0-9A-Za-z])(\d{4})-?(\d{2})-?(\d{2})(?![0-9A-Za-z])")
#: remarks that tie an entry to Mexico: the country, a Mexican state capital or tax/population identifier
MEXICO_TIE = r"(?i)\b(mexico|méxico|mexican)\b|\bRFC\b|\bCURP\b"


def detect(facts: FileFacts) -> list[Candidate]:
    first = facts.head.splitlines()[0] if facts.head else ""
    if _FIRST.match(first) and first.count("-0-") >= 3:
        return [Candidate(KIND, dict(enumerate(COLUMNS)), [], [], first.split(","))]
    return []


def list_date(display: str, origin: str | None = None) -> date:
    """The vintage of a list from its file name (``sdn_2024-05-03.csv`` or ``sdn_20240503.csv``), else from the day
    it was retrieved (``usmx fetch ofac-sdn`` records it)."""
    if origin and " retrieved " in origin:
        m = _DATE.search(origin.rsplit(" retrieved ", 1)[1])
    else:
        m = _DATE.search(display.rsplit("/", 1)[-1])
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise UnknownFormatError(
        f"{display}: the SDN list carries no date, so usmx takes its vintage from the file name; rename it with the "
        "day it was downloaded, e.g. sdn_2024-05-03.csv (`usmx fetch ofac-sdn` does this)."
    )


def parse(ctx: ParseContext, kind: str) -> Staged:
    spec = catalog.tables()["core_ofac__sdn_entries"]
    day = list_date(ctx.display, ctx.origin)
    # the last line is OFAC's end-of-file mark (0x1A) alone: read short lines padded, drop that one, and let the
    # checks refuse any other short line (an entry without a name or a program)
    read_wide(ctx, "_sdn_raw", COLUMNS, ",", header=False, null_padding=True)
    ctx.con.execute("DELETE FROM _sdn_raw WHERE trim(ent_num) = chr(26) AND name IS NULL")
    validate_integer_cells(
        ctx, "_sdn_raw", ["ent_num"], COLUMNS, dict(enumerate(COLUMNS)), ",", allow_blank=False, what="an entity number"
    )

    def text(c: str) -> str:
        return f"nullif(trim({c}), '-0-')"

    ctx.con.execute(
        f"CREATE OR REPLACE TEMP TABLE _sdn AS SELECT DATE '{day}' AS list_date, "
        f"date_trunc('month', DATE '{day}')::DATE AS period, CAST(ent_num AS BIGINT) AS ent_num, {text('name')} AS "
        f"name, coalesce({text('sdn_type')}, 'entity') AS sdn_type, {text('programs')} AS programs, "
        f"{text('title')} AS title, {text('remarks')} AS remarks, "
        f"coalesce(regexp_matches({text('remarks')}, '{MEXICO_TIE}'), false) AS mexico_tie FROM _sdn_raw"
    )
    n, mex = one(ctx.con, "SELECT count(*), count(*) FILTER (WHERE mexico_tie) FROM _sdn")
    return Staged(
        kind,
        spec,
        "_sdn",
        rows_of(spec, "_sdn"),
        scope=f"{kind}:{day}",
        vintage=day,
        period_min=date(day.year, day.month, 1),
        period_max=date(day.year, day.month, 1),
        checks=CHECKS,
        read_relation="_sdn_raw",
        header_lines=1,  # the end-of-file mark's line
        notes=[f"{n:,} entries on the list of {day}, {mex:,} tied to Mexico"],
    )


CHECKS = [
    Check(
        "programs_present",
        "SELECT ent_num, name FROM _sdn WHERE programs IS NULL LIMIT 3",
        lambda rows: f"entries {rows} have no sanctions program; every SDN entry names at least one.",
    ),
    Check(
        "names_present",
        "SELECT ent_num FROM _sdn WHERE name IS NULL LIMIT 3",
        lambda rows: f"entries {[r[0] for r in rows]} have no name.",
    ),
]
