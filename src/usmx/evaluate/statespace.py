"""A local linear trend model (Harvey's basic structural model without a stochastic season), in NumPy.

The interrupted-time-series check model: unlike the primary model's fixed trend forms, its level and slope drift
(random walks), so its forecast uncertainty grows with the horizon by itself. On the log scale::

    y_t     = level_t + season[month_t] + e_t,        e_t ~ N(0, s2)
    level_t+1 = level_t + slope_t + u_t,               u_t ~ N(0, q_level * s2)
    slope_t+1 = slope_t + w_t,                          w_t ~ N(0, q_slope * s2)

The calendar-month pattern is estimated first (least squares on month dummies and a linear trend) and removed. The
variance ratios are chosen by maximum likelihood over a grid (all candidates filtered at once), with the scale
``s2`` concentrated out; the first two observations initialise the state. Forecasts are simulated: the final state
drawn from its filtered distribution, then level, slope and noise drawn forward.

Written here rather than imported because statsmodels takes about 3 s to import on a small machine, and the check
must not make ``usmx evaluate its`` slow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: the grid of variance ratios (relative to the observation noise) searched by maximum likelihood
GRID = np.concatenate([[0.0], np.logspace(-5, 1, 13)])


@dataclass
class LocalTrendFit:
    """The fitted model: variance ratios, the observation variance, the final state and its covariance."""

    q_level: float
    q_slope: float
    s2: float
    state: np.ndarray  # level, slope after the last observation (predicted for the next month)
    cov: np.ndarray  # its covariance
    season: np.ndarray  # 12 month effects (January first), summing to zero
    loglik: float


def _season(y: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Month effects from least squares on a linear trend and month dummies, centred to sum to zero."""
    n = len(y)
    x = np.zeros((n, 13))
    x[:, 0] = 1.0
    x[:, 1] = np.arange(n) / 12.0
    for i, m in enumerate(months):
        if m > 1:
            x[i, m] = 1.0
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    effects = np.concatenate([[0.0], beta[2:13]])
    return effects - effects.mean()


def _filter(y: np.ndarray, ql: np.ndarray, qs: np.ndarray):
    """Kalman filter for every (ql, qs) pair at once, with unit observation variance.

    Returns the concentrated log-likelihood, the scale estimate, the predicted final state and its covariance.
    """
    g = len(ql)
    a = np.tile([y[1], y[1] - y[0]], (g, 1)).astype(float)  # state after two observations
    p = np.zeros((g, 2, 2))
    p[:, 0, 0] = 1.0 + ql
    p[:, 1, 1] = 2.0 + qs
    p[:, 0, 1] = p[:, 1, 0] = 1.0
    # the first prediction: level + slope
    a = np.stack([a[:, 0] + a[:, 1], a[:, 1]], axis=1)
    t = np.array([[1.0, 1.0], [0.0, 1.0]])
    p = t @ p @ t.T
    p[:, 0, 0] += ql
    p[:, 1, 1] += qs
    sum_v2f = np.zeros(g)
    sum_logf = np.zeros(g)
    for obs in y[2:]:
        v = obs - a[:, 0]
        f = p[:, 0, 0] + 1.0
        k = p[:, :, 0] / f[:, None]
        sum_v2f += v * v / f
        sum_logf += np.log(f)
        a = a + k * v[:, None]
        p = p - np.einsum("gi,gj->gij", k, k) * f[:, None, None]
        a = np.stack([a[:, 0] + a[:, 1], a[:, 1]], axis=1)
        p = t @ p @ t.T
        p[:, 0, 0] += ql
        p[:, 1, 1] += qs
    n = len(y) - 2
    s2 = np.maximum(sum_v2f / n, 1e-12)
    loglik = -0.5 * (n * np.log(2 * np.pi * s2) + n + sum_logf)
    return loglik, s2, a, p


def fit_local_trend(y: np.ndarray, months: np.ndarray) -> LocalTrendFit:
    """Fit the model to a (log) series ``y`` whose calendar months (1-12) are ``months``."""
    if len(y) < 24:
        raise ValueError(f"a local trend model needs at least 24 months; got {len(y)}")
    season = _season(y, months)
    z = y - season[months - 1]
    ql, qs = (g.ravel() for g in np.meshgrid(GRID, GRID))
    loglik, s2, a, p = _filter(z, ql, qs)
    best = int(np.nanargmax(loglik))
    if not np.isfinite(loglik[best]):
        raise ValueError("the likelihood is not finite for any variance ratio")
    return LocalTrendFit(
        float(ql[best]), float(qs[best]), float(s2[best]), a[best], p[best] * s2[best], season, float(loglik[best])
    )


def simulate(fit: LocalTrendFit, months: np.ndarray, sims: int, rng: np.random.Generator) -> np.ndarray:
    """Simulated paths (months x sims) of the series for the calendar months that follow the fitted period."""
    chol = np.linalg.cholesky(fit.cov + np.eye(2) * 1e-12)
    state = fit.state[:, None] + chol @ rng.standard_normal((2, sims))
    level, slope = state[0].copy(), state[1].copy()
    sd = np.sqrt(fit.s2)
    out = np.empty((len(months), sims))
    for i, m in enumerate(months):
        out[i] = level + fit.season[m - 1] + sd * rng.standard_normal(sims)
        level = level + slope + sd * np.sqrt(fit.q_level) * rng.standard_normal(sims)
        slope = slope + sd * np.sqrt(fit.q_slope) * rng.standard_normal(sims)
    return out
