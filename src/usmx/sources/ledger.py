"""The cooperation ledger: a small YAML file of cited bilateral US-Mexico security events.

Layout: a top-level ``events:`` list; each entry has ``id``, ``date`` (ISO), ``kind`` (catalog/ledger_kinds.yaml),
``title_en``, ``title_es``, ``source`` (who published the primary record) and optionally ``persons``. usmx bundles
one ledger; users add their own files in the same layout with ``usmx ingest my_events.yaml``. Every entry is
validated; one bad entry stops the file with its id and field named.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from typing import Any

import pyarrow as pa
import yaml

from .. import catalog
from ..checks import Check
from ..errors import CellError, CheckError, UnknownFormatError
from ..rawstore import FileFacts, open_text
from ._base import Candidate, ParseContext, Staged, rows_of

SOURCE = "ledger"
LICENSE = "CC BY 4.0 (usmx ledger); each entry cites its own public source"
URLS = {"ledger_events": "bundled: usmx/data/ledger/us_mx_security_events.yaml"}
REQUIRED = ("id", "date", "kind", "title_en", "title_es", "source")


def detect(facts: FileFacts) -> list[Candidate]:
    lines = [ln for ln in facts.head.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if lines and lines[0].rstrip() == "events:":
        return [Candidate("ledger_events", {0: "events"}, [], [], [])]
    return []


class _TextDates(yaml.SafeLoader):
    """Safe loading that keeps dates as text, so that a bad date is reported with its entry, not as a crash."""


_TextDates.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def kinds() -> list[str]:
    doc = yaml.safe_load(resources.files("usmx.catalog").joinpath("ledger_kinds.yaml").read_text("utf-8"))
    return list(doc["kinds"])


MAX_TEXT = 2000  # characters in a title or source
MAX_BYTES = 5 << 20  # a ledger is a hand-written file: anything larger is not one


def _load_yaml(ctx: ParseContext) -> object:
    """Safe YAML without anchors or aliases (a few hundred bytes of nested aliases expand to gigabytes)."""
    if ctx.facts.bytes > MAX_BYTES:
        raise UnknownFormatError(
            f"{ctx.display}: {ctx.facts.bytes:,} bytes is too large for a ledger file (at most {MAX_BYTES:,}); "
            "split it."
        )
    with open_text(ctx.facts) as fh:
        text = fh.read()
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise UnknownFormatError(
                    f"{ctx.display}: line {line}: YAML anchors and aliases (&name, *name) are not accepted in "
                    "ledger files; write each entry out in full."
                )
        return yaml.load(text, Loader=_TextDates)
    except yaml.YAMLError as exc:
        raise UnknownFormatError(f"{ctx.display}: not valid YAML ({exc}).") from exc


def parse(ctx: ParseContext, kind: str) -> Staged:
    spec = catalog.tables()["core_ledger__events"]
    doc = _load_yaml(ctx)
    events = (doc or {}).get("events") if isinstance(doc, dict) else None
    if not isinstance(events, list) or not events:
        raise CheckError(ctx.display, "has_events", "the file has no `events:` list.")
    rows: list[dict[str, Any]] = []
    for i, e in enumerate(events, start=1):
        where = f"event {i} ({e.get('id', 'no id')})" if isinstance(e, dict) else f"event {i}"
        if not isinstance(e, dict):
            raise CellError(ctx.display, None, where, str(e)[:60], "a mapping with id, date, kind, titles and source")
        for k in REQUIRED:
            if isinstance(e.get(k), (list, dict)):
                raise CellError(ctx.display, None, f"{where}: {k}", str(e[k])[:60], "a single value, not a list")
            if len(str(e.get(k) or "")) > MAX_TEXT:
                raise CellError(
                    ctx.display, None, f"{where}: {k}", str(e[k])[:60] + "…", f"at most {MAX_TEXT} characters"
                )
        missing = [k for k in REQUIRED if not str(e.get(k) or "").strip()]
        if missing:
            raise CheckError(
                ctx.display,
                "fields_present",
                f"{where} lacks {', '.join(missing)}; every entry needs "
                f"{', '.join(REQUIRED)} (a source on every entry).",
            )
        d = e["date"]
        if not isinstance(d, date):
            try:
                d = date.fromisoformat(str(d))
            except ValueError:
                raise CellError(
                    ctx.display, None, f"{where}: date", str(e["date"]), "an ISO date (YYYY-MM-DD)"
                ) from None
        persons = e.get("persons")
        if persons is not None and (type(persons) is not int or persons < 0 or persons > 1_000_000):
            raise CellError(ctx.display, None, f"{where}: persons", str(persons), "a whole number of people")
        rows.append(
            {
                "event_id": str(e["id"]),
                "event_date": d,
                "kind": str(e["kind"]),
                "persons": persons,
                "title_en": str(e["title_en"]),
                "title_es": str(e["title_es"]),
                "source": str(e["source"]),
                "ledger_file": ctx.display.rsplit("/", 1)[-1],
            }
        )
    types = {"VARCHAR": pa.string(), "DATE": pa.date32(), "INTEGER": pa.int32()}
    table = pa.Table.from_pylist(rows, schema=pa.schema([(f.name, types[f.type]) for f in spec.fields]))
    ctx.con.register("_ledger_rows", table)
    ctx.con.execute("CREATE OR REPLACE TEMP TABLE _ledger AS SELECT * FROM _ledger_rows")
    ctx.con.unregister("_ledger_rows")
    dates: list[date] = [r["event_date"] for r in rows]
    scope = f"ledger_events:{ctx.display.rsplit('/', 1)[-1]}"
    return Staged(
        kind,
        spec,
        "_ledger",
        rows_of(spec, "_ledger"),
        scope=scope,
        vintage=None,
        period_min=min(dates),
        period_max=max(dates),
        checks=_checks(),
        checks_passed=["fields_present", "dates_valid"],
    )


def _checks() -> list[Check]:
    allowed = sorted(kinds())
    listed = ", ".join("'" + k + "'" for k in allowed)
    return [
        Check(
            "kinds_known",
            f"SELECT event_id, kind FROM _ledger WHERE kind NOT IN ({listed}) LIMIT 3",
            lambda rows: f"event {rows[0][0]}: kind {rows[0][1]!r} is not one of {', '.join(allowed)}.",
            early=True,
        ),
        Check(
            "dates_not_future",
            "SELECT event_id, event_date FROM _ledger WHERE event_date > current_date LIMIT 3",
            lambda rows: f"event {rows[0][0]} is dated {rows[0][1]}, in the future.",
        ),
    ]
