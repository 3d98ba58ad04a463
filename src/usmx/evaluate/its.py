"""Interrupted time series: what would have happened without the intervention, and how sure can we be?

Primary model: a trend-averaged count forecast. The shape of the pre-intervention trend is the assumption that
matters most and the data rarely settle it, so four trend forms are fitted on the pre-period, each with
calendar-month effects:

- ``log_linear``: a quasi-Poisson GLM with a log link; the trend goes on as a constant *percentage* a month;
- ``linear``: least squares on the level; the trend goes on as a constant *number* a month;
- ``recent_slope``: log link, the slope may change halfway through the pre-period; the recent slope goes on;
- ``recent_level``: the same fit, but the trend stops where the pre-period ends (a series levelling off).

For each form the counterfactual is simulated: coefficients drawn from their sampling distribution (the i.i.d.
covariance inflated by the AR(1) long-run variance factor), and each month's deviation from the trend drawn from an
AR(1) process on the log scale, estimated from the pre-period residuals (bias-corrected autocorrelation, variance
scaled for the fitted parameters) and started at the last pre-period residual. That deviation carries
overdispersion and serial correlation together. The forms get equal weight: as many simulations come from each,
and the point counterfactual is their average. So when the forms disagree the interval widens: model uncertainty is
part of the interval, not hidden in a choice. The effect is the post-period total against the counterfactual total,
in percent; the interval and two-sided p-value come from the pooled simulations.

A seeded simulation study (``tests/evaluate/test_its_calibration.py``, ``benchmarks/its_coverage.py``) checks that
the 95% interval covers a true effect of zero in at least 90% of series of each family: flat, linear, exponential
and damped trends, Poisson, overdispersed and AR(1) noise, and that it recovers planted effects.

Second model (a check): a local linear trend state-space model on log counts with calendar-month effects
(:mod:`usmx.evaluate.statespace`), fitted on the same pre-period and simulated forward. If it fails to fit, the
primary result stands and the failure is reported.

Placebo in time: the primary model is refitted at fake intervention dates in the whole series before the real one
(every ``placebo_step`` months from the 37th), each fitted on the same window before it and followed by as many
months as the real post-period, all before the real date; the real effect is ranked among the placebo effects by
absolute size. The smallest placebo p-value possible is 1 / (placebos + 1): with too few months before the date a
change cannot stand out, and the claims say so rather than read the rank.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import UsmxError
from ._months import month_start
from ._threads import limited

#: months before the intervention used to fit, unless the caller says otherwise (API, CLI and report alike): a
#: single trend rarely holds for more than five years of Mexican crime data
DEFAULT_PRE_WINDOW = 60

TREND_FORMS = ("log_linear", "linear", "recent_slope", "recent_level")

ASSUMPTIONS = (
    "Without the intervention the pre-period's calendar-month pattern would have continued, and its trend in one of "
    "four forms (log-linear, linear, the recent slope, or levelling off), each given equal weight, so that their "
    "disagreement widens the interval; month-to-month deviations follow the AR(1) pattern and size seen before; "
    "nothing else that affects the series changed at the intervention date; the recording of the series did not "
    "change (see the integrity audit). The estimate is an average over the whole post-period."
)
ASSUMPTIONS_CHECK = (
    "The log series is a level and slope that drift as random walks, plus fixed calendar-month effects and noise, "
    "estimated on the pre-period and projected forward; forecast uncertainty grows with the horizon."
)
CHECK_MODEL = "local_linear_trend_state_space"
MODEL = "trend_averaged_season_ar1"


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
    second_model_error: str | None = None  # why the check model could not be fitted
    trend_forms: dict[str, float] = field(default_factory=dict)  # effect (%) under each trend form alone
    placebo_effects: list[tuple[str, float]] = field(default_factory=list)
    placebo_rank: int | None = None  # 1 = the real effect is the largest in absolute value
    placebo_p_value: float | None = None
    notes: list[str] = field(default_factory=list)
    subject: dict[str, str] = field(default_factory=dict)  # what was estimated: indicator, state_code, state

    def to_dict(self) -> dict:
        """A JSON-ready summary (dates as ISO strings)."""
        cf = self.counterfactual.reset_index().rename(columns={"index": "period"})
        cf["period"] = cf["period"].dt.date.astype(str)
        out = {
            **self.subject,
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
            "trend_forms": self.trend_forms,
            "placebo_effects": [{"intervention": d, "effect_pct": e} for d, e in self.placebo_effects],
            "placebo_rank": self.placebo_rank,
            "placebo_count": len(self.placebo_effects) + 1 if self.placebo_effects else None,
            "placebo_p_value": self.placebo_p_value,
            "second_model_error": self.second_model_error,
            "notes": self.notes,
            "counterfactual": cf.replace({np.nan: None}).to_dict(orient="records"),
        }
        if self.second_model is not None:
            s = self.second_model.to_dict()
            for k in ("placebo_effects", "placebo_rank", "placebo_count", "placebo_p_value", "trend_forms"):
                s.pop(k, None)
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
    t0 = month_start(intervention)
    if t0 <= s.index[0] or t0 > s.index[-1]:
        raise UsmxError(
            f"the intervention {t0.date()} must fall inside the series ({s.index[0].date()} … {s.index[-1].date()})."
        )
    return s, t0


def _design(index: pd.DatetimeIndex, origin: pd.Timestamp, hinge: float | None = None) -> np.ndarray:
    """Intercept, trend in years from ``origin`` (and, with ``hinge``, its change after ``hinge`` years), months."""
    t = ((index.year - origin.year) * 12 + (index.month - origin.month)).to_numpy(dtype=float) / 12.0
    months = np.zeros((len(index), 11))
    for i, m in enumerate(index.month):
        if m > 1:
            months[i, m - 2] = 1.0
    cols = [np.ones(len(index)), t]
    if hinge is not None:
        cols.append(np.maximum(t - hinge, 0.0))
    return np.column_stack([*cols, months])


@dataclass
class _Forecast:
    """One trend form's counterfactual: the point path, simulated paths and the pre-period fit."""

    form: str
    expected: np.ndarray  # post months
    fitted: np.ndarray  # pre months
    paths: np.ndarray | None  # post months x sims


