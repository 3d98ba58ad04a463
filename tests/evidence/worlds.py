"""Synthetic worlds where the truth is known, for the claims' tests: planted indicator tables, and the real
evaluations, audits and rules run on them.

A :class:`World` is an :class:`~usmx.evidence.Evidence` whose indicator tables are planted (a function of the
indicator's parameters); everything above the indicators (the ITS, the audits, the event studies, the claim modules
and their rules) is the product's own code. Seeded: the same seed gives the same world.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from usmx.evidence import Evidence

Planted = Callable[..., pa.Table]


class World(Evidence):
    def __init__(self, planted: dict[str, Planted], con: Any = None) -> None:
        super().__init__(con)
        self.planted = planted

    def indicator(self, name: str, **params: Any) -> pa.Table:
        if name in self.planted:
            return self.planted[name](**{k: v for k, v in params.items() if v is not None})
        from usmx.errors import UsmxError

        raise UsmxError(f"{name} is not loaded in this world")


def months(start: str, n: int) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="MS")


def series(
    rng: np.random.Generator, n: int, *, level: float = 2500.0, trend: str = "flat", effect: float = 0.0,
    at: int | None = None, size: float = 400.0,
) -> np.ndarray:  # fmt: skip
    """Monthly counts: a flat, linear or exponential trend with a calendar pattern, negative-binomial noise, and
    ``effect`` (a proportion) from month ``at`` on."""
    t = np.arange(n, dtype=float)
    base = {"flat": np.full(n, level), "linear": level * (0.8 + 0.004 * t),
            "exponential": level * 0.8 * np.exp(0.006 * t), "falling": level * (1.2 - 0.003 * t)}[trend]  # fmt: skip
    season = 1 + 0.06 * np.sin(2 * np.pi * (t - 2) / 12)
    mu = base * season * np.where(t >= (at if at is not None else n), 1 + effect, 1.0)
    return rng.negative_binomial(size, size / (size + mu)).astype(float)


def monthly_table(index: pd.DatetimeIndex, values: np.ndarray) -> pa.Table:
    return pa.table({"period": pa.array([d.date() for d in index], pa.date32()), "value": values.astype(float)})


# -- record violence ---------------------------------------------------------------------------------------------------
TERMS = {
    "pena_nieto": (date(2012, 12, 1), date(2018, 11, 30)),
    "lopez_obrador": (date(2018, 12, 1), date(2024, 9, 30)),
    "sheinbaum": (date(2024, 10, 1), date(2025, 6, 30)),
}
GROUPS = ["intentional_homicide", "feminicide", "kidnapping", "extortion", "human_trafficking", "firearm_injuries",
          "violent_robbery", "vehicle_theft_violent"]  # fmt: skip


def administrations(changes: dict[str, float], *, daily: dict[str, float] | None = None, inegi: float | None = None):
    """administration_comparison rows: each group's rate under López Obrador is the earlier term's times (1 +
    change); ``daily`` the same for the daily counts where they differ (population growth); ``inegi`` adds death
    records for homicide with that change."""
    rows = []
    for g in GROUPS:
        for source, change in [("SESNSP victims (IDVFC)", changes.get(g, 0.0))] + (
            [("INEGI death records (month of occurrence)", inegi)] if g == "intentional_homicide" and inegi is not None
            else []
        ):  # fmt: skip
            d = (daily or {}).get(g, change)
            for term, (start, end) in TERMS.items():
                factor = 1 + change if term != "pena_nieto" else 1.0
                dfactor = 1 + d if term != "pena_nieto" else 1.0
                rows.append({"administration": term, "group": g, "source": source, "value": 10.0 * dfactor,
                             "rate_per_100k": 3.0 * factor, "start": start, "end": end})  # fmt: skip
    return {"administration_comparison": lambda **p: pa.Table.from_pylist(rows)}


# -- criminal reach ----------------------------------------------------------------------------------------------------
def markets_world(change: Callable[[str, int], float]) -> dict[str, Planted]:
    """Yearly rates per 100,000 of every market, 2015-2023: ``change(market_group, year)`` is the proportion above
    the 2015-2017 level."""
    from usmx.indicators.markets import markets

    def yearly(group: str, federal: bool) -> pa.Table:
        years = range(2015, 2024)
        values = [10.0 * (1 + change(group, y)) for y in years]
        if federal:  # counts: rates times a population of 100 million
            return pa.table({"year": list(years), "value": [v * 1000 for v in values], "months": [12] * 9})
        return pa.table({"year": list(years), "value": values, "months": [12] * 9,
                         "population": [100_000_000.0] * 9})  # fmt: skip

    def rates(group: str, **p: Any) -> pa.Table:
        return yearly(group, False)

    def federal(group: str, **p: Any) -> pa.Table:
        return yearly(group, True)

    assert markets()
    return {"crime_rate_per_100k": rates, "federal_crimes": federal}


# -- strategy and substitution: monthly national and state series ----------------------------------------------------
def state_monthly(index: pd.DatetimeIndex, per_state: dict[str, np.ndarray]) -> pa.Table:
    rows = [
        {"period": d.date(), "state_code": code, "total": float(v), "value": float(v)}
        for code, values in per_state.items()
        for d, v in zip(index, values)
    ]
    return pa.Table.from_pylist(rows)


def strategy_world(
    seed: int, *, trend: str = "flat", effect: float = 0.0, candidate_effect: float = 0.0, pre: int = 117,
    post: int = 9,
) -> dict[str, Planted]:  # fmt: skip
    """Homicide victims 2015-01 on (``pre`` months before October 2024 and ``post`` after), two states, with
    ``effect`` at the strategy and ``candidate_effect`` on 'other crimes against life' (a reclassification)."""
    rng = np.random.default_rng(seed)
    n = pre + post
    index = months(str((pd.Timestamp("2024-10-01") - pd.DateOffset(months=pre)).date()), n)
    states = {code: series(rng, n, level=1250, trend=trend, effect=effect, at=pre) for code in ("01", "02")}
    candidates = {
        c: {
            code: series(
                rng, n, level=400, effect=candidate_effect if c == "other_crimes_against_life" else 0.0, at=pre
            )
            for code in states
        }  # fmt: skip
        for c in ("other_crimes_against_life", "culpable_homicide_non_traffic", "other_crimes_against_liberty")
    }
    national = sum(states.values())

    def rates(group: str = "intentional_homicide", **p: Any) -> pa.Table:
        return state_monthly(index, states if group == "intentional_homicide" else candidates[group])

    return {
        "homicide_victims": lambda **p: monthly_table(index, national),
        "crime_rate_per_100k": rates,
    }


def substitution_world(
    seed: int, *, trend: str = "flat", jump: float = 0.0, alive_jump: float = 0.0, homicide_effect: float = 0.0,
    extortion: str = "rising", gitoc: float | None = None,
) -> dict[str, Planted]:  # fmt: skip
    """Homicide victims and persons not located (and located alive) by state and month, 2015-01 … 2025-06: the
    not-located series follows ``trend`` and jumps by ``jump`` at the strategy; extortion per 100,000 by year rises,
    falls or stays flat; GI-TOC's state-embedded actors score where given."""
    rng = np.random.default_rng(seed)
    n, at = 126, 117
    index = months("2015-01-01", n)
    homicides = {code: series(rng, n, level=1250, effect=homicide_effect, at=at) for code in ("01", "02")}
    missing = {code: series(rng, n, level=400, trend=trend, effect=jump, at=at) for code in homicides}
    alive = series(rng, n, level=700, effect=alive_jump, at=at)
    ext = {"rising": lambda y: 5 * 1.15 ** (y - 2015), "falling": lambda y: 9 * 0.85 ** (y - 2015),
           "flat": lambda y: 6.0}[extortion]  # fmt: skip

    def rates(group: str = "intentional_homicide", by: str = "month", **p: Any) -> pa.Table:
        if by == "year":
            return pa.table({"year": list(range(2015, 2025)), "value": [ext(y) for y in range(2015, 2025)],
                             "months": [12] * 10})  # fmt: skip
        return state_monthly(index, homicides)

    def disappearances(by: str = "month", status: str = "not_located", **p: Any) -> pa.Table:
        if by == "state_month":
            return state_monthly(index, missing)
        return monthly_table(index, alive if status == "located_alive" else sum(missing.values()))

    planted: dict[str, Planted] = {
        "crime_rate_per_100k": rates,
        "disappearances": disappearances,
        "homicide_victims": lambda **p: monthly_table(index, sum(homicides.values())),
    }
    if gitoc is not None:
        planted["organized_crime_index"] = lambda **p: pa.Table.from_pylist(
            [{"year": 2023, "oc_indicator": "state_embedded_actors", "value": gitoc, "change": 0.5}]
        )
    return planted


