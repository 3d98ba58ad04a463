"""Criminal-market breadth: in how many criminal markets a state stands above the national median, and how evenly
its criminal activity spreads across them, with bootstrap intervals.

The markets and the official category behind each are in ``catalog/markets.yaml`` (state incidence for extortion,
kidnapping, retail drug dealing, human trafficking, violent vehicle theft and cargo theft; federal crimes for fuel
theft, firearms, drug crimes and migration-law crimes). For a state and year:

- each market's rate per 100,000 (CONAPO mid-year population) is compared with the median of the 32 states' rates
  that year; ``value`` counts the markets where the state is above it (0 to the number of markets measured);
- ``evenness`` is Pielou's J of the state's relative rates (its rate over the national median, per market,
  normalised to shares): 1 when every market is equally elevated relative to the country, near 0 when one market
  dominates. Breadth says how many markets, evenness whether the activity is spread or concentrated;
- the 90% intervals come from a bootstrap over months: each draw resamples, with replacement, the twelve months of
  each state (the same months for all its markets, so markets keep moving together), recomputes the rates, the
  national medians and both measures. A state near a median in several markets has a wide breadth interval.

Counts are what authorities record: retail drug dealing, firearms and drug crimes measure enforcement as much as the
market, and extortion is mostly unreported. A market with no data for a year is left out (``markets_measured``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa

from .. import catalog
from ..errors import UsmxError
from . import indicator
from ._common import STATE_CRIMES, STATE_POP, VICTIMS, check_by, in_group, table_or_none

FEDERAL = "core_sesnsp__state_federal_crimes_monthly"
DRAWS = 1000
STATES = [f"{i:02d}" for i in range(1, 33)]


def markets() -> dict[str, dict[str, Any]]:
    """The markets of catalog/markets.yaml."""
    return catalog._read_yaml("markets.yaml")["markets"]


def _monthly_counts(con) -> dict[str, dict[tuple[int, str], list[float]]]:
    """market -> (year, state) -> twelve monthly counts (missing months as NaN)."""
    fed_groups = catalog.federal_groups()
    out: dict[str, dict[tuple[int, str], list[float]]] = {}
    for key, m in markets().items():
        if m.get("federal"):
            t = table_or_none(con, FEDERAL)
            if t is None:
                continue
            cond = None
            for pattern in fed_groups[m["group"]]["patterns"]:
                c = t.federal_key.like(pattern)
                cond = c if cond is None else cond | c
            t = t.filter(cond & ~t.abroad)
            value = t.crimes
        else:
            measure = catalog.crime_groups()[m["group"]].measure
            t = table_or_none(con, VICTIMS if measure == "victims" else STATE_CRIMES)
            if t is None:
                continue
            t = t.filter(in_group(t, [m["group"]]))
            value = t.victims if measure == "victims" else t.crimes
        t = t.filter(t.state_code.isin(STATES)).mutate(n=value, year=t.period.year(), month=t.period.month())
        found = t.group_by(["year", "month", "state_code"]).aggregate(n=t.n.sum()).to_pyarrow()
        cells: dict[tuple[int, str], list[float]] = {}
        columns = (found[c].to_pylist() for c in ("year", "month", "state_code", "n"))
        for y, m, s, n in zip(*columns, strict=True):  # by column: a dict per row cost 0.3 s a call
            cells.setdefault((y, s), [math.nan] * 12)[m - 1] = float(n)
        out[key] = cells
    return out


def _population(con) -> dict[tuple[int, str], float]:
    p = con.table(STATE_POP)
    p = p.filter(p.sex == "total")
    return {(r["year"], r["state_code"]): float(r["population_mid_year"]) for r in p.to_pyarrow().to_pylist()}


def breadth_scores(
    counts: np.ndarray, population: np.ndarray, draws: int = DRAWS, seed: int = 0
) -> dict[str, np.ndarray]:
    """Breadth and evenness for one year. ``counts``: markets x states x 12 months; ``population``: per state.
    Returns arrays per state: value, evenness and their 5th/95th bootstrap percentiles."""

    def measures(sums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # sums: (..., markets, states)
        rates = sums / population * 1e5
        med = np.median(rates, axis=-1, keepdims=True)
        above = (rates > med).sum(axis=-2)
        rel = np.where(med > 0, rates / np.where(med > 0, med, 1), np.nan)
        shares = rel / np.nansum(rel, axis=-2, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            h = -np.nansum(np.where(shares > 0, shares * np.log(shares), 0.0), axis=-2)
        k = np.isfinite(rel).sum(axis=-2)
        even = np.where(k > 1, h / np.log(np.maximum(k, 2)), np.nan)
        return above.astype(float), even

    value, even = measures(counts.sum(axis=-1))
    rng = np.random.default_rng(seed)
    n_states = counts.shape[1]
    idx = rng.integers(0, 12, size=(draws, n_states, 12))
    resampled = counts[:, np.arange(n_states)[None, :, None], idx].sum(axis=-1)  # markets, draws, states
    b_value, b_even = measures(np.moveaxis(resampled, 1, 0))  # draws first
    return {
        "value": value,
        "evenness": even,
        "value_low": np.percentile(b_value, 5, axis=0),
        "value_high": np.percentile(b_value, 95, axis=0),
        "evenness_low": np.nanpercentile(b_even, 5, axis=0),
        "evenness_high": np.nanpercentile(b_even, 95, axis=0),
    }


@indicator("market_breadth")
def market_breadth(con, by: str = "state", year: int | None = None, draws: int = DRAWS) -> pa.Table:
    """Per state: how many criminal markets (catalog/markets.yaml) stand above the national median rate, and how
    evenly (Pielou's J) activity spreads across them, with 90% bootstrap intervals; ``by`` state (one year: the
    newest with every market measured, or ``year``) or year (every such year)."""
    check_by("market_breadth", by)
    counts = _monthly_counts(con)
    pop = _population(con)
    meta = markets()
    complete: dict[int, list[str]] = {}  # year -> markets with twelve months for every state
    for key, cells in counts.items():
        for y in {y for y, _ in cells}:
            if all((y, s) in cells and not any(math.isnan(v) for v in cells[(y, s)]) for s in STATES):
                complete.setdefault(y, []).append(key)
    years = sorted(y for y, ks in complete.items() if len(ks) >= 3 and all((y, s) in pop for s in STATES))
    if by == "state":
        if year is not None:
            if int(year) not in years:
                raise UsmxError(f"market breadth needs a year with at least 3 markets measured; years: {years}.")
            years = [int(year)]
        else:  # the newest year measuring the most markets
            years = [max(years, key=lambda y: (len(complete[y]), y))] if years else []
    rows = []
    names = catalog.state_names()
    for y in years:
        keys = sorted(complete[y])
        arr = np.array([[counts[k][(y, s)] for s in STATES] for k in keys])
        res = breadth_scores(arr, np.array([pop[(y, s)] for s in STATES]), draws=int(draws), seed=y)
        med = np.median(arr.sum(axis=-1) / np.array([pop[(y, s)] for s in STATES]) * 1e5, axis=1)
        for i, s in enumerate(STATES):
            rate = arr[:, i, :].sum(axis=-1) / pop[(y, s)] * 1e5
            rows.append(
                {
                    "year": y,
                    "state_code": s,
                    "state": names[s],
                    "value": int(res["value"][i]),
                    "value_low": float(res["value_low"][i]),
                    "value_high": float(res["value_high"][i]),
                    "evenness": float(res["evenness"][i]),
                    "evenness_low": float(res["evenness_low"][i]),
                    "evenness_high": float(res["evenness_high"][i]),
                    "markets_measured": len(keys),
                    "markets_above": ", ".join(k for k, r, m in zip(keys, rate, med, strict=True) if r > m),
                    "markets_missing": ", ".join(k for k in meta if k not in keys) or None,
                }
            )
    cols = ["year", "state_code", "state", "value", "value_low", "value_high", "evenness", "evenness_low",
            "evenness_high", "markets_measured", "markets_above", "markets_missing"]  # fmt: skip
    if by == "state":
        cols = ["state_code", "state", "year", *cols[3:]]
    out = pa.Table.from_pylist([{c: r[c] for c in cols} for r in rows]) if rows else pa.table({"value": []})
    note = (
        "Markets above the national median rate per 100,000 (value) and Pielou's evenness of the state's relative "
        f"rates, with 90% intervals from {int(draws)} bootstrap draws of months; markets in catalog/markets.yaml. "
        "Recorded crimes: enforcement-driven markets (retail drug dealing, firearms, drug crimes) and under-reported "
        "ones (extortion) measure the authorities' records, not the market itself."
    )
    return out.replace_schema_metadata({b"note": note.encode()})
