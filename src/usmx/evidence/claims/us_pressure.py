"""The claim ``us_pressure``: the pace of new Mexico-tied OFAC designations, and what the ledger names after them.

Rule, thresholds and words: catalog/claims.yaml. Reads ``designations`` (each list against the one before, each
entity once: new, re-designated, removed) and the ledger's designations and sanctions dated after the last list
loaded, which are named but not counted.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ... import i18n
from ...errors import UsmxError
from . import Finding, NotMeasurable


def _per_year(r: dict) -> float | None:
    if r["value"] is None or r["previous_list_date"] is None:
        return None
    years = (r["list_date"] - r["previous_list_date"]).days / 365.25
    return r["value"] / years if years > 0 else None


def _after(ev, day: date, lang: str) -> str:
    """The ledger's designations and sanctions after ``day``, by title (named, not counted)."""
    try:
        events = ev.con.table("core_ledger__events").to_pyarrow().to_pylist()
    except Exception:  # no ledger in this warehouse
        return ""
    later = sorted((e for e in events if e["kind"] in ("designation", "sanction") and e["event_date"] > day),
                   key=lambda e: e["event_date"])  # fmt: skip
    if not later:
        return ""
    named = "; ".join(f"{e['title_' + lang]} ({i18n.day(e['event_date'], lang)})" for e in later)
    return i18n.t("pressure_ledger", lang, day=i18n.day(day, lang), events=named)


def evaluate(ev, lang: str, parameters: dict[str, Any]) -> Finding:
    try:
        rows = [r for r in ev.indicator("designations").to_pylist() if r["program"] == "all"]
    except UsmxError:
        rows = []
    lists = sorted(rows, key=lambda r: r["list_date"])
    if len(lists) < 2:
        raise NotMeasurable(
            "two OFAC SDN lists (vintages) to compare (`usmx fetch ofac-sdn` adds today's)",
            "dos listas SDN de la OFAC (versiones) para comparar (`usmx fetch ofac-sdn` agrega la de hoy)",
            date(lists[0]["list_date"].year, lists[0]["list_date"].month, 1) if lists else None,
        )
    last, before = lists[-1], lists[-2]
    pace_latest = _per_year(last)
    pace_previous = _per_year(before) if len(lists) >= 3 else None
    facts = {"lists": len(lists), "pace_latest": pace_latest, "pace_previous": pace_previous}
    if pace_previous is None:
        pace = i18n.t("pressure_two_lists", lang, pace=i18n.number(pace_latest, lang, 0))
    else:
        pace = i18n.t("pressure_pace", lang, pace=i18n.number(pace_latest, lang, 0),
                      previous=i18n.number(pace_previous, lang, 0))  # fmt: skip
    values = {
        "first": i18n.day(before["list_date"], lang),
        "last": i18n.day(last["list_date"], lang),
        "new": last["value"],
        "re": last["re_designated"],
        "removed": last["removed"],
        "pace": pace,
        "ledger": _after(ev, last["list_date"], lang),
    }
    return Finding(facts, values, date(last["list_date"].year, last["list_date"].month, 1))
