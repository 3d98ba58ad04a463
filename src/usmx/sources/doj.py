"""US Department of Justice press releases, as ``usmx fetch doj-press-releases`` extracts them from the DOJ's
press-release API (https://www.justice.gov/api/v1/press_releases.json).

The extract is JSON lines (gzip), one release per line: ``uuid``, ``date`` (ISO), ``title``, ``url``,
``components`` (the issuing offices, "; "-joined), ``mentions_mexico`` (catalog/doj_rules.yaml) and ``text`` (the
body with tags removed, for releases that mention Mexico; null for the others, which count towards each month's
total only). The fetcher keeps whole months, so a newer extract replaces the months it covers.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pyarrow as pa

from .. import catalog
from ..checks import Check
from ..errors import CellError, CheckError
from ..rawstore import FileFacts, open_text
from ._base import Candidate, ParseContext, Staged, rows_of

SOURCE = "doj"
LICENSE = "Public domain (US federal government work, Department of Justice)"
URLS = {"doj_press_releases": "https://www.justice.gov/api/v1/press_releases.json"}
KEYS = ("uuid", "date", "title", "url", "components", "mentions_mexico", "text")
MAX_LINE = 2 << 20  # a release's text is a few kilobytes; a line longer than this is not one


def detect(facts: FileFacts) -> list[Candidate]:
    first = facts.head.split("\n", 1)[0].strip() if facts.head else ""
    if not first.startswith("{"):
        return []
    try:
        keys = tuple(json.loads(first))
    except ValueError:
        return []  # a first line cut short by the head's size: not an extract usmx wrote
    if keys == KEYS:
        return [Candidate("doj_press_releases", dict(enumerate(KEYS)), [], [], list(KEYS))]
    return []


def _release(ctx: ParseContext, n: int, line: str) -> dict[str, Any]:
    where = f"line {n}"
    if len(line) > MAX_LINE:
        raise CellError(ctx.display, n, where, line[:60] + "…", f"a release of at most {MAX_LINE:,} characters")
    try:
        r = json.loads(line)
    except ValueError as exc:
        raise CellError(ctx.display, n, where, line[:60], f"a JSON object ({exc})") from None
    if not isinstance(r, dict) or tuple(r) != KEYS:
        got = ", ".join(r) if isinstance(r, dict) else type(r).__name__
        raise CellError(ctx.display, n, where, got[:60], f"the keys {', '.join(KEYS)}")
    try:
        day = date.fromisoformat(str(r["date"]))
    except ValueError:
        raise CellError(ctx.display, n, f"{where}: date", str(r["date"]), "an ISO date (YYYY-MM-DD)") from None
    for k in ("uuid", "title", "url"):
        if not isinstance(r[k], str) or not r[k].strip():
            raise CellError(ctx.display, n, f"{where}: {k}", str(r[k])[:60], "a non-empty text")
    if not isinstance(r["mentions_mexico"], bool):
        raise CellError(ctx.display, n, f"{where}: mentions_mexico", str(r["mentions_mexico"]), "true or false")
    if r["text"] is not None and not isinstance(r["text"], str):
        raise CellError(ctx.display, n, f"{where}: text", str(r["text"])[:60], "a text or null")
    return {
        "release_id": r["uuid"].strip(),
        "release_date": day,
        "period": date(day.year, day.month, 1),
        "title": r["title"].strip(),
        "url": r["url"].strip(),
        "doj_components": r["components"] if isinstance(r["components"], str) else None,
        "mentions_mexico": r["mentions_mexico"],
        "body_text": r["text"] if r["mentions_mexico"] else None,
    }


def parse(ctx: ParseContext, kind: str) -> Staged:
    spec = catalog.tables()["core_doj__press_releases"]
    rows = []
    with open_text(ctx.facts) as fh:
        for n, line in enumerate(fh, start=1):
            if line.strip():
                rows.append(_release(ctx, n, line))
    if not rows:
        raise CheckError(ctx.display, "has_rows", "the extract holds no releases.")
    types = {"VARCHAR": pa.string(), "DATE": pa.date32(), "BOOLEAN": pa.bool_()}
    table = pa.Table.from_pylist(rows, schema=pa.schema([(f.name, types[f.type]) for f in spec.fields]))
    ctx.con.register("_doj_rows", table)
    ctx.con.execute("CREATE OR REPLACE TEMP TABLE _doj AS SELECT * FROM _doj_rows")
    ctx.con.unregister("_doj_rows")
    days = [r["release_date"] for r in rows]
    mexico = sum(r["mentions_mexico"] for r in rows)
    return Staged(
        kind,
        spec,
        "_doj",
        rows_of(spec, "_doj"),
        scope=kind,
        vintage=max(days),
        period_min=date(min(days).year, min(days).month, 1),
        period_max=date(max(days).year, max(days).month, 1),
        checks=[
            Check(
                "urls_valid",
                "SELECT release_id, url FROM _doj WHERE NOT regexp_matches(url, '^https?://') LIMIT 3",
                lambda bad: f"release {bad[0][0]} has the address {bad[0][1]!r}; addresses are http(s).",
            )
        ],
        checks_passed=["fields_present", "dates_valid"],
        notes=[f"{len(rows):,} press releases {min(days)} … {max(days)}, {mexico:,} mentioning Mexico"],
    )
