"""Crime groups across SESNSP's methodology break of January 2026 (catalog/bridge_2026.yaml).

The 2015 methodology's state incidence (``core_sesnsp__state_crimes_monthly``) ends in December 2025; the RNID
methodology's (``core_sesnsp__state_crimes_2026_monthly``) starts in January 2026. :func:`bridged_crimes` gives a
group's monthly crimes from both, each row labelled with its methodology; :func:`methodology_bridge` shows, per group,
what the bridge counts, what it leaves out and how the first months compare with the same months a year earlier.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import ibis
import pyarrow as pa

from ..catalog.bridge import bridge_2026
from . import indicator
from ._common import STATE_CRIMES, check_state, in_group, table_or_none
from ._common import group as crime_group

STATE_CRIMES_2026 = "core_sesnsp__state_crimes_2026_monthly"

#: the methodology label of each row: the 2015 methodology (CNSP/38/15) or the 2026 one (RNID)
OLD, NEW = "2015", "2026"


def _any_like(column: Any, patterns: tuple[str, ...]) -> Any:
    cond = None
    for p in patterns:
        c = column.like(p)
        cond = c if cond is None else cond | c
    return cond


def bridged_crimes(con: Any, group_key: str, state: str | None = None) -> Any:
    """A crime group's crimes by month and state in both methodologies: ``period, state_code, crimes,
    methodology`` (an Ibis expression). Before the break the group's taxonomy.yaml patterns on the 2015 table, from
    the break the bridge's patterns on the 2026 table; a group the bridge does not cover stops at the break."""
    _, bridge = bridge_2026()
    old = con.table(STATE_CRIMES)
    old = old.filter(in_group(old, [group_key]))
    parts = [old.select("period", "state_code", "crimes", methodology=ibis.literal(OLD))]
    new = table_or_none(con, STATE_CRIMES_2026) if group_key in bridge else None
    if new is not None:
        new = new.filter(_any_like(new.crime_key, bridge[group_key].keys))
        parts.append(new.select("period", "state_code", "crimes", methodology=ibis.literal(NEW)))
    out = parts[0] if len(parts) == 1 else parts[0].union(parts[1])
    return out.filter(out.state_code == state) if state else out


def methodology_label(methodologies: set[str]) -> str:
    """How a row that sums months says where they come from: one methodology, or both (bridged)."""
    return OLD if methodologies == {OLD} else NEW if methodologies == {NEW} else f"{OLD}+{NEW} (bridged)"


def _like_regex(pattern: str) -> re.Pattern[str]:
    """SQL LIKE (``%`` any run, ``_`` one character) as a regular expression, for totals computed here."""
    out = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.compile(f"^{out}$", re.S)


def _matching(totals: dict[str, int], patterns: tuple[str, ...]) -> int:
    regexes = [_like_regex(p) for p in patterns]
    return sum(v for k, v in totals.items() if any(r.match(k) for r in regexes))


def _totals(con: Any, table: str, months: list[date], state: str | None) -> dict[str, int]:
    t = table_or_none(con, table) if months else None
    if t is None:
        return {}
    t = t.filter(t.period.isin(months))
    if state:
        t = t.filter(t.state_code == state)
    rows = t.group_by("crime_key").aggregate(crimes=t.crimes.sum()).to_pyarrow().to_pylist()
    return {r["crime_key"]: int(r["crimes"] or 0) for r in rows}


def _pct(part: float, whole: float) -> float | None:
    return part / whole * 100 if whole else None


@indicator("methodology_bridge")
def methodology_bridge(con: Any, state: str | None = None) -> pa.Table:
    """Per bridged crime group: the 2026 months' crimes as the bridge counts them, what it leaves out and the
    attempts it includes (with their shares), and the same months a year earlier in the 2015 methodology."""
    state = check_state(state)
    brk, bridge = bridge_2026()
    months: list[date] = []
    t = table_or_none(con, STATE_CRIMES_2026)
    if t is not None:
        months = sorted(r["period"] for r in t.select("period").distinct().to_pyarrow().to_pylist())
    new = _totals(con, STATE_CRIMES_2026, months, state)
    before = [date(m.year - 1, m.month, 1) for m in months]
    old = _totals(con, STATE_CRIMES, before, state)
    rows = []
    for key, b in bridge.items():
        g = crime_group(key)
        counted = _matching(new, b.keys)
        left_out = _matching(new, b.left_out)
        attempts = _matching(new, b.attempts)
        earlier = _matching(old, g.keys) if old else None
        rows.append(
            {
                "group": key,
                "value": counted if months else None,
                "months": len(months),
                "first_month": months[0] if months else None,
                "last_month": months[-1] if months else None,
                "attempts_counted": attempts if months else None,
                "attempts_pct": _pct(attempts, counted) if months else None,
                "left_out": left_out if months else None,
                "left_out_pct": _pct(left_out, counted) if months else None,
                "same_months_before": earlier,
                "change_pct": (counted / earlier - 1) * 100 if months and earlier else None,
                "keys_2015": "; ".join(g.keys),
                "keys_2026": "; ".join(b.keys),
                "left_out_keys": "; ".join(b.left_out),
                "choice_en": b.choice_en,
                "choice_es": b.choice_es,
                "break_date": brk,
            }
        )
    return pa.Table.from_pylist(rows)
