"""The homicide nowcast: on simulated daily counts with a known share of the official figure the estimate and its
interval recover it, follow a drifting ratio, widen for a part-month; on the real daily count (2019-2021) the
backtest meets its targets."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from usmx.evaluate.nowcast import backtest, days_in, nowcast

from ..conftest import STATE_VICTIMS


def _months(n: int, start: date = date(2019, 1, 1)) -> list[date]:
    out, y, m = [], start.year, start.month
    for _ in range(n):
        out.append(date(y, m, 1))
        y, m = y + (m == 12), m % 12 + 1
    return out


def _simulate(n: int, ratio, seed: int = 0, noise: float = 0.02) -> tuple[dict, dict]:
    """Daily counts ~ Poisson(80); the official count = the month's total / ratio(month index), with log-normal
    noise of ``noise``."""
    rng = np.random.default_rng(seed)
    daily, official = {}, {}
    for i, p in enumerate(_months(n)):
        days = rng.poisson(80, days_in(p)).astype(float).tolist()
        daily[p] = days
        official[p] = sum(days) / ratio(i) * math.exp(rng.normal(0, noise))
    return daily, official


def test_a_known_ratio_is_recovered_and_the_interval_is_calibrated():
    covered, errors = [], []
    for seed in range(20):
        daily, official = _simulate(30, lambda i: 0.82, seed)
        res = backtest(daily, official, window=6)
        assert res.months == 24
        errors.append(res.median_ape_pct)
        covered.append(res.coverage_90)
        assert all(abs(r["ratio"] - 0.82) < 0.03 for r in res.rows)
    assert np.median(errors) < 2.5  # noise sd 2%: a median error near 1.35%
    assert 0.8 <= np.mean(covered) <= 0.97  # a 90% interval holds about 90% of the time


def test_ignoring_the_ratio_would_miss_by_the_ratio():
    daily, official = _simulate(12, lambda i: 0.82, 1, noise=0.0)
    p = _months(12)[-1]
    history = [(q, sum(daily[q]), official[q]) for q in _months(11)]
    nc = nowcast(p, daily[p], history, window=6)
    assert nc is not None and nc.estimate == pytest.approx(official[p], rel=1e-9)
    assert nc.estimate == pytest.approx(sum(daily[p]) / 0.82, rel=1e-9)  # not the preliminary count itself
    assert nc.low == pytest.approx(nc.estimate) == pytest.approx(nc.high)  # no noise: no spread


def test_a_drifting_ratio_is_followed_by_the_rolling_window():
    daily, official = _simulate(30, lambda i: 0.82 if i < 12 else 0.74, 2, noise=0.01)
    res = backtest(daily, official, window=6)
    late = [r for r in res.rows if r["period"] >= _months(30)[19]]  # 8 months after the shift
    assert all(abs(r["ratio"] - 0.74) < 0.02 for r in late)
    assert np.median([r["ape_pct"] for r in late]) < 2


def test_a_part_month_is_extrapolated_with_a_wider_interval():
    daily, official = _simulate(12, lambda i: 0.82, 3)
    p = _months(12)[-1]
    history = [(q, sum(daily[q]), official[q]) for q in _months(11)]
    whole = nowcast(p, daily[p], history)
    ten = nowcast(p, daily[p][:10], history)
    assert whole and ten and ten.days == 10 and ten.daily_total == pytest.approx(sum(daily[p][:10]) * 3.1)
    assert (ten.high - ten.low) > (whole.high - whole.low)
    assert ten.low < official[p] < ten.high


def test_too_little_history_gives_no_nowcast():
    daily, official = _simulate(4, lambda i: 0.82)
    p = _months(4)[-1]
    assert nowcast(p, daily[p], [(q, sum(daily[q]), official[q]) for q in _months(3)], window=6) is None
    assert backtest(daily, official, window=6).months == 0


FULL = Path(__file__).parents[3] / "shared/data/daily/padeci_sspc_daily_homicides_2019-01_2021-03_raw_csv.tar.gz"


@pytest.mark.skipif(not FULL.exists(), reason="needs ../shared/data (the whole daily archive is not bundled)")
def test_the_backtest_on_the_real_daily_count_meets_its_targets(obs):
    obs.ingest(FULL, STATE_VICTIMS)
    res = obs.evaluate("nowcast-backtest")
    # 26 complete months 2019-2021 (April 2019 lacks a day); the first 6 only estimate the ratio
    assert res.months == 20 and res.rows[0]["period"] == date(2019, 8, 1)
    assert res.median_ape_pct <= 5 and 0.80 <= res.coverage_90 <= 0.97
    assert (round(res.median_ape_pct, 2), res.coverage_90) == (1.44, 0.95)  # the README states these
    mid = obs.evaluate("nowcast-backtest", as_of_day=15)
    assert mid.median_ape_pct <= 5 and 0.80 <= mid.coverage_90 <= 0.97
    rows = obs.indicator("homicide_nowcast").to_pylist()
    assert [r["status"] for r in rows] == ["checked"] * 20  # SESNSP has published every month of the archive
    assert all(0.79 < r["ratio"] < 0.86 for r in rows)
