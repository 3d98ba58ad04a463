from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from usmx.evaluate.changepoints import detect_changepoints
from usmx.evaluate.synth import synthetic_control


def test_a_planted_level_shift_is_found_with_an_interval():
    rng = np.random.default_rng(0)
    idx = pd.date_range("2015-01-01", periods=120, freq="MS")
    mu = np.where(idx < pd.Timestamp("2019-06-01"), 1000, 1500) * (1 + 0.05 * np.sin(2 * np.pi * idx.month / 12))
    (cp,) = detect_changepoints(pd.Series(rng.poisson(mu), idx))
    assert abs((cp.date - pd.Timestamp("2019-06-01")).days) <= 62
    assert cp.lower <= cp.date <= cp.upper and cp.support > 0.8
    assert cp.change_pct == pytest.approx(50, abs=8)


def test_seasonality_alone_is_rarely_a_changepoint():
    idx = pd.date_range("2015-01-01", periods=120, freq="MS")
    mu = 1000 * (1 + 0.15 * np.sin(2 * np.pi * idx.month / 12))
    clean = sum(
        detect_changepoints(pd.Series(np.random.default_rng(s).poisson(mu), idx), n_boot=5) == [] for s in range(20)
    )
    assert clean >= 18


def _panel(effect: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2016-01-01", periods=96, freq="MS")
    factors = np.column_stack([np.linspace(10, 20, 96), 5 + 3 * np.sin(np.arange(96) / 6)])
    loads = rng.uniform(0.2, 1.5, size=(2, 12))
    donors = factors @ loads + rng.normal(0, 0.3, (96, 12))
    treated = donors[:, :3].mean(axis=1) + rng.normal(0, 0.2, 96)
    post = idx >= pd.Timestamp("2022-01-01")
    treated = treated * np.where(post, 1 + effect, 1)
    cols = {f"{i + 2:02d}": donors[:, i] for i in range(12)}
    return pd.DataFrame({"01": treated, **cols}, index=idx)


def test_synthetic_control_finds_a_planted_effect_and_ranks_first():
    res = synthetic_control(_panel(-0.3), "01", "2022-01")
    assert res.effect_pct == pytest.approx(-30, abs=6)
    assert res.rank == 1 and res.p_value == pytest.approx(1 / int(res.placebo["included"].sum()))
    assert sum(res.weights.values()) == pytest.approx(1) and min(res.weights.values()) >= 0
    assert res.pre_rmspe < res.post_rmspe


def test_synthetic_control_without_effect_is_not_significant():
    res = synthetic_control(_panel(0.0), "01", "2022-01")
    assert abs(res.effect_pct) < 6 and res.p_value > 0.1


def test_on_the_demo_warehouse(loaded):

    res = loaded.evaluate("synth", treated="Sinaloa", intervention="2024-09")
    assert res.effect_pct > 50  # Sinaloa's 2024 war, far above any synthetic Sinaloa
    d = res.to_dict()
    assert d["weights"] and d["series"][0]["period"] == "2015-01-01"
