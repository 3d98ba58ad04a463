"""Composite indices with their uncertainty: an ordering every choice agrees on has no rank uncertainty, one that
hinges on the weights shows it in the Sobol' indices and the rank intervals, and a component that drives the index
is caught by the dominance check."""

from __future__ import annotations

import numpy as np
import pytest

from usmx.evaluate.composite import index, normalise, uncertainty


def test_an_ordering_every_choice_agrees_on_has_no_rank_uncertainty():
    x = np.outer(np.arange(1, 33), [1.0, 2.0, 5.0, 0.3])  # state i is worse than state i-1 in every component
    u = uncertainty(x, np.array([0.3, 0.2, 0.2, 0.3]), ["a", "b", "c", "d"], ascending=True)
    assert u.configurations >= 1000
    assert list(u.rank) == list(range(1, 33)) and (u.rank_low == u.rank).all() and (u.rank_high == u.rank).all()
    assert set(u.sobol_total.values()) == {0.0}  # no choice moves a rank


def test_a_ranking_that_hinges_on_the_weights_shows_it():
    rng = np.random.default_rng(0)
    a = rng.uniform(1, 10, 32)
    x = np.column_stack([a, 11 - a, rng.uniform(1, 10, 32)])  # two components rank the states in opposite orders
    u = uncertainty(x, np.array([1.0, 1.0, 1.0]), ["a", "b", "c"], ascending=True, seed=1)
    assert u.sobol_total["weight_a"] > 0.05 and u.sobol_total["weight_b"] > 0.05
    assert (u.rank_high - u.rank_low).mean() > 3  # states move many places with the weights
    assert all(-0.2 < v <= 1.2 for v in u.sobol_first.values())


def test_a_component_that_drives_the_index_is_flagged():
    rng = np.random.default_rng(2)
    big = rng.lognormal(0, 1.5, 32)
    x = np.column_stack([big, rng.uniform(0.9, 1.1, 32), rng.uniform(0.9, 1.1, 32)])
    u = uncertainty(x, np.array([0.6, 0.2, 0.2]), ["big", "flat1", "flat2"], ascending=True)
    assert u.dominant == "big" and u.component_shares["big"] > 0.5


def test_normalisations_score_higher_as_worse():
    x = np.array([[1.0], [2.0], [3.0], [10.0]])
    for how in ("banded", "zscore", "rank"):
        s = normalise(x, how)[:, 0]
        assert (np.diff(s) >= 0).all()
    banded = normalise(x, "banded")[:, 0]
    assert banded[0] == 1 and banded[-1] == 5  # the top is capped at the 95th percentile
    assert index(x, np.array([1.0]), "banded", "geometric")[0] == pytest.approx(1.0)


def test_the_indices_on_the_demo(loaded):
    peace = loaded.indicator("peace_index").to_pylist()
    assert len(peace) == 32 and peace[0]["state"] == "Yucatán" and peace[0]["rank"] == 1  # as the MPI ranks it
    assert all(r["rank_low"] <= r["rank"] <= r["rank_high"] for r in peace)
    assert {r["missing_components"] for r in peace} == {"detention_without_sentence"}
    capture = loaded.indicator("capture_index").to_pylist()
    assert {"rate_disappearances", "rate_federal_crimes", "rate_market_breadth"} <= set(capture[0])
    s = loaded.evaluate("sensitivity", name="capture_index")
    assert s["configurations"] >= 1000 and set(s["sobol_first"]) == set(s["sobol_total"])
    assert s["dominant_component"] is None  # equal weights: violence does not drive the capture index
