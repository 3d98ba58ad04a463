"""Before-and-after comparisons and the news-against-counts correlation: intervals that hold what they claim."""

from __future__ import annotations

import math

import numpy as np
import pytest

from usmx.evaluate.cooperation import correlation, dispersion, poisson_interval, rate_change, share_change


@pytest.mark.slow  # several seconds: CI runs it
def test_the_exact_poisson_interval_covers_the_rate_at_least_95_percent_of_the_time():
    rng = np.random.default_rng(3)
    for mu in (0.8, 4.0, 30.0):
        draws = rng.poisson(mu, 4000)
        covered = np.mean([lo <= mu <= hi for lo, hi in map(poisson_interval, draws)])
        assert covered >= 0.95, (mu, covered)  # exact intervals are conservative
    assert poisson_interval(0)[0] == 0 and poisson_interval(0)[1] == pytest.approx(3.689, abs=1e-3)


def test_a_rate_ratio_interval_excludes_one_only_for_a_real_change():
    same = rate_change(40, 24, 38, 24)
    assert same.ratio == pytest.approx(0.95) and same.ratio_low < 1 < same.ratio_high
    fell = rate_change(120, 24, 30, 24)  # 60 a year to 15 a year
    assert (fell.before, fell.after) == (60, 15)
    assert fell.ratio == pytest.approx(0.25) and fell.ratio_high < 1
    # unequal windows: rates per year, not totals
    short = rate_change(24, 24, 6, 6)
    assert short.before == short.after == 12 and short.ratio == pytest.approx(1)
    assert rate_change(0, 24, 5, 24).ratio is None  # nothing before: no ratio, the caller says "rose from none"


def test_batches_widen_the_interval_of_people_moved_together():
    # three transfers of 29, 26 and 37 people: three acts, not 92 independent ones
    d = dispersion([(1, 29.0), (1, 26.0), (1, 37.0)])
    assert d == pytest.approx((29**2 + 26**2 + 37**2) / 92)
    plain, batched = rate_change(10, 24, 92, 12), rate_change(10, 24, 92, 12, d)
    assert batched.after == plain.after == 92
    assert batched.after_high - batched.after_low > 3 * (plain.after_high - plain.after_low)
    assert dispersion([]) == 1.0 and dispersion([(58, 1.0)]) == 1.0


def test_the_month_block_bootstrap_of_a_share():
    rng = np.random.default_rng(0)
    before = [(rng.binomial(400, 0.10), 400) for _ in range(24)]
    after = [(rng.binomial(400, 0.05), 400) for _ in range(24)]
    ch = share_change(before, after)
    assert ch.before_low < 0.10 < ch.before_high and ch.after_low < 0.05 < ch.after_high
    assert ch.ratio == pytest.approx(ch.after / ch.before) and ch.ratio_high < 1
    assert share_change(before, after).ratio_low == ch.ratio_low  # seeded: the same answer twice
    flat = share_change(before, [(k, n) for k, n in before])
    assert flat.ratio_low < 1 < flat.ratio_high


def test_correlation_with_fishers_interval_and_its_limits():
    x = [1, 2, 3, 4, 5, 6, 7, 8]
    y = [2.1, 3.9, 6.2, 8.1, 9.8, 12.2, 13.9, 16.1]
    c = correlation(x, y)
    assert c.n == 8 and c.pearson > 0.99 and c.low < c.pearson < c.high <= 1 and c.spearman == pytest.approx(1)
    z = math.atanh(c.pearson)
    assert c.low == pytest.approx(math.tanh(z - 1.959964 / math.sqrt(5)))
    assert correlation([1, 2, 3], [3, 2, 1]).pearson is None  # three years: no interval is honest
    assert "at least 4" in correlation([1, 2, 3], [3, 2, 1]).note
    assert correlation([1, 1, 1, 1], [1, 2, 3, 4]).note == "one series does not vary over these years"
    assert correlation([0.1] * 3 + [0.1], [1, 2, 3, 4]).spearman is None  # equal floats, no warning from scipy
