"""Before-and-after comparisons of cooperation at key dates, and how far the news proxy follows counted acts.

- :func:`rate_change`: a counted component (persons extradited, entities designated...) as a yearly rate before and
  after a date, each with an exact Poisson 95% interval, and their ratio with the exact conditional (binomial)
  interval. People moved in batches (29 prisoners on one day) are overdispersed: with the batches known, the counts
  are scaled by the mean batch size first (quasi-Poisson); a yearly count of unknown batches is read as individual
  acts, so its interval is a lower bound on the uncertainty.
- :func:`share_change`: the news share (law-enforcement cooperation in USA–MEX events) before and after, each with a
  month-block bootstrap interval (months resampled whole, so that a burst of coverage counts once), and the ratio.
- :func:`trend_change`: whether the after-window departs from the trend of the years (or months) before the date:
  a quasi-Poisson log-linear trend (with an exposure: months, or all news events) fitted before, projected over the
  after-window, and the observed count against it with the trend's and the counts' own uncertainty. A count that
  grows or shrinks steadily is not read as a change at the date.
- :func:`correlation`: Pearson's r between two yearly series with Fisher's z interval (at least 4 years), and
  Spearman's rank correlation.

The functions take plain numbers; :mod:`usmx.indicators.scorecard` gathers them from the warehouse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: fewest years for a correlation interval (Fisher's z needs n > 3)
MIN_YEARS = 4
#: fewest months on a side of a date for a comparison
MIN_MONTHS = 3


def poisson_interval(k: float, level: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson count ``k`` (non-integer counts, e.g. a median of publishers, are
    rounded for the interval only)."""
    n = int(round(k))
    a = 1 - level
    low = 0.0 if n == 0 else float(stats.chi2.ppf(a / 2, 2 * n) / 2)
    high = float(stats.chi2.ppf(1 - a / 2, 2 * n + 2) / 2)
    return low, high


@dataclass(frozen=True)
class Change:
    before: float | None
    before_low: float | None
    before_high: float | None
    after: float | None
    after_low: float | None
    after_high: float | None
    ratio: float | None
    ratio_low: float | None
    ratio_high: float | None
    method: str


def dispersion(batches: list[tuple[float, float]]) -> float:
    """The mean batch size weighted by size, sum(n s^2) / sum(n s), of ``(number of batches, size)`` pairs: the
    factor by which moving people in batches (29 on one day) inflates a Poisson variance. 1 with no batches."""
    total = sum(n * size for n, size in batches)
    return max(1.0, sum(n * size * size for n, size in batches) / total) if total > 0 else 1.0


def rate_change(
    k_before: float, months_before: float, k_after: float, months_after: float, dispersion: float = 1.0
) -> Change:
    """Yearly rates of a count before and after a date, their exact intervals, and the rate ratio's exact interval
    (conditional on the total: the after-share of the events is binomial). With ``dispersion`` d > 1 (people moved
    in batches) the counts are divided by d before the exact intervals and multiplied back (quasi-Poisson)."""
    years_b, years_a = months_before / 12, months_after / 12
    d = max(1.0, dispersion)
    lb, hb = (x * d for x in poisson_interval(k_before / d))
    la, ha = (x * d for x in poisson_interval(k_after / d))
    before, after = k_before / years_b, k_after / years_a
    ratio = ratio_low = ratio_high = None
    n = int(round(k_before / d)) + int(round(k_after / d))
    if n > 0 and round(k_before / d) > 0:
        ka = int(round(k_after / d))
        ci = stats.binomtest(ka, n).proportion_ci(0.95, method="exact")
        scale = years_b / years_a

        def odds(p: float) -> float:
            return math.inf if p >= 1 else p / (1 - p) * scale

        ratio, ratio_low, ratio_high = after / before, odds(ci.low), odds(ci.high)
    return Change(
        before, lb / years_b, hb / years_b, after, la / years_a, ha / years_a, ratio, ratio_low, ratio_high,
        "exact Poisson rates per year; exact binomial interval of the rate ratio"
        + (f"; counts divided by the batch size {d:.1f} (quasi-Poisson)" if d > 1 else ""),
    )  # fmt: skip


def share_change(
    before: list[tuple[float, float]], after: list[tuple[float, float]], sims: int = 2000, seed: int = 0
) -> Change:
    """The share sum(k)/sum(n) of (cooperation events, all events) months before and after a date, with 95% month-
    block bootstrap intervals of each share and of their ratio."""
    rng = np.random.default_rng(seed)
    b, a = np.asarray(before, float), np.asarray(after, float)

    def share(x: np.ndarray) -> float:
        return float(x[:, 0].sum() / x[:, 1].sum())

    def boot(x: np.ndarray) -> np.ndarray:
        idx = rng.integers(0, len(x), size=(sims, len(x)))
        return x[idx, 0].sum(axis=1) / np.maximum(x[idx, 1].sum(axis=1), 1e-12)

    sb, sa = boot(b), boot(a)
    ratio = share(a) / share(b) if share(b) > 0 else None
    ok = sb > 0
    rr = sa[ok] / sb[ok]
    r_low: float | None = None
    r_high: float | None = None
    if ratio and ok.mean() > 0.9:  # a ratio interval only where nearly every resample has a share before
        r_low, r_high = float(np.quantile(rr, 0.025)), float(np.quantile(rr, 0.975))
    return Change(
        share(b), float(np.quantile(sb, 0.025)), float(np.quantile(sb, 0.975)),
        share(a), float(np.quantile(sa, 0.025)), float(np.quantile(sa, 0.975)),
        ratio, r_low, r_high, f"month-block bootstrap ({sims} resamples, seed {seed})",
    )  # fmt: skip


