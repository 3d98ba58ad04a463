"""How current each core table is: its newest period loaded against what its publisher should have released by today.

The publisher's cadence and lag come from catalog/releases.yaml; the newest period and release of each table from
the load ledger. A table is ``current`` when it holds the newest period its publisher should have released by today,
``due`` when it is one release behind, ``stale`` when it is more than one behind, ``ended`` when a series the
publisher closed is complete, ``not_judged`` when it has no cadence (projections, the hand-kept ledger) and
``not_loaded`` when no file of it is loaded. Today is :func:`usmx.config.today` (the clock, or ``USMX_TODAY``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .. import catalog
from .._dates import month_index, month_of

#: the statuses, best first (the order the CLI and the dashboard sort by within a source)
STATUSES = ("current", "ended", "due", "stale", "not_judged", "not_loaded")


def _parse_month(text: str) -> int:
    year, month = text.split("-")[:2]
    return int(year) * 12 + int(month) - 1


def expected(release: catalog.Release, today: date) -> int | None:
    """The newest period end (a month index) the publisher should have released by ``today``: a period is out
    ``lag_months`` after the month it ends, on the cadence's calendar (``anchor`` + k × ``every_months``), and never
    after a closed series' last period."""
    if release.every_months is None:
        return None
    bound = month_index(today) - 1 - release.lag_months
    every = release.every_months
    anchor = _parse_month(release.anchor) if release.anchor else 2000 * 12 + 11  # default: December
    newest = anchor + ((bound - anchor) // every) * every
    if release.ends:
        newest = min(newest, _parse_month(release.ends))
    return newest


def _latest(release: catalog.Release, loads: list[dict], today: date) -> int | None:
    """The newest period a table's current loads observe (a month index; a yearly table's year ends in December),
    or for a list judged by its release, the newest release date."""
    if release.judge == "release":
        v = [r["vintage"] for r in loads if r.get("vintage")]
        if v:
            return month_index(max(v))
    ends = [r["period_max"] for r in loads if r.get("period_max")]
    if not ends:
        return None
    newest = max(ends) if release.every_months is None else min(max(ends), today)  # projections show their end
    index = month_index(newest)
    if catalog.table(release.table).coverage.grain == "year":
        index = newest.year * 12 + 11
        if release.every_months is not None and index > month_index(today):  # a year still running: to this month
            index = month_index(today)
    return index


def _label(index: int | None, yearly: bool) -> str | None:
    if index is None:
        return None
    d = month_of(index)
    return f"{d.year}" if yearly else f"{d:%Y-%m}"


def judge(release: catalog.Release, loads: list[dict], today: date) -> dict[str, Any]:
    """One table's status from its current loads (ledger rows) and its publisher's cadence."""
    spec = catalog.table(release.table)
    yearly = spec.coverage.grain == "year" or (release.every_months or 1) >= 12
    latest = _latest(release, loads, today) if loads else None
    want = expected(release, today)
    behind = None if latest is None or want is None else max(want - latest, 0)
    if not loads:
        status = "not_loaded"
    elif want is None:
        status = "not_judged"
    elif release.ends and latest is not None and latest >= _parse_month(release.ends):
        status = "ended"
    elif behind is None:
        status = "stale"
    elif behind <= 0:
        status = "current"
    elif behind <= (release.every_months or 1):
        status = "due"
    else:
        status = "stale"
    vintages = [r["vintage"] for r in loads if r.get("vintage")]
    loaded = [r["loaded_at"] for r in loads if r.get("loaded_at")]
    return {
        "source": spec.source,
        "table": spec.name,
        "label_en": release.label_en,
        "label_es": release.label_es,
        "status": status,
        "latest": _label(latest, yearly and release.judge != "release"),
        "expected": _label(want, yearly),
        "months_behind": behind,
        "vintage": f"{max(vintages):%Y-%m-%d}" if vintages else None,
        "loaded_at": f"{max(loaded):%Y-%m-%d}" if loaded else None,
        "every_months": release.every_months,
        "lag_months": release.lag_months,
        "files": len(loads),
        "note_en": release.note_en,
        "note_es": release.note_es,
    }


def status(ledger_rows: list[dict], today: date) -> list[dict[str, Any]]:
    """Every core table's status, from the load ledger's rows (current ones count), by source then table."""
    current: dict[str, list[dict]] = {}
    for r in ledger_rows:
        if r.get("is_current") and r.get("table_name"):
            current.setdefault(r["table_name"], []).append(r)
    rows = [judge(rel, current.get(name, []), today) for name, rel in catalog.releases().items()]
    return sorted(rows, key=lambda r: (r["source"], r["table"]))


def status_in(ledger_rows: list[dict], today: date, lang: str) -> list[dict[str, Any]]:
    """:func:`status` with its label and note in ``lang`` (``label``, ``note``), as the CLI and the API show it."""
    from .. import i18n

    lang = i18n.lang_of(lang)
    return [
        {
            **{k: v for k, v in r.items() if not k.startswith(("note_", "label_"))},
            "label": r[f"label_{lang}"],
            "note": r[f"note_{lang}"],
        }  # fmt: skip
        for r in status(ledger_rows, today)
    ]


def oldest(rows: list[dict[str, Any]], tables: set[str] | None = None) -> dict[str, Any] | None:
    """Of the judged tables (among ``tables`` when given), the one whose evidence ends earliest."""
    judged = [
        r
        for r in rows
        if r["status"] in ("current", "ended", "due", "stale")
        and r["latest"]
        and (tables is None or r["table"] in tables)
    ]
    return min(judged, key=lambda r: (_end(r["latest"]), r["table"]), default=None)


def _end(label: str) -> int:
    """The last month (an index) of a period label: 2023-07, or 2023 (its December)."""
    return int(label) * 12 + 11 if len(label) == 4 else _parse_month(label)
