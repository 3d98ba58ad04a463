"""Interrupted time series: what would have happened without the intervention, and how sure can we be?

Model 1 (primary), a count GLM: the pre-period is fitted with a Poisson GLM on a linear trend and calendar-month
effects, with HAC (Newey-West, 12 lags) standard errors for the coefficients and a quasi-Poisson dispersion
estimated from the Pearson residuals. The counterfactual for each post-period month is the model's prediction; its
uncertainty is simulated: coefficients drawn from their HAC sampling distribution, then counts drawn from a
negative binomial with the estimated dispersion (Poisson when there is none). The effect is the post-period total
against the counterfactual total, in percent; the interval and two-sided p-value come from the simulations.

Model 2 (check), state space: a SARIMAX on log counts (local linear trend through `trend="ct"`, AR(1) and a
seasonal AR(1) at 12 months) fitted on the pre-period and simulated forward.

Placebo in time: the same model is refitted with fake intervention dates in the pre-period (every
``placebo_step`` months, each followed by as many months as the real post-period, or as many as fit before the real
date); the real effect is ranked among the placebo effects by absolute size.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import UsmxError
from ._threads import limited

ASSUMPTIONS_GLM = (
    "The pre-intervention trend (linear on the log scale) and the calendar-month pattern would have continued "
    "unchanged; nothing else that affects the series changed at the intervention date; the recording of the series "
    "did not change (see the integrity audit); residual autocorrelation is handled by HAC standard errors and "
    "overdispersion by a quasi-Poisson scale. The estimate is an average over the whole post-period."
)
ASSUMPTIONS_SARIMAX = (
    "The log series follows a linear trend with AR(1) and seasonal AR(1) errors estimated on the pre-period, "
    "projected forward; forecast uncertainty grows with the horizon."
)


@dataclass
class ItsResult:
    """An interrupted-time-series estimate with its uncertainty, counterfactual and the model's assumptions."""

    model: str
    intervention: pd.Timestamp
    effect_pct: float
    effect_pct_ci: tuple[float, float]
    p_value: float
    counterfactual: pd.DataFrame  # index: month; columns: observed, expected, lower, upper
    observed_total: float
    expected_total: float
    pre_months: int
    post_months: int
    assumptions: str
    second_model: ItsResult | None = None
    placebo_effects: list[tuple[str, float]] = field(default_factory=list)
    placebo_rank: int | None = None  # 1 = the real effect is the largest in absolute value
    placebo_p_value: float | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """A JSON-ready summary (dates as ISO strings)."""
        cf = self.counterfactual.reset_index().rename(columns={"index": "period"})
        cf["period"] = cf["period"].dt.date.astype(str)
        out = {
            "model": self.model,
            "intervention": str(self.intervention.date()),
            "effect_pct": self.effect_pct,
            "effect_pct_ci": list(self.effect_pct_ci),
            "p_value": self.p_value,
            "observed_total": self.observed_total,
            "expected_total": self.expected_total,
            "pre_months": self.pre_months,
            "post_months": self.post_months,
            "assumptions": self.assumptions,
            "placebo_effects": [{"intervention": d, "effect_pct": e} for d, e in self.placebo_effects],
            "placebo_rank": self.placebo_rank,
            "placebo_p_value": self.placebo_p_value,
            "notes": self.notes,
            "counterfactual": cf.replace({np.nan: None}).to_dict(orient="records"),
        }
        if self.second_model is not None:
            s = self.second_model.to_dict()
            s.pop("placebo_effects", None)
            out["second_model"] = s
        return out


def _check_series(series: pd.Series, intervention) -> tuple[pd.Series, pd.Timestamp]:
    if not isinstance(series.index, pd.DatetimeIndex):
        raise UsmxError("the series needs a DatetimeIndex of month starts.")
    s = series.sort_index().astype(float)
    s = s.asfreq("MS")
    if s.isna().any():
        missing = [str(d.date()) for d in s.index[s.isna()]][:5]
        raise UsmxError(f"the series has gaps at {missing}; interrupted time series needs consecutive months.")
    if (s < 0).any():
        raise UsmxError("counts must be non-negative.")
    t0 = pd.Timestamp(intervention).to_period("M").to_timestamp()
    if t0 <= s.index[0] or t0 > s.index[-1]:
        raise UsmxError(
            f"the intervention {t0.date()} must fall inside the series ({s.index[0].date()} … {s.index[-1].date()})."
        )
    return s, t0


