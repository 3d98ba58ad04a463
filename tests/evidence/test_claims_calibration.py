"""Placebo-in-time calibration of every before/after reading: in seeded worlds with no change at the date (flat,
linear and exponential trends), the tracker says "no clear change" (or finds nothing) in at least 90% of them.

Each reading is a class so that the test processes share them out (pytest-xdist runs a class in one process).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from usmx.evidence import Evidence
from usmx.evidence import claims as tracker

from . import worlds as w

TODAY = date(2025, 8, 1)
TRENDS = ("flat", "linear", "exponential")
SEEDS = 70  # per trend: 210 worlds per reading


def _share(directions: list[str], wanted: set[str]) -> float:
    return sum(d in wanted for d in directions) / len(directions)


@pytest.mark.slow
class TestStrategy:
    @pytest.mark.parametrize("trend", TRENDS)
    def test_no_change_at_the_strategy_is_read_as_no_clear_change(self, trend):
        got = [tracker.claim(w.World(w.strategy_world(1000 + s, trend=trend)), "strategy_working", "en", TODAY)
               for s in range(SEEDS)]  # fmt: skip
        share = _share([g["direction"] for g in got], {"no clear change"})
        assert share >= 0.90, f"{trend}: 'no clear change' in {share:.0%} of {SEEDS} worlds"


@pytest.mark.slow
class TestSubstitution:
    @pytest.mark.parametrize("trend", TRENDS)
    def test_a_trend_in_disappearances_is_not_flagged_as_substitution(self, trend):
        flags, readings = [], []
        for s in range(SEEDS):
            world = w.World(w.substitution_world(2000 + s, trend=trend, extortion="flat", gitoc=8.0))
            nat = next(r for r in world.run("substitution").to_pylist() if r["state_code"] == "00")
            flags.append(nat["flagged"])
            readings.append(tracker.claim(world, "narco_state_risk", "en", TODAY)["direction"])
        assert 1 - np.mean(flags) >= 0.90, f"{trend}: flagged in {np.mean(flags):.0%} of {SEEDS} worlds"
        assert _share(readings, {"no clear change"}) >= 0.90


@pytest.mark.slow
class TestReclassification:
    @pytest.mark.parametrize("trend", TRENDS)
    def test_other_categories_are_not_flagged_without_a_change(self, trend):
        flags = []
        for s in range(SEEDS):
            world = w.World(w.strategy_world(3000 + s, trend=trend))
            flags += [r["flagged"] for r in world.run("reclassification").to_pylist() if r["state_code"] == "00"]
        assert 1 - np.mean(flags) >= 0.90, f"{trend}: flagged in {np.mean(flags):.0%}"


def _counts(trend: str, seed: int) -> dict[int, float]:
    rng = np.random.default_rng(seed)
    years = range(2005, 2023)
    mean = {"flat": lambda y: 60.0, "linear": lambda y: 30 + 4 * (y - 2005),
            "exponential": lambda y: 25 * 1.08 ** (y - 2005)}[trend]  # fmt: skip
    return {y: float(rng.poisson(mean(y))) for y in years}


@pytest.mark.slow
class TestCooperation:
    @pytest.mark.parametrize("trend", TRENDS)
    def test_counted_acts_with_no_change_at_the_key_dates(self, trend, monkeypatch):
        from .test_claims_worlds import _ledger, _no_gdelt

        _no_gdelt(monkeypatch)
        got = [tracker.claim(Evidence(_ledger(_counts(trend, 4000 + s))), "cooperation_collapsed", "en", TODAY)
               for s in range(SEEDS)]  # fmt: skip
        share = _share([g["direction"] for g in got], {"no clear change"})
        assert share >= 0.90, f"{trend}: 'no clear change' in {share:.0%}"


@pytest.mark.slow
class TestFentanyl:
    def test_independent_trending_series_show_no_lead(self):
        got = [tracker.claim(Evidence(w.warehouse_of(w.fentanyl_world(5000 + s, lead=None))), "fentanyl", "en", TODAY)
               for s in range(3 * SEEDS)]  # fmt: skip
        share = _share([g["direction"] for g in got], {"no evidence"})
        assert share >= 0.90, f"'no evidence' in {share:.0%}"
