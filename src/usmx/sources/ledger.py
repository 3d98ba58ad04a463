"""The cooperation ledger (version 2): cited bilateral US-Mexico security events, and counted acts.

A ledger file is YAML with one top-level list:

- ``events:`` (kind ``ledger_events``, table ``core_ledger__events``): ``id``, ``date`` (ISO), ``kind``
  (catalog/ledger_kinds.yaml), ``title_en``, ``title_es``, optionally ``persons`` (people moved);
- ``counts:`` (kind ``ledger_counts``, table ``core_ledger__counts``): ``id``, ``quantity`` (catalog/ledger_kinds.yaml
  ``quantities``: extraditions, transfers, terrorist_designations, ...), ``period`` (``2019`` or ``2019-03``) or
  ``start`` and ``end`` (ISO dates), ``value`` (a number, at least 0) and ``unit`` (the quantity's unit), and
  optionally ``acts``: how many separate acts the value sums (1 for 29 prisoners sent on one day), which the
  before-and-after comparisons use to widen their intervals for batches.

Every row names its ``publisher``, the ``url`` of the record (http or https) and the date it was ``accessed``, and
may carry a ``note``. Several rows may count the same quantity over the same period from different publishers: all
are kept, so that their disagreement shows. usmx bundles one file of each list (usmx/data/ledger/); users add their
own in the same layout with ``usmx ingest my_ledger.yaml``. Every row is validated; one bad row stops the file with
its position, id and field named, and ids must be unique within a file.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from importlib import resources
from typing import Any

import pyarrow as pa
import yaml

from .. import _yaml, catalog
from ..checks import Check
from ..errors import CellError, CheckError, UnknownFormatError
from ..rawstore import FileFacts, open_text
from ._base import Candidate, ParseContext, Staged, rows_of

SOURCE = "ledger"
LICENSE = "CC BY 4.0 (usmx ledger); each row cites its own public record"
URLS = {
    "ledger_events": "bundled: usmx/data/ledger/us_mx_security_events.yaml",
    "ledger_counts": "bundled: usmx/data/ledger/us_mx_cooperation_counts.yaml",
}
#: what every row of a list must have (``publisher``, ``url`` and ``accessed`` on every row, whichever the list)
CITED = ("publisher", "url", "accessed")
REQUIRED = {
    "events": ("id", "date", "kind", "title_en", "title_es", *CITED),
    "counts": ("id", "quantity", "value", "unit", *CITED),
}
LISTS = {"events": "ledger_events", "counts": "ledger_counts"}
TABLES = {"ledger_events": "core_ledger__events", "ledger_counts": "core_ledger__counts"}


def detect(facts: FileFacts) -> list[Candidate]:
    lines = [ln for ln in facts.head.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    first = lines[0].rstrip() if lines else ""
    for name, kind in LISTS.items():
        if first == f"{name}:":
            return [Candidate(kind, {0: name}, [], [], [])]
    return []


class _TextDates(_yaml.UniqueKeys, yaml.SafeLoader):
    """Safe loading that keeps dates as text, so that a bad date is reported with its entry, not as a crash."""


_TextDates.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _kinds_doc() -> dict:
    return catalog.load_yaml(
        resources.files("usmx.catalog").joinpath("ledger_kinds.yaml").read_text("utf-8"),
        "usmx/catalog/ledger_kinds.yaml",
    )


def kinds() -> list[str]:
    return list(_kinds_doc()["kinds"])


def quantities() -> dict[str, dict[str, Any]]:
    """What a ledger count may count: quantity -> unit, scorecard component, side, labels."""
    return catalog.ledger_quantities()


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
        text = fh.read(MAX_BYTES + 1)  # counted as it decompresses: a small .yaml.gz may expand to gigabytes
    if len(text) > MAX_BYTES:
        raise UnknownFormatError(
            f"{ctx.display}: the ledger expands to more than {MAX_BYTES:,} characters, more than a hand-written "
            "file holds; split it."
        )
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise UnknownFormatError(
                    f"{ctx.display}: line {line}: YAML anchors and aliases (&name, *name) are not accepted in "
                    "ledger files; write each entry out in full."
                )
    except yaml.YAMLError as exc:
        raise UnknownFormatError(f"{ctx.display}: not valid YAML ({exc}).") from exc
    return _yaml.load(text, ctx.display, _TextDates)


_URL = re.compile(r"https?://[^\s/$.?#][^\s]*\Z", re.IGNORECASE)


def _date(ctx: ParseContext, where: str, field: str, value: object) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CellError(ctx.display, None, f"{where}: {field}", str(value), "an ISO date (YYYY-MM-DD)") from None


def _period(ctx: ParseContext, where: str, row: dict) -> tuple[date, date]:
    """A count's first and last day: ``period: 2019`` (a year), ``period: 2019-03`` (a month), or ``start``/``end``."""
    if row.get("period") is not None:
        if row.get("start") is not None or row.get("end") is not None:
            raise CellError(
                ctx.display, None, f"{where}: period", str(row["period"]), "period, or start and end, not both"
            )
        text = str(row["period"]).strip()
        if re.fullmatch(r"\d{4}", text):
            y = int(text)
            return date(y, 1, 1), date(y, 12, 31)
        m = re.fullmatch(r"(\d{4})-(\d{2})", text)
        if m and 1 <= int(m.group(2)) <= 12:
            y, mo = int(m.group(1)), int(m.group(2))
            return date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1])
        raise CellError(ctx.display, None, f"{where}: period", text, "a year (2019) or a month (2019-03)")
    if row.get("start") is None or row.get("end") is None:
        raise CheckError(
            ctx.display,
            "fields_present",
            f"{where} has no period: give `period` (2019 or 2019-03), or `start` and `end`.",
        )
    first, last = _date(ctx, where, "start", row["start"]), _date(ctx, where, "end", row["end"])
    if last < first:
        raise CellError(ctx.display, None, f"{where}: end", str(last), f"a date on or after its start ({first})")
    return first, last


