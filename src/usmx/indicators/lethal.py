"""The lethal-violence envelope: homicide and feminicide victims (SESNSP) with persons disappeared and not located and
persons located dead (RNPDNO), each part a column and their sum.

Why an envelope: when killings are hidden (bodies never found, victims recorded as missing), homicides can fall
while violence does not. The parts overlap in part (a person located dead may also be a homicide victim in SESNSP's
files), so ``value`` is an upper envelope of lethal violence, not a count of distinct people; the columns let a
reader take the parts they trust.

The register's recent months are right-censored: records of a month keep arriving for a long time. Where two or more
RNPDNO extracts of a status with different contents are loaded (two loads of the same counts are one extract), the
lag is measured: for each month of an older extract, its count over the
same month's count in the newest extract, by the month's age in the older extract (months before its last month).
The median of those shares at each age is the completeness of a month that age; the newest extract's recent months
are divided by it (``not_located_adjusted``), with an interval from the 10th and 90th percentiles of the shares at
that age and the ages either side (one pair of extracts gives one share per age), widened to hold the median. The
newest extract is not final either, so the adjustment is a lower bound of the lag. With one extract the lag cannot
be measured: the months are marked provisional and no adjusted value is given.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from statistics import median

import numpy as np
import pyarrow as pa

from .. import catalog
from .._dates import months_between
from . import indicator
from ._common import VICTIMS, check_by, check_state, in_group, table_or_none

PERSONS = "core_rnpdno__municipal_persons_monthly"
PERSONS_HISTORY = catalog.tables()[PERSONS].history_table  # every extract loaded, current or not
PARTS = ("homicide_victims", "feminicide_victims", "disappeared_not_located", "located_dead")
#: ages (months before an extract's last month) whose completeness is measured; older months count as complete
MAX_AGE = 24


def _age(period: date, last: date) -> int:
    return months_between(period, last)


def completeness(extracts: list[dict[date, float]]) -> dict[int, tuple[float, float, float]]:
    """Age -> (median, 10th, 90th percentile) of an older extract's count over the newest extract's for a month of
    that age; ``extracts`` are month -> count, oldest first. Ages with no pair are left out."""
    if len(extracts) < 2:
        return {}
    newest = extracts[-1]
    shares: dict[int, list[float]] = defaultdict(list)
    for old in extracts[:-1]:
        last = max(old)
        for p, v in old.items():
            a = _age(p, last)
            if a < MAX_AGE and newest.get(p):
                shares[a].append(min(v / newest[p], 1.0))
    out = {}
    for a, s in shares.items():
        # the interval pools the neighbouring ages: one pair of extracts gives one share per age
        pooled = shares.get(a - 1, []) + s + shares.get(a + 1, [])
        mid = median(s)
        out[a] = (mid, min(mid, float(np.percentile(pooled, 10))), max(mid, float(np.percentile(pooled, 90))))
    return out


def _extracts(con, state: str | None) -> list[dict[date, float]]:
    """Every loaded RNPDNO extract of persons not located (sex total), oldest first: month -> persons."""
    hist = table_or_none(con, PERSONS_HISTORY)
    if hist is None:
        return []
    h = hist.filter((hist.status == "not_located") & (hist.sex == "total"))
    if state:
        h = h.filter(h.state_code == state)
    rows = h.group_by(["load_id", "period"]).aggregate(persons=h.persons.sum()).to_pyarrow().to_pylist()
    by_load: dict[int, dict[date, float]] = defaultdict(dict)
    for r in rows:
        by_load[r["load_id"]][r["period"]] = float(r["persons"])
    # two loads with the same counts are one extract (the same scrape saved twice): a lag is measured only between
    # extracts whose contents differ
    distinct: dict[frozenset, int] = {}
    for k in sorted(by_load):
        distinct.setdefault(frozenset(by_load[k].items()), k)
    return [by_load[k] for k in sorted(distinct.values(), key=lambda k: (max(by_load[k]), k))]


@indicator("lethal_violence")
def lethal_violence(con, by: str = "year", state: str | None = None) -> pa.Table:
    """Homicide and feminicide victims (SESNSP) plus persons disappeared and not located and located dead (RNPDNO),
    by month, year, state (and year) or administration; each part a column, ``value`` their sum, and the register's
    recent months adjusted for reporting lag where two extracts let it be measured."""
    check_by("lethal_violence", by)
    code = check_state(state)
    monthly: dict[tuple[date, str], dict[str, float | None]] = defaultdict(dict)
    v = con.table(VICTIMS)
    if code:
        v = v.filter(v.state_code == code)
    for part, grp in (("homicide_victims", "intentional_homicide"), ("feminicide_victims", "feminicide")):
        g = v.filter(in_group(v, [grp]))
        for r in g.group_by(["period", "state_code"]).aggregate(n=g.victims.sum()).to_pyarrow().to_pylist():
            monthly[(r["period"], r["state_code"])][part] = float(r["n"])
    p = table_or_none(con, PERSONS)
    last_rnpdno = None
    if p is not None:
        p = p.filter((p.sex == "total") & p.status.isin(["not_located", "located_dead"]))
        if code:
            p = p.filter(p.state_code == code)
        agg = p.group_by(["period", "state_code", "status"]).aggregate(n=p.persons.sum()).to_pyarrow().to_pylist()
        for r in agg:
            part = "disappeared_not_located" if r["status"] == "not_located" else "located_dead"
            monthly[(r["period"], r["state_code"])][part] = float(r["n"])
        last_rnpdno = max((r["period"] for r in agg if r["status"] == "not_located"), default=None)
    comp = completeness(_extracts(con, code))
    rows = []
    for (period, st), parts in monthly.items():
        row: dict = {"period": period, "state_code": st, **{k: parts.get(k) for k in PARTS}}
        missing = row["disappeared_not_located"]
        age = _age(period, last_rnpdno) if last_rnpdno and period <= last_rnpdno else None
        c = comp.get(age) if age is not None else None
        row["provisional"] = age is not None and age < 12
        if missing is not None and c is not None and c[0] < 1:
            row["not_located_adjusted"], row["adjusted_low"], row["adjusted_high"] = (
                missing / c[0],
                missing / max(c[2], 1e-9),
                missing / max(c[1], 1e-9),
            )
        else:
            row["not_located_adjusted"] = missing
            row["adjusted_low"] = row["adjusted_high"] = None if c is None else missing
        rows.append(row)
    return _aggregate(rows, by, bool(comp), last_rnpdno)


def _aggregate(rows: list[dict], by: str, measured: bool, last: date | None) -> pa.Table:
    grains = {"month": ["period"], "year": ["year"], "state": ["year", "state_code"]}
    keys = grains.get(by, ["administration"])
    admins = catalog.administrations()
    order = {a.key: i for i, a in enumerate(admins)}
    out: dict[tuple, dict] = {}
    for r in rows:
        if by == "administration":
            key_vals = tuple(a.key for a in admins if a.start <= r["period"] <= a.end)
            if not key_vals:
                continue
        elif by == "month":
            key_vals = (r["period"],)
        elif by == "year":
            key_vals = (r["period"].year,)
        else:
            key_vals = (r["period"].year, r["state_code"])
        o = out.setdefault(key_vals, {**dict(zip(keys, key_vals)), **dict.fromkeys(PARTS), "months": set(),
                                      "provisional": False, "not_located_adjusted": None, "adjusted_low": None,
                                      "adjusted_high": None, "part_months": defaultdict(set)})  # fmt: skip
        for k in (*PARTS, "not_located_adjusted", "adjusted_low", "adjusted_high"):
            if r.get(k) is not None:
                o[k] = (o[k] or 0) + r[k]
                o["part_months"][k].add(r["period"])
        o["months"].add(r["period"])
        o["provisional"] = o["provisional"] or r["provisional"]
    table = []

    def sort_key(o: dict) -> tuple:
        return tuple(order.get(o[k], 99) if k == "administration" else o[k] for k in keys)

    for o in sorted(out.values(), key=sort_key):
        months = len(o["months"])
        for k in PARTS:
            o[k] = int(o[k]) if o[k] is not None else None
        present = [o[k] for k in PARTS if o[k] is not None]
        o["value"] = sum(present) if present else None
        # a part with no month, or with fewer months than the row: the sum covers it only in part
        gaps = [k if not o["part_months"][k] else f"{k} ({len(o['part_months'][k])} of {months} months)"
                for k in PARTS if len(o["part_months"][k]) < months]  # fmt: skip
        o["missing_parts"] = "; ".join(gaps) or None
        o["value_adjusted"] = (
            o["value"] - (o["disappeared_not_located"] or 0) + o["not_located_adjusted"]
            if o["value"] is not None and o["not_located_adjusted"] is not None
            else o["value"]
        )
        o["months"] = months
        table.append(o)
    cols = [*keys, *PARTS, "value", "value_adjusted", "not_located_adjusted", "adjusted_low", "adjusted_high",
            "provisional", "missing_parts", "months"]  # fmt: skip
    res = pa.Table.from_pylist([{c: o.get(c) for c in cols} for o in table])
    if "state_code" in keys and res.num_rows:
        names = catalog.state_names()
        labels = pa.array([names.get(c, c) for c in res["state_code"].to_pylist()])
        res = res.add_column(keys.index("state_code") + 1, "state", labels)
    lag = (
        "the register's lag is measured from the extracts loaded (not_located_adjusted, with a 10-90% interval)"
        if measured
        else "one RNPDNO extract is loaded, so its reporting lag cannot be measured: months in the last year of the "
        "register are provisional (they will rise) and not_located_adjusted repeats the count"
    )
    note = (
        "Lethal-violence envelope: SESNSP homicide and feminicide victims plus RNPDNO persons disappeared and not "
        "located and located dead. The parts can overlap (a person located dead may also be a homicide victim), so "
        f"value is an upper envelope, not a count of people; {lag}"
        + (f" (RNPDNO data end {last:%Y-%m})" if last else "")
        + ". missing_parts names parts with no data for a row."
    )
    return res.replace_schema_metadata({b"note": note.encode()})