def _ar1(resid: np.ndarray, n_params: int) -> tuple[float, float, float]:
    """Mean, bias-corrected AR(1) coefficient and innovation s.d. of the log-scale residuals."""
    n = len(resid)
    c = float(resid.mean())
    d = resid - c
    denom = float(np.sum(d[:-1] ** 2))
    rho = float(np.sum(d[1:] * d[:-1]) / denom) if denom > 0 else 0.0
    rho = float(np.clip(rho + (1 + 3 * rho) / n, -0.5, 0.95))  # Kendall's small-sample bias correction
    u = d[1:] - rho * d[:-1]
    scale = n / max(n - n_params - 1, 1)  # the fitted trend and season absorbed part of the variation
    sd = float(np.sqrt(np.sum(u**2) / max(len(u), 1) * scale))
    return c, rho, sd


def _poisson_fit(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Poisson regression (log link) by iteratively reweighted least squares: coefficients and their covariance
    scaled by the Pearson dispersion (quasi-Poisson)."""
    beta = np.linalg.lstsq(x, np.log(y + 0.5), rcond=None)[0]
    for _ in range(50):
        mu = np.exp(np.clip(x @ beta, -50, 50))
        z = x @ beta + (y - mu) / np.maximum(mu, 1e-10)
        xw = x * mu[:, None]
        new = np.linalg.lstsq(xw.T @ x, xw.T @ z, rcond=None)[0]
        if np.max(np.abs(new - beta)) < 1e-9:
            beta = new
            break
        beta = new
    mu = np.exp(np.clip(x @ beta, -50, 50))
    phi = float(np.sum((y - mu) ** 2 / np.maximum(mu, 1e-10))) / max(len(y) - x.shape[1], 1)
    return beta, np.linalg.pinv((x * mu[:, None]).T @ x) * phi


def _ols_fit(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least squares: coefficients and their covariance."""
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    s2 = float(np.sum((y - x @ beta) ** 2)) / max(len(y) - x.shape[1], 1)
    return beta, np.linalg.pinv(x.T @ x) * s2


def _forecast(
    form: str, pre: pd.Series, post_index: pd.DatetimeIndex, sims: int, rng: np.random.Generator | None
) -> _Forecast:
    y = pre.to_numpy()
    hinge = (len(pre) // 2) / 12.0 if form.startswith("recent") else None
    x_pre, x_post = _design(pre.index, pre.index[0], hinge), _design(post_index, pre.index[0], hinge)
    if form == "recent_level":  # the trend stops where the pre-period ends
        x_post[:, 1:3] = x_pre[-1, 1:3]
    log = form != "linear"
    params, cov = (_poisson_fit if log else _ols_fit)(y, x_pre)

    def mean(x: np.ndarray, beta: np.ndarray) -> np.ndarray:
        eta = x @ beta
        return np.exp(np.clip(eta, -50, 50)) if log else np.maximum(eta, 0.0)

    fitted = mean(x_pre, params)
    resid = np.log((y + 0.5) / (fitted + 0.5))
    c, rho, sd = _ar1(resid, x_pre.shape[1])
    # coefficients' uncertainty under AR(1) errors: the i.i.d. covariance inflated by the long-run variance factor
    cov = cov * (1 + max(rho, 0.0)) / (1 - max(rho, 0.0))
    h = np.arange(1, len(post_index) + 1)
    # the deviation's mean and variance h months ahead, from the last pre-period residual
    m_h = c + rho**h * (resid[-1] - c)
    v_h = sd**2 * (1 - rho ** (2 * h)) / (1 - rho**2) if abs(rho) < 1 else sd**2 * h
    expected = (mean(x_post, params) + 0.5) * np.exp(m_h + v_h / 2) - 0.5
    paths = None
    if sims and rng is not None:
        beta = rng.multivariate_normal(params, cov, size=sims)
        mu = mean(x_post, beta.T)  # months x sims
        dev = np.empty((len(post_index), sims))
        prev = np.full(sims, resid[-1] - c)
        for i in range(len(post_index)):
            prev = rho * prev + sd * rng.standard_normal(sims)
            dev[i] = prev
        paths = np.maximum((mu + 0.5) * np.exp(c + dev) - 0.5, 0.0)
    return _Forecast(form, np.maximum(expected, 0.0), fitted, paths)


def _interval(obs_total: float, totals: np.ndarray, sims: int) -> tuple[tuple[float, float], float]:
    """The 95% interval of the effect (%) and the two-sided p-value, from simulated counterfactual totals."""
    totals = np.where(totals <= 0, np.nan, totals)
    lo, hi = np.nanpercentile((obs_total / totals - 1) * 100, [2.5, 97.5])
    below = float(np.nanmean(totals <= obs_total))
    # two-sided; never reported below the simulation's resolution
    return (float(lo), float(hi)), float(min(1.0, max(2 * min(below, 1 - below), 1.0 / sims)))


def _post_frame(post: pd.Series, expected: np.ndarray, paths: np.ndarray) -> pd.DataFrame:
    """The post-period counterfactual: observed, expected and the 95% band of the simulated paths, by month."""
    return pd.DataFrame(
        {
            "observed": post.to_numpy(),
            "expected": expected,
            "lower": np.percentile(paths, 2.5, axis=1),
            "upper": np.percentile(paths, 97.5, axis=1),
        },
        index=post.index,
    )


def _averaged(pre: pd.Series, post: pd.Series, sims: int, seed: int) -> tuple[float, list[_Forecast], float]:
    """Point effect (%), each form's forecast and the averaged expected total (no simulation when sims == 0)."""
    rng = np.random.default_rng(seed) if sims else None
    per_form = max(sims // len(TREND_FORMS), 1) if sims else 0
    forecasts = [_forecast(f, pre, post.index, per_form, rng) for f in TREND_FORMS]
    expected_total = float(np.mean([f.expected.sum() for f in forecasts]))
    effect = (float(post.sum()) / expected_total - 1) * 100 if expected_total > 0 else float("nan")
    return effect, forecasts, expected_total


def _primary(s: pd.Series, t0: pd.Timestamp, sims: int, seed: int) -> ItsResult:
    pre, post = s[s.index < t0], s[s.index >= t0]
    if len(pre) < 24:
        raise UsmxError(f"only {len(pre)} pre-intervention months; at least 24 are needed to fit trend and season.")
    if pre.sum() == 0:
        raise UsmxError("the series is zero in every pre-intervention month: there is no trend to project.")
    effect, forecasts, exp_total = _averaged(pre, post, sims, seed)
    obs_total = float(post.sum())
    paths = np.concatenate([f.paths for f in forecasts if f.paths is not None], axis=1)
    ci, p = _interval(obs_total, paths.sum(axis=0), paths.shape[1])
    expected = np.mean([f.expected for f in forecasts], axis=0)
    cf = _post_frame(post, expected, paths)
    fitted = np.mean([f.fitted for f in forecasts], axis=0)
    pre_cf = pd.DataFrame({"observed": pre.to_numpy(), "expected": fitted, "lower": np.nan, "upper": np.nan}, pre.index)
    res = ItsResult(
        MODEL, t0, effect, ci, p, pd.concat([pre_cf, cf]), obs_total, exp_total, len(pre), len(post), ASSUMPTIONS
    )
    res.trend_forms = {f.form: (obs_total / f.expected.sum() - 1) * 100 for f in forecasts}
    return res


def _local_trend(s: pd.Series, t0: pd.Timestamp, *, sims: int = 1000, seed: int = 0) -> ItsResult:
    """The check model: a local linear trend with month effects on log counts (see usmx.evaluate.statespace)."""
    from .statespace import fit_local_trend, simulate

    pre = s[s.index < t0]
    post = s[s.index >= t0]
    fit = fit_local_trend(np.log(pre.to_numpy() + 1.0), pre.index.month.to_numpy())
    paths = np.exp(simulate(fit, post.index.month.to_numpy(), sims, np.random.default_rng(seed))) - 1.0
    if not np.all(np.isfinite(paths)):
        raise ValueError("the fitted model's forecast is not finite")
    expected = paths.mean(axis=1)
    obs_total, exp_total = float(post.sum()), float(expected.sum())
    ci, p = _interval(obs_total, paths.sum(axis=0), sims)
    cf = _post_frame(post, expected, paths)
    effect = (obs_total / exp_total - 1) * 100
    return ItsResult(
        CHECK_MODEL, t0, effect, ci, p, cf, obs_total, exp_total, len(pre), len(post), ASSUMPTIONS_CHECK,
        notes=[f"variance ratios: level {fit.q_level:.2g}, slope {fit.q_slope:.2g} (maximum likelihood)"],
    )  # fmt: skip


@limited
def interrupted_time_series(
    series: pd.Series,
    intervention,
    *,
    sims: int = 2000,
    seed: int = 0,
    placebo: bool = True,
    placebo_step: int = 1,
    second_model: bool = True,
    pre_window: int | None = DEFAULT_PRE_WINDOW,
) -> ItsResult:
    """Estimate the average post-intervention change of a monthly count series against its counterfactual.

    ``series``: monthly counts with a DatetimeIndex of month starts, no gaps. ``intervention``: the first treated
    month (e.g. "2019-01"). ``pre_window``: fit on that many months before the intervention (default
    :data:`DEFAULT_PRE_WINDOW`; ``None`` for the whole pre-period). Returns an :class:`ItsResult`: the effect in
    percent with a 95% interval and p-value, the counterfactual with intervals, each trend form's effect, a state-space
    check (or why it failed), placebo-in-time results and the assumptions in words.
    """
    s, t0 = _check_series(series, intervention)
    full = s
    notes = []
    if pre_window is not None:
        if pre_window < 24:
            raise UsmxError(f"pre_window={pre_window}: at least 24 months are needed to fit trend and season.")
        s = s[s.index >= t0 - pd.DateOffset(months=int(pre_window))]
        notes.append(f"fitted on the {min(int(pre_window), int((s.index < t0).sum()))} months before the intervention")
    result = _primary(s, t0, sims, seed)
    result.notes = notes
    forms = result.trend_forms
    notes.append(
        "trend forms: " + ", ".join(f"{k.replace('_', '-')} {v:+.1f}%" for k, v in forms.items()) + " (equal weight)"
    )
    if result.post_months < 6:
        notes.append(f"only {result.post_months} post-intervention months: the estimate is fragile")
    if second_model and result.pre_months >= 36:
        try:
            result.second_model = _local_trend(s, t0, seed=seed)
        except Exception as exc:  # a failed check never takes the primary estimate down
            result.second_model_error = f"{type(exc).__name__}: {exc}"
            notes.append(f"the state-space check could not be fitted ({result.second_model_error})")
    if placebo:
        # every month of the whole series before the intervention can be a fake date: fitted, as the real one, on
        # the pre_window months before it (at least three years), followed by as many months as the real
        # post-period, all before the real date (so no placebo sees the real post-period)
        pre = full[full.index < t0]
        fit = int(pre_window) if pre_window is not None else len(pre)
        fakes = []
        for k in range(36, len(pre) - result.post_months + 1, placebo_step):
            eff = _averaged(pre.iloc[max(0, k - fit) : k], pre.iloc[k : k + result.post_months], 0, seed)[0]
            fakes.append((str(pre.index[k].date()), float(eff)))
        result.placebo_effects = fakes
        if fakes:
            larger = sum(1 for _, e in fakes if abs(e) >= abs(result.effect_pct))
            result.placebo_rank = larger + 1
            result.placebo_p_value = (larger + 1) / (len(fakes) + 1)
    return result