# -- fentanyl ----------------------------------------------------------------------------------------------------
def fentanyl_world(seed: int, *, lead: int | None = 3, strength: float = 1.0, months_: int = 96) -> dict[str, Any]:
    """CBP fentanyl seizures and synthetic-opioid deaths (12-month sums) as core tables for an in-memory warehouse:
    deaths follow seizures ``lead`` months later with ``strength`` (None: independent trending series)."""
    rng = np.random.default_rng(seed)
    index = months("2017-10-01", months_)
    t = np.arange(months_, dtype=float)
    shocks = rng.normal(0, 1, months_)
    seized = np.maximum(200 + 4 * t + 60 * shocks, 1)
    own = rng.normal(0, 1, months_)
    driver = np.roll(shocks, lead) if lead is not None else rng.normal(0, 1, months_)
    deaths_monthly = np.maximum(3000 + 8 * t + 150 * (strength * driver + own), 1)
    roll = np.convolve(deaths_monthly, np.ones(12), "valid")
    seizures = [
        {"period": d.date(), "fiscal_year": d.year + (d.month >= 10), "component": "Office of Field Operations",
         "region": "Southwest Border", "area": "X", "drug": "fentanyl", "events": 1, "quantity_lbs": float(v)}
        for d, v in zip(index, seized)
    ]  # fmt: skip
    deaths = [
        {"period": d.date(), "jurisdiction_code": "US", "indicator_key": "synthetic_opioids", "value_kind": "count",
         "deaths_12m_ending": float(v), "predicted_12m_ending": None, "indicator": "T40.4", "percent_complete": 100.0}
        for d, v in zip(index[11:], roll)
    ]  # fmt: skip
    return {"core_cbp__drug_seizures_monthly": seizures, "core_cdc__overdose_deaths_monthly": deaths}


def warehouse_of(tables: dict[str, list[dict]]):
    """An in-memory Ibis DuckDB backend holding these tables (what an indicator reads)."""
    import duckdb
    import ibis

    raw = duckdb.connect()
    for name, rows in tables.items():
        data = pa.Table.from_pylist(rows)  # noqa: F841 - DuckDB reads the local Arrow table by its name
        raw.execute(f"CREATE TABLE {name} AS SELECT * FROM data")
    return ibis.duckdb.from_connection(raw)