def _design(index: pd.DatetimeIndex, origin: pd.Timestamp) -> np.ndarray:
    t = ((index.year - origin.year) * 12 + (index.month - origin.month)).to_numpy(dtype=float) / 12.0
    months = np.zeros((len(index), 11))
    for i, m in enumerate(index.month):
        if m > 1:
            months[i, m - 2] = 1.0
    return np.column_stack([np.ones(len(index)), t, months])


def _glm_effect(
    s: pd.Series,
    t0: pd.Timestamp,
    post_end: pd.Timestamp | None = None,
    *,
    sims: int = 2000,
    seed: int = 0,
    want_cf: bool = True,
):
    import statsmodels.api as sm

    pre = s[s.index < t0]
    post = s[(s.index >= t0) & ((s.index <= post_end) if post_end is not None else True)]
    if len(pre) < 24:
        raise UsmxError(f"only {len(pre)} pre-intervention months; at least 24 are needed to fit trend and season.")
    x_pre, x_post = _design(pre.index, pre.index[0]), _design(post.index, pre.index[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GLM(pre.to_numpy(), x_pre, family=sm.families.Poisson()).fit(
            cov_type="HAC", cov_kwds={"maxlags": min(12, len(pre) // 4)}
        )
    mu_pre = fit.predict(x_pre)
    phi = float(np.sum((pre.to_numpy() - mu_pre) ** 2 / mu_pre) / max(1, len(pre) - x_pre.shape[1]))
    phi = max(phi, 1.0)
    # the HAC sandwich is already robust to overdispersion and autocorrelation: no further scaling
    cov = np.asarray(fit.cov_params())
    rng = np.random.default_rng(seed)
    beta = rng.multivariate_normal(fit.params, cov, size=sims)
    mu = np.exp(np.clip(x_post @ beta.T, -50, 50))  # months x sims
    if phi > 1.0 + 1e-9:
        shape = mu / (phi - 1.0)
        draws = rng.poisson(rng.gamma(shape, (phi - 1.0)))
    else:
        draws = rng.poisson(mu)
    expected = np.exp(x_post @ fit.params)
    obs_total, exp_total = float(post.sum()), float(expected.sum())
    sim_totals = draws.sum(axis=0).astype(float)
    sim_totals = np.where(sim_totals <= 0, np.nan, sim_totals)
    effects = (obs_total / sim_totals - 1) * 100
    effect = (obs_total / exp_total - 1) * 100
    lo, hi = np.nanpercentile(effects, [2.5, 97.5])
    below = float(np.nanmean(sim_totals <= obs_total))
    # two-sided; never reported below the simulation's resolution
    p = float(min(1.0, max(2 * min(below, 1 - below), 1.0 / sims)))
    cf = None
    if want_cf:
        cf = pd.DataFrame(
            {
                "observed": post.to_numpy(),
                "expected": expected,
                "lower": np.percentile(draws, 2.5, axis=1),
                "upper": np.percentile(draws, 97.5, axis=1),
            },
            index=post.index,
        )
        pre_cf = pd.DataFrame(
            {"observed": pre.to_numpy(), "expected": mu_pre, "lower": np.nan, "upper": np.nan}, index=pre.index
        )
        cf = pd.concat([pre_cf, cf])
    return effect, (float(lo), float(hi)), p, cf, obs_total, exp_total, len(pre), len(post), phi


def _sarimax(s: pd.Series, t0: pd.Timestamp, *, sims: int = 1000, seed: int = 0) -> ItsResult:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    pre = s[s.index < t0]
    post = s[s.index >= t0]
    y = np.log(pre + 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = SARIMAX(y.to_numpy(), order=(1, 0, 0), seasonal_order=(1, 0, 0, 12), trend="ct").fit(disp=False)
        paths = res.simulate(nsimulations=len(post), repetitions=sims, anchor="end", rng=np.random.default_rng(seed))
    paths = np.exp(np.asarray(paths).reshape(len(post), -1)) - 1.0
    fc = res.get_forecast(len(post))
    mean_log = np.asarray(fc.predicted_mean)
    var_log = np.asarray(fc.var_pred_mean)
    expected = np.exp(mean_log + var_log / 2) - 1.0
    obs_total, exp_total = float(post.sum()), float(expected.sum())
    totals = paths.sum(axis=0)
    totals = np.where(totals <= 0, np.nan, totals)
    effects = (obs_total / totals - 1) * 100
    lo, hi = np.nanpercentile(effects, [2.5, 97.5])
    below = float(np.nanmean(totals <= obs_total))
    cf = pd.DataFrame(
        {
            "observed": post.to_numpy(),
            "expected": expected,
            "lower": np.percentile(paths, 2.5, axis=1),
            "upper": np.percentile(paths, 97.5, axis=1),
        },
        index=post.index,
    )
    return ItsResult(
        "sarimax_log_ar1_seasonal_ar1",
        t0,
        (obs_total / exp_total - 1) * 100,
        (float(lo), float(hi)),
        float(min(1.0, max(2 * min(below, 1 - below), 1.0 / sims))),
        cf,
        obs_total,
        exp_total,
        len(pre),
        len(post),
        ASSUMPTIONS_SARIMAX,
    )


@limited
def interrupted_time_series(
    series: pd.Series,
    intervention,
    *,
    sims: int = 2000,
    seed: int = 0,
    placebo: bool = True,
    placebo_step: int = 3,
    second_model: bool = True,
    pre_window: int | None = None,
) -> ItsResult:
    """Estimate the average post-intervention change of a monthly count series against its counterfactual.

    ``series``: monthly counts with a DatetimeIndex of month starts, no gaps. ``intervention``: the first treated
    month (e.g. "2024-10"). ``pre_window``: use only that many months before the intervention to fit (a linear
    trend rarely holds for a decade). Returns an :class:`ItsResult` (effect in percent with a 95% interval and
    p-value, the counterfactual with intervals, a SARIMAX check, placebo-in-time results and the assumptions in words).
    """
    s, t0 = _check_series(series, intervention)
    notes = []
    if pre_window:
        s = s[s.index >= t0 - pd.DateOffset(months=int(pre_window))]
        notes.append(f"pre-period limited to the {int(pre_window)} months before the intervention")
    effect, ci, p, cf, obs_t, exp_t, n_pre, n_post, phi = _glm_effect(s, t0, sims=sims, seed=seed)
    notes.append(f"dispersion (Pearson chi2 / df) = {phi:.2f}")
    if n_post < 6:
        notes.append(f"only {n_post} post-intervention months: the estimate is fragile")
    result = ItsResult(
        "poisson_glm_trend_season_hac", t0, effect, ci, p, cf, obs_t, exp_t, n_pre, n_post, ASSUMPTIONS_GLM, notes=notes
    )
    if second_model and n_pre >= 36:
        result.second_model = _sarimax(s, t0, seed=seed)
    if placebo:
        pre_index = s.index[s.index < t0]
        fakes = []
        start = 36  # leave at least three years to fit each placebo
        for k in range(start, len(pre_index) - 3, placebo_step):
            fake = pre_index[k]
            end_pos = min(k + n_post, len(pre_index)) - 1
            eff = _glm_effect(s[s.index < t0], fake, pre_index[end_pos], sims=200, seed=seed, want_cf=False)[0]
            fakes.append((str(fake.date()), float(eff)))
        result.placebo_effects = fakes
        if fakes:
            larger = sum(1 for _, e in fakes if abs(e) >= abs(effect))
            result.placebo_rank = larger + 1
            result.placebo_p_value = (larger + 1) / (len(fakes) + 1)
    return result
