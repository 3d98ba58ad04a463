"""The simulation study behind the interrupted-time-series interval: does the 95% interval cover the truth?

Seeded: every run sees the same series. ``benchmarks/its_coverage.py`` runs more seeds and prints the table.
"""

from __future__ import annotations

import pytest

from tests.synthetic import ITS_FAMILIES, its_series
from usmx.evaluate import interrupted_time_series

SEEDS = range(30)


def _intervals(family: str, effect: float) -> list[tuple[float, float]]:
    out = []
    for seed in SEEDS:
        s = its_series(family, seed, effect=effect)
        res = interrupted_time_series(s, s.index[60], sims=600, seed=seed, placebo=False, second_model=False)
        out.append(res.effect_pct_ci)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("family", ITS_FAMILIES)
def test_with_no_effect_the_interval_covers_zero_in_at_least_90_percent_of_series(family):
    intervals = _intervals(family, 0.0)
    coverage = sum(lo <= 0 <= hi for lo, hi in intervals) / len(intervals)
    assert coverage >= 0.90, f"{family}: 95% interval covered zero in {coverage:.0%} of {len(intervals)} series"


@pytest.mark.slow
@pytest.mark.parametrize("family", ITS_FAMILIES)
def test_a_planted_20_percent_drop_is_covered_and_mostly_detected(family):
    intervals = _intervals(family, -0.20)
    coverage = sum(lo <= -20 <= hi for lo, hi in intervals) / len(intervals)
    detected = sum(hi < 0 for _, hi in intervals) / len(intervals)
    assert coverage >= 0.90, f"{family}: covered -20% in {coverage:.0%}"
    assert detected >= 0.75, f"{family}: the drop was detected in only {detected:.0%}"


def test_the_families_differ_as_described():
    flat, linear, exp_, damped = (its_series(f, 0) for f in ("flat", "linear", "exponential", "damped"))
    assert abs(flat.iloc[-12:].mean() / flat.iloc[:12].mean() - 1) < 0.05
    assert linear.iloc[-12:].mean() > 1.4 * linear.iloc[:12].mean()
    assert exp_.iloc[-12:].mean() > 2 * exp_.iloc[:12].mean()
    early = damped.iloc[12:24].mean() - damped.iloc[:12].mean()
    late = damped.iloc[-12:].mean() - damped.iloc[-24:-12].mean()
    assert early > 2 * late > 0
    assert its_series("poisson", 0).mean() < 60
