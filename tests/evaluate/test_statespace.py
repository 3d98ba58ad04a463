"""The local linear trend model behind the interrupted-time-series check."""

from __future__ import annotations

import numpy as np
import pytest

from usmx.evaluate.statespace import fit_local_trend, simulate


def _months(n: int) -> np.ndarray:
    return (np.arange(n) % 12) + 1


def test_a_deterministic_trend_gets_near_zero_drift_and_is_projected():
    n = 72
    rng = np.random.default_rng(1)
    season = 0.1 * np.sin(2 * np.pi * np.arange(12) / 12)
    y = 7 + 0.01 * np.arange(n) + season[_months(n) - 1] + 0.02 * rng.standard_normal(n)
    fit = fit_local_trend(y, _months(n))
    assert fit.q_slope < 1e-3
    assert fit.state[1] == pytest.approx(0.01, abs=0.004)  # the slope per month
    assert fit.season - fit.season.mean() == pytest.approx(season - season.mean(), abs=0.02)
    paths = simulate(fit, _months(n + 12)[n:], 2000, np.random.default_rng(0))
    assert paths.shape == (12, 2000)
    truth = 7 + 0.01 * np.arange(n, n + 12) + season[_months(n + 12)[n:] - 1]
    assert np.abs(paths.mean(axis=1) - truth).max() < 0.03


def test_a_random_walk_is_seen_as_one_and_its_forecast_widens():
    n = 80
    rng = np.random.default_rng(2)
    y = 5 + np.cumsum(0.05 * rng.standard_normal(n)) + 0.01 * rng.standard_normal(n)
    fit = fit_local_trend(y, _months(n))
    assert fit.q_level > 1
    paths = simulate(fit, _months(n + 24)[n:], 4000, np.random.default_rng(0))
    spread = paths.std(axis=1)
    assert spread[-1] > 2 * spread[0]


def test_too_short_a_series_is_refused():
    with pytest.raises(ValueError, match="at least 24"):
        fit_local_trend(np.ones(12), _months(12))