def _common(ctx: ParseContext, where: str, row: dict, listname: str) -> dict[str, Any]:
    """The checks every row passes (fields present and single, lengths, the citation) and its cited columns."""
    if "source" in row and "publisher" not in row:
        raise CheckError(
            ctx.display,
            "fields_present",
            f"{where} names a `source` (ledger version 1); version 2 cites a `publisher`, the record's `url` and the "
            "date it was `accessed` (see usmx/data/ledger/README.md).",
        )
    required = REQUIRED[listname]
    for k, v in row.items():
        if isinstance(v, (list, dict)):
            raise CellError(ctx.display, None, f"{where}: {k}", str(v)[:60], "a single value, not a list")
        if len(str(v or "")) > MAX_TEXT:
            raise CellError(ctx.display, None, f"{where}: {k}", str(v)[:60] + "…", f"at most {MAX_TEXT} characters")
    missing = [k for k in required if not str(row.get(k) if row.get(k) is not None else "").strip()]
    if missing:
        raise CheckError(
            ctx.display,
            "fields_present",
            f"{where} lacks {', '.join(missing)}; every {listname[:-1]} needs {', '.join(required)} "
            "(every number and event carries its publisher and the address of the record).",
        )
    url = str(row["url"]).strip()
    if not _URL.match(url):
        raise CellError(ctx.display, None, f"{where}: url", url[:60], "an http:// or https:// address")
    accessed = _date(ctx, where, "accessed", row["accessed"])
    if accessed > date.today():
        raise CellError(ctx.display, None, f"{where}: accessed", str(accessed), "a date not in the future")
    note = row.get("note")
    return {
        "publisher": str(row["publisher"]).strip(),
        "url": url,
        "accessed": accessed,
        "note": str(note).strip() if note is not None else None,
        "ledger_file": ctx.display.rsplit("/", 1)[-1],
    }


def _event(ctx: ParseContext, where: str, e: dict) -> dict[str, Any]:
    cited = _common(ctx, where, e, "events")
    d = _date(ctx, where, "date", e["date"])
    persons = e.get("persons")
    if persons is not None and (type(persons) is not int or persons < 0 or persons > 1_000_000):
        raise CellError(ctx.display, None, f"{where}: persons", str(persons), "a whole number of people")
    return {
        "event_id": str(e["id"]),
        "event_date": d,
        "kind": str(e["kind"]),
        "persons": persons,
        "title_en": str(e["title_en"]),
        "title_es": str(e["title_es"]),
        **cited,
    }


