"""Interrupted time series on simulated series with a known effect (and none)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from usmx.errors import UsmxError
from usmx.evaluate import interrupted_time_series


def simulate(seed: int, shift: float, months: int = 120, start: str = "2015-01-01", at: str = "2023-01-01"):
    """Counts with a log-linear trend, seasonality, negative-binomial noise and a level shift at ``at``."""
    rng = np.random.default_rng(seed)
    idx = pd.date_range(start, periods=months, freq="MS")
    t = np.arange(months) / 12
    mu = np.exp(np.log(2000) + 0.03 * t + 0.08 * np.sin(2 * np.pi * idx.month / 12))
    mu = mu * np.where(idx >= pd.Timestamp(at), 1 + shift, 1)
    return pd.Series(rng.negative_binomial(n=200, p=200 / (200 + mu)), idx)


def test_a_minus_20_percent_shift_is_recovered():
    res = interrupted_time_series(simulate(1, -0.20), "2023-01")
    assert res.effect_pct == pytest.approx(-20, abs=5)
    lo, hi = res.effect_pct_ci
    assert hi < 0 and lo < res.effect_pct < hi
    assert res.p_value < 0.01
    assert res.second_model is not None and res.second_model.effect_pct_ci[1] < 0
    assert res.placebo_rank == 1  # larger than every placebo
    cf = res.counterfactual
    post = cf[cf.index >= "2023-01-01"]
    assert len(post) == 24 and (post["lower"] <= post["expected"]).all() and (post["expected"] <= post["upper"]).all()
    assert "trend" in res.assumptions


def test_result_serialises(tmp_path):
    import json

    res = interrupted_time_series(simulate(3, -0.1), "2023-01", sims=500)
    d = json.loads(json.dumps(res.to_dict(), default=str))
    assert d["intervention"] == "2023-01-01" and len(d["effect_pct_ci"]) == 2 and d["second_model"]["model"]
    assert d["counterfactual"][0]["period"] == "2018-01-01"  # the default 60-month pre-period
    assert set(d["trend_forms"]) == {"log_linear", "linear", "recent_slope", "recent_level"}
    assert d["placebo_count"] == len(d["placebo_effects"]) + 1


def test_bad_series_are_explained():
    s = simulate(1, 0)
    with pytest.raises(UsmxError, match="inside the series"):
        interrupted_time_series(s, "2030-01")
    with pytest.raises(UsmxError, match="gaps"):
        interrupted_time_series(s.drop(s.index[5]), "2023-01")
    with pytest.raises(UsmxError, match="at least 24"):
        interrupted_time_series(s, "2016-01")
    with pytest.raises(UsmxError, match="expected YYYY-MM"):
        interrupted_time_series(s, "2024-13")
    with pytest.raises(UsmxError, match="pre_window=12"):
        interrupted_time_series(s, "2023-01", pre_window=12)


def test_the_whole_pre_period_on_request():
    s = simulate(4, 0.0)
    res = interrupted_time_series(s, "2023-01", pre_window=None, placebo=False, second_model=False, sims=200)
    assert res.pre_months == 96 and not any("fitted on the" in n for n in res.notes)


def test_a_failing_check_model_never_takes_the_estimate_down(monkeypatch):
    from usmx.evaluate import its

    def broken(*args, **kwargs):
        raise np.linalg.LinAlgError("Schur decomposition solver error.")

    monkeypatch.setattr(its, "_local_trend", broken)
    res = interrupted_time_series(simulate(5, -0.2), "2023-01", sims=300, placebo=False)
    assert res.second_model is None and res.effect_pct < 0
    assert res.second_model_error == "LinAlgError: Schur decomposition solver error."
    assert any("could not be fitted" in n for n in res.notes)
    assert res.to_dict()["second_model_error"].startswith("LinAlgError")


def test_a_constant_series_gives_a_zero_effect_not_an_error():
    idx = pd.date_range("2018-01-01", periods=80, freq="MS")
    res = interrupted_time_series(pd.Series(100.0, idx), "2023-01", sims=300)
    assert res.effect_pct == pytest.approx(0, abs=1e-6)
    assert res.effect_pct_ci[0] == pytest.approx(0, abs=1e-6) and res.effect_pct_ci[1] == pytest.approx(0, abs=1e-6)


def test_on_the_demo_warehouse(loaded):

    s = loaded.series("homicide_victims")
    res = interrupted_time_series(s, "2024-10", sims=1000)
    assert res.post_months == 9 and res.pre_months == 60
    assert res.observed_total == 20_055  # Oct 2024 - Jun 2025 victims, as homicide_victims reports
    lo, hi = res.effect_pct_ci
    assert lo < res.effect_pct < hi and res.placebo_rank is not None
