"""Composite indices per state: ``peace_index`` (the Mexico Peace Index's structure) and ``capture_index`` (peace
plus disappearances, federal crimes of the organized economy and market breadth), each with rank intervals from the
uncertainty analysis of :mod:`usmx.evaluate.composite`. Components, weights and the source of each weight are in
``catalog/indices.yaml``."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa

from .. import catalog
from ..errors import UnknownNameError, UsmxError
from . import indicator
from ._common import STATE_CRIMES, STATE_POP, VICTIMS, check_by, in_group, table_or_none

FEDERAL = "core_sesnsp__state_federal_crimes_monthly"
PERSONS = "core_rnpdno__municipal_persons_monthly"
STATES = [f"{i:02d}" for i in range(1, 33)]


def specs() -> dict[str, dict[str, Any]]:
    return catalog._read_yaml("indices.yaml")["indices"]


def _yearly(t, value, cond) -> dict[int, dict[str, tuple[float, int]]]:
    """year -> state -> (total, months) of ``value`` over rows matching ``cond``."""
    t = t.filter(cond).mutate(_v=value)
    rows = (
        t.group_by([t.period.year().name("year"), "state_code"])
        .aggregate(total=t._v.sum(), months=t.period.nunique())
        .to_pyarrow()
        .to_pylist()
    )
    out: dict[int, dict[str, tuple[float, int]]] = {}
    for r in rows:
        out.setdefault(r["year"], {})[r["state_code"]] = (float(r["total"] or 0), int(r["months"]))
    return out


def _component(con, spec: dict) -> dict[int, dict[str, float]] | None:
    """year -> state -> count (complete years only: twelve months in every state for every part); None if a part
    has no table."""
    parts = []
    sparse = []  # parts whose files have no row for a month without cases (RNPDNO): a year is complete nationally
    for g in spec.get("groups", []):
        measure = catalog.crime_groups()[g].measure
        t = table_or_none(con, VICTIMS if measure == "victims" else STATE_CRIMES)
        if t is None:
            return None
        parts.append(_yearly(t, t.victims if measure == "victims" else t.crimes, in_group(t, [g])))
    for g in spec.get("federal", []):
        t = table_or_none(con, FEDERAL)
        if t is None:
            return None
        cond = None
        for pattern in catalog.federal_groups()[g]["patterns"]:
            c = t.federal_key.like(pattern)
            cond = c if cond is None else cond | c
        parts.append(_yearly(t, t.crimes, cond & ~t.abroad))
    if spec.get("rnpdno"):
        t = table_or_none(con, PERSONS)
        if t is None:
            return None
        sparse.append(_yearly(t, t.persons, (t.status == spec["rnpdno"]) & (t.sex == "total")))
    out: dict[int, dict[str, float]] = {}
    years = set.intersection(*(set(p) for p in parts + sparse)) if parts + sparse else set()
    for y in years:
        dense_ok = all(all(p[y].get(s, (0, 0))[1] == 12 for s in STATES) for p in parts)
        sparse_ok = all(max(m for _, m in p[y].values()) == 12 for p in sparse)
        if dense_ok and sparse_ok:
            out[y] = {s: sum(p[y].get(s, (0.0, 0))[0] for p in parts + sparse) for s in STATES}
    return out


def _population(con) -> dict[tuple[int, str], float]:
    p = con.table(STATE_POP)
    p = p.filter(p.sex == "total")
    return {(r["year"], r["state_code"]): float(r["population_mid_year"]) for r in p.to_pyarrow().to_pylist()}


def components(con, name: str, year: int | None = None) -> tuple[int, list[str], np.ndarray, np.ndarray, list[str]]:
    """The year used, the components measured, their rates (states x components, higher is worse), nominal weights
    and the components missing."""
    spec = specs()[name]
    pop = _population(con)
    measured: dict[str, dict[int, dict[str, float]]] = {}
    missing = []
    for comp, cs in spec["components"].items():
        if cs.get("missing"):
            missing.append(comp)
            continue
        if cs.get("breadth"):
            continue  # computed for the year chosen below
        got = _component(con, cs)
        if got:
            measured[comp] = got
        else:
            missing.append(comp)
    years = set.intersection(*(set(v) for v in measured.values())) if measured else set()
    years = {y for y in years if all((y, s) in pop for s in STATES)}
    if year is not None:
        if int(year) not in years:
            raise UsmxError(f"{name} needs a year with every component complete; years: {sorted(years) or 'none'}.")
        years = {int(year)}
    if not years:
        raise UsmxError(f"{name}: no year has every component complete in this warehouse (needs SESNSP and CONAPO).")
    y = max(years)
    names = list(measured)
    rates = np.array([[measured[c][y][s] / pop[(y, s)] * 1e5 for c in names] for s in STATES])
    if any(cs.get("breadth") for cs in spec["components"].values()):
        from .markets import market_breadth

        b = {r["state_code"]: r for r in market_breadth(con, by="state", year=y, draws=20).to_pylist()}
        if b:
            names.append("market_breadth")
            share = np.array([[b[s]["value"] / b[s]["markets_measured"]] for s in STATES])
            rates = np.hstack([rates, share])
        else:
            missing.append("market_breadth")
    weights = np.array([float(spec["components"][c]["weight"]) for c in names])
    return y, names, rates, weights, missing


def composite(con, name: str, by: str, year: int | None) -> pa.Table:
    from ..evaluate.composite import uncertainty

    check_by(name, by)
    spec = specs()[name]
    ascending = name == "peace_index"
    y, names, rates, weights, missing = components(con, name, year)
    u = uncertainty(rates, weights, names, ascending=ascending, seed=y)
    labels = catalog.state_names()
    rows: list[dict[str, Any]] = []
    for i, s in enumerate(STATES):
        row = {"state_code": s, "state": labels[s], "value": float(u.value[i]), "rank": int(u.rank[i]),
               "rank_low": int(u.rank_low[i]), "rank_high": int(u.rank_high[i]), "year": y}  # fmt: skip
        row |= {f"rate_{c}": float(rates[i, j]) for j, c in enumerate(names)}
        row["missing_components"] = ", ".join(missing) or None
        rows.append(row)
    rows.sort(key=lambda r: r["rank"])
    if by == "year":
        rows = [{"year": r["year"], **{k: v for k, v in r.items() if k != "year"}} for r in rows]
    note = (
        f"{spec['label_en']} for {y}: {spec['higher']}; rank 1 is {spec['rank_1']}. Components and weights: "
        f"catalog/indices.yaml. rank_low and rank_high are the 5th and 95th percentiles of the state's rank over "
        f"{u.configurations:,} configurations of normalisation, aggregation and weights (`usmx evaluate sensitivity "
        f"--index {name}` gives the Sobol' indices)."
        + (f" Not in the warehouse, left out: {', '.join(missing)}." if missing else "")
    )
    sens = {"index": name, "year": y, "components": names, "missing_components": missing, **u.to_dict()}
    meta = {b"note": note.encode(), b"sensitivity": json.dumps(sens).encode()}  # the same runs' Sobol' indices
    return pa.Table.from_pylist(rows).replace_schema_metadata(meta)


@indicator("peace_index")
def peace_index(con, by: str = "state", year: int | None = None) -> pa.Table:
    """The Mexico Peace Index's structure per state for one year (the newest complete, or ``year``): homicide,
    violent crime, organized crime and firearms crime rates banded 1-5 and weighted as IEP weights them (detention
    without a sentence is not in the warehouse), with a 90% rank interval over normalisation, aggregation and
    weighting choices."""
    return composite(con, "peace_index", by, year)


@indicator("capture_index")
def capture_index(con, by: str = "state", year: int | None = None) -> pa.Table:
    """A criminal-capture index per state for one year: the peace components plus persons disappeared and not
    located, federal crimes of the organized economy and criminal-market breadth, equally weighted, with a 90% rank
    interval over normalisation, aggregation and weighting choices."""
    return composite(con, "capture_index", by, year)


def known(name: str) -> dict[str, Any]:
    """An index's specification (catalog/indices.yaml), refusing a name that is not one."""
    if name not in specs():
        raise UnknownNameError(
            f"unknown index {name!r}{catalog.suggest(name, specs())}; indices: {', '.join(specs())}."
        )
    return specs()[name]