def _count(ctx: ParseContext, where: str, c: dict) -> dict[str, Any]:
    cited = _common(ctx, where, c, "counts")
    known = quantities()
    q = str(c["quantity"]).strip()
    if q not in known:
        raise CellError(
            ctx.display, None, f"{where}: quantity", q, f"one of {', '.join(known)}{catalog.suggest(q, known)}"
        )
    value = c["value"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or not 0 <= value <= 1e9:
        raise CellError(ctx.display, None, f"{where}: value", str(value), "a number, at least 0")
    unit = str(c["unit"]).strip()
    if unit != known[q]["unit"]:
        raise CellError(ctx.display, None, f"{where}: unit", unit, f"{known[q]['unit']!r}, the unit of {q}")
    first, last = _period(ctx, where, c)
    acts = c.get("acts")
    if acts is not None and (type(acts) is not int or not 1 <= acts <= max(1, value)):
        raise CellError(
            ctx.display, None, f"{where}: acts", str(acts), f"a whole number from 1 to the value ({value:g})"
        )
    return {
        "count_id": str(c["id"]),
        "quantity": q,
        "period_start": first,
        "period_end": last,
        "amount": float(value),
        "count_unit": unit,
        "acts": acts,
        **cited,
    }


def parse(ctx: ParseContext, kind: str) -> Staged:
    spec = catalog.tables()[TABLES[kind]]
    listname = next(k for k, v in LISTS.items() if v == kind)
    doc = _load_yaml(ctx)
    if isinstance(doc, dict) and len([k for k in LISTS if k in doc]) > 1:
        raise CheckError(
            ctx.display,
            "one_list",
            "the file has both `events:` and `counts:`; put each list in its own file (each loads into its own table).",
        )
    entries = doc.get(listname) if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise CheckError(ctx.display, f"has_{listname}", f"the file has no `{listname}:` list.")
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, e in enumerate(entries, start=1):
        where = f"{listname[:-1]} {i} ({e.get('id', 'no id')})" if isinstance(e, dict) else f"{listname[:-1]} {i}"
        if not isinstance(e, dict):
            raise CellError(ctx.display, None, where, str(e)[:60], f"a mapping with {', '.join(REQUIRED[listname])}")
        row = _event(ctx, where, e) if kind == "ledger_events" else _count(ctx, where, e)
        key = row["event_id" if kind == "ledger_events" else "count_id"]
        if key in seen:
            raise CheckError(
                ctx.display,
                "ids_unique",
                f"{where} repeats the id {key!r} of {listname[:-1]} {seen[key]}; ids are unique.",
            )
        seen[key] = i
        rows.append(row)
    types = {"VARCHAR": pa.string(), "DATE": pa.date32(), "INTEGER": pa.int32(), "DOUBLE": pa.float64()}
    table = pa.Table.from_pylist(rows, schema=pa.schema([(f.name, types[f.type]) for f in spec.fields]))
    ctx.con.register("_ledger_rows", table)
    ctx.con.execute("CREATE OR REPLACE TEMP TABLE _ledger AS SELECT * FROM _ledger_rows")
    ctx.con.unregister("_ledger_rows")
    dates: list[date] = [r["event_date"] if kind == "ledger_events" else r["period_start"] for r in rows]
    ends: list[date] = [r["event_date"] if kind == "ledger_events" else r["period_end"] for r in rows]
    scope = f"{kind}:{ctx.display.rsplit('/', 1)[-1]}"
    return Staged(
        kind,
        spec,
        "_ledger",
        rows_of(spec, "_ledger"),
        scope=scope,
        vintage=None,
        period_min=min(dates),
        period_max=max(ends),
        checks=_checks(kind),
        checks_passed=["fields_present", "dates_valid", "ids_unique", "cited"],
    )


def _checks(kind: str) -> list[Check]:
    if kind == "ledger_counts":
        return [
            Check(
                "dates_not_future",
                "SELECT count_id, period_start FROM _ledger WHERE period_start > current_date LIMIT 3",
                lambda rows: f"count {rows[0][0]} starts on {rows[0][1]}, in the future.",
            )
        ]
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