@dataclass(frozen=True)
class TrendChange:
    """The after-window's count against the projection of the trend before: their ratio, its 95% interval and the
    two-sided p-value; ``points`` the periods the trend was fitted on."""

    expected: float
    ratio: float
    low: float
    high: float
    p_value: float
    points: int


def _trend_fit(form: str, x: np.ndarray, y: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Quasi-Poisson trend of ``y`` with exposure ``e`` on centred times ``x``: coefficients, their covariance
    (before the dispersion) and the fitted means. ``log``: log(mu) = log(e) + a + b x; ``linear``: mu = e (a + b x)."""
    design = np.column_stack([np.ones(len(x)), x])
    if form == "log":
        beta = np.array([math.log(y.sum() / e.sum()), 0.0])
        for _ in range(100):
            mu = np.exp(np.clip(design @ beta + np.log(e), -50, 50))
            z = design @ beta + (y - mu) / np.maximum(mu, 1e-12)
            new = np.linalg.lstsq((design * mu[:, None]).T @ design, (design * mu[:, None]).T @ z, rcond=None)[0]
            done = np.max(np.abs(new - beta)) < 1e-10
            beta = new
            if done:
                break
        mu = np.exp(np.clip(design @ beta + np.log(e), -50, 50))
        return beta, np.linalg.pinv((design * mu[:, None]).T @ design), mu
    xe = design * e[:, None]
    mu = np.full(len(y), max(y.mean(), 1e-6))
    beta = np.zeros(2)
    for _ in range(100):
        w = 1 / np.maximum(mu, 1e-6)
        new = np.linalg.lstsq((xe * w[:, None]).T @ xe, (xe * w[:, None]).T @ y, rcond=None)[0]
        mu = np.maximum(xe @ new, 1e-6)
        done = np.max(np.abs(new - beta)) < 1e-10
        beta = new
        if done:
            break
    w = 1 / np.maximum(mu, 1e-6)
    return beta, np.linalg.pinv((xe * w[:, None]).T @ xe), mu


def trend_change(
    t: list[float], counts: list[float], exposure: list[float], t_after: float, count_after: float,
    exposure_after: float, dispersion: float = 1.0,
) -> TrendChange | None:  # fmt: skip
    """``counts`` at times ``t`` (years) with ``exposure`` (months, or events), a quasi-Poisson trend fitted on
    them in two forms (log-linear: a steady percentage; linear: a steady number), each projected to ``t_after`` (the
    middle of the after-window) for ``exposure_after``; the observed ``count_after`` against each projection, and the
    form it departs from least is reported (a change must stand out from both). The dispersion is the larger of the
    fit's Pearson statistic and ``dispersion`` (people moved in batches). None where the trend cannot be fitted
    (fewer than 4 periods with exposure, or no count)."""
    x = np.asarray(t, float)
    y = np.asarray(counts, float)
    e = np.asarray(exposure, float)
    keep = e > 0
    x, y, e = x[keep], y[keep], e[keep]
    if len(x) < 4 or y.sum() <= 0 or exposure_after <= 0:
        return None
    centre = x.mean()
    best: TrendChange | None = None
    for form in ("log", "linear"):
        beta, cov0, mu = _trend_fit(form, x - centre, y, e)
        phi = max(1.0, dispersion, float(np.sum((y - mu) ** 2 / np.maximum(mu, 1e-12))) / max(len(y) - 2, 1))
        g = np.array([1.0, t_after - centre])
        if form == "log":
            expected = float(exposure_after * math.exp(min(float(g @ beta), 50.0)))
            var = float(g @ cov0 @ g) * phi + phi / max(expected, 1e-9)
        else:
            expected = float(exposure_after * (g @ beta))
            if expected <= 0:
                continue
            var = float(g @ cov0 @ g) * phi * exposure_after**2 / expected**2 + phi / expected
        se = math.sqrt(var)
        if not math.isfinite(se) or se > 5:  # a trend that does not fit (a few counts, all at one end)
            continue
        log_ratio = math.log((count_after + 0.5) / (expected + 0.5))
        p = float(2 * stats.norm.sf(abs(log_ratio) / se))
        found = TrendChange(expected, math.exp(log_ratio), math.exp(log_ratio - 1.959964 * se),
                            math.exp(log_ratio + 1.959964 * se), p, len(x))  # fmt: skip
        if best is None or found.p_value > best.p_value:
            best = found
    return best


@dataclass(frozen=True)
class Correlation:
    n: int
    pearson: float | None
    low: float | None
    high: float | None
    spearman: float | None
    note: str


def correlation(x: list[float], y: list[float]) -> Correlation:
    """Pearson's r with Fisher's z 95% interval, and Spearman's rho; None where too few points or no variation."""
    n = len(x)
    if n < MIN_YEARS:
        return Correlation(n, None, None, None, None, f"{n} years with both series; at least {MIN_YEARS} needed")
    if len(set(x)) < 2 or len(set(y)) < 2:  # exact: a float standard deviation of equal values need not be 0
        return Correlation(n, None, None, None, None, "one series does not vary over these years")
    r = float(np.corrcoef(x, y)[0, 1])
    z, se = math.atanh(max(min(r, 0.999999), -0.999999)), 1 / math.sqrt(n - 3)
    rho = float(stats.spearmanr(x, y).statistic)
    return Correlation(n, r, math.tanh(z - 1.959964 * se), math.tanh(z + 1.959964 * se), rho, "")
