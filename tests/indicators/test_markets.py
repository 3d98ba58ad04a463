"""Criminal-market breadth: a state built to lead every market is broadest and evenest, a one-market state is
narrow and concentrated, and the bootstrap interval is wide only where a state sits near the medians."""

from __future__ import annotations

import numpy as np

from usmx.indicators.markets import breadth_scores, markets


def _panel(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """6 markets x 32 states x 12 months of Poisson counts at 100 a month for a state of one million; state 0 runs
    every market at three times that, state 1 one market at ten times, state 2 sits on the median everywhere."""
    rng = np.random.default_rng(seed)
    rate = np.full((6, 32), 100.0) * rng.uniform(0.5, 1.5, size=(6, 32))
    rate[:, 0] = 300.0
    rate[:, 1] = 60.0
    rate[0, 1] = 1000.0
    rate[:, 2] = np.median(rate[:, 3:], axis=1)
    counts = rng.poisson(rate[..., None], size=(6, 32, 12)).astype(float)
    return counts, np.full(32, 1_000_000.0)


def test_the_planted_broad_state_leads_every_market_and_the_narrow_one_is_concentrated():
    for seed in range(3):
        counts, pop = _panel(seed)
        res = breadth_scores(counts, pop, draws=400, seed=seed)
        assert res["value"][0] == 6 and res["value_low"][0] == 6  # above the median in all six, in every draw
        assert res["value"][1] == 1 and res["value_high"][1] <= 2
        assert res["evenness"][0] > 0.98 > 0.6 > res["evenness"][1]  # even spread against one dominant market
        assert res["evenness_low"][0] <= res["evenness"][0] <= res["evenness_high"][0]
        # a state on the medians could be above or below in each market: its interval spans several markets
        assert res["value_high"][2] - res["value_low"][2] >= 3


def test_every_market_names_its_category_and_a_caveat():
    m = markets()
    assert len(m) == 10 and {"extortion", "fuel_theft", "firearms", "migrant_smuggling"} <= set(m)
    for spec in m.values():
        assert spec["group"] and spec["label_es"] and spec["note_en"] and spec["note_es"]


def test_market_breadth_on_the_demo(loaded):
    rows = loaded.indicator("market_breadth").to_pylist()
    assert len(rows) == 32 and {r["year"] for r in rows} == {2023} and rows[0]["markets_measured"] == 10
    for r in rows:
        assert r["value"] == len(r["markets_above"].split(", ")) if r["markets_above"] else r["value"] == 0
        assert r["value_low"] <= r["value"] <= r["value_high"] and 0 <= r["evenness"] <= 1
    years = {r["year"] for r in loaded.indicator("market_breadth", by="year", draws=50).to_pylist()}
    assert 2019 in years and 2023 in years  # fuel theft recorded from 2019: earlier years measure fewer markets
