"""Nowcasting SESNSP's monthly intentional-homicide victims from the government's daily preliminary count.

SESNSP publishes a month's victims about three weeks after it ends; the federal security cabinet's preliminary count
comes the next morning and runs at a fairly stable share of SESNSP's figure (0.79-0.86 of its intentional-homicide
victims in 2019-2021). The model is the ratio, on the log scale:

    log S_m = log D_m + mu + e_m,   e_m ~ N(0, sigma^2)

where S is SESNSP's count, D the preliminary count of the whole month, and mu, sigma are estimated from the
``window`` most recent months with both (a rolling window, so a drift in the ratio is followed; 6 months by default,
chosen in the backtest on 2019-2021 below). The 90% interval is the Student-t prediction interval of a new
observation (sigma * sqrt(1 + 1/window), window - 1 degrees of freedom), on the log scale, so it is asymmetric in
counts. A month whose days are not all in yet is extrapolated from its mean daily count, and the variance of the days
still to come (their count's day-to-day variance over the observed days, times the days missing) is added.

The backtest (:func:`backtest`) nowcasts every month that has both series and ``window`` earlier months with both,
using only those earlier months, and compares with what SESNSP published: median absolute percentage error and the
share of months whose published figure fell inside the 90% interval. ``as_of_day`` repeats it as if each month were
known only to that day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from statistics import median

import numpy as np
from scipy import stats

from .._dates import next_month

LEVEL = 0.90
DEFAULT_WINDOW = 6


@dataclass(frozen=True)
class Nowcast:
    period: date
    estimate: float
    low: float
    high: float
    daily_total: float  # the preliminary count of the whole month (extrapolated when the month is incomplete)
    days: int  # days of the month in the preliminary count
    days_in_month: int
    ratio: float  # the preliminary count's share of SESNSP's figure, estimated from the window
    window: list[date]


@dataclass
class Backtest:
    window: int
    as_of_day: int | None
    months: int
    median_ape_pct: float | None
    coverage_90: float | None
    rows: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "months": self.months,
            "median_ape_pct": self.median_ape_pct,
            "coverage_90": self.coverage_90,
            "window": self.window,
            "as_of_day": self.as_of_day,
            "level": LEVEL,
            "rows": self.rows,
        }


def days_in(period: date) -> int:
    return (next_month(period) - period).days


def nowcast(
    period: date,
    daily: list[float],
    history: list[tuple[date, float, float]],
    *,
    window: int = DEFAULT_WINDOW,
    level: float = LEVEL,
) -> Nowcast | None:
    """Nowcast one month from its daily counts (in day order, as many days as are known) and the ``history`` of
    earlier complete months: (period, preliminary count, SESNSP count). None without enough history (window months
    with both) or without a single day of the month."""
    past = sorted((h for h in history if h[0] < period and h[1] > 0 and h[2] > 0), key=lambda h: h[0])[-window:]
    if len(past) < max(window, 3) or not daily:
        return None
    logs = np.array([math.log(s / d) for _, d, s in past])
    mu, sd = float(logs.mean()), float(logs.std(ddof=1))
    n = len(logs)
    dim = days_in(period)
    seen = len(daily)
    total = float(sum(daily))
    var_log = sd**2 * (1 + 1 / n)
    if seen < dim:  # extrapolate the days still to come, and carry their uncertainty
        mean = total / seen
        total = mean * dim
        day_var = float(np.var(daily, ddof=1)) if seen > 1 else mean  # one day: Poisson-like
        var_log += (dim - seen) * day_var / max(total, 1.0) ** 2
    if total <= 0:
        return None
    q = float(stats.t.ppf(0.5 + level / 2, n - 1)) * math.sqrt(var_log)
    centre = math.log(total) + mu
    return Nowcast(
        period,
        math.exp(centre),
        math.exp(centre - q),
        math.exp(centre + q),
        total,
        seen,
        dim,
        math.exp(-mu),
        [p for p, _, _ in past],
    )


def backtest(
    daily: dict[date, list[float]],
    official: dict[date, float],
    *,
    window: int = DEFAULT_WINDOW,
    as_of_day: int | None = None,
    level: float = LEVEL,
) -> Backtest:
    """Nowcast every month with both series from the months before it only; score against SESNSP.

    ``daily``: period -> the month's daily counts in day order (complete months only); ``official``: period ->
    SESNSP's count."""
    complete = {p: v for p, v in daily.items() if len(v) == days_in(p)}
    history = [(p, float(sum(v)), float(official[p])) for p, v in sorted(complete.items()) if p in official]
    rows: list[dict] = []
    apes: list[float] = []
    inside = 0
    for p, _, actual in history:
        days = complete[p][:as_of_day] if as_of_day else complete[p]
        nc = nowcast(p, days, [h for h in history if h[0] < p], window=window, level=level)
        if nc is None:
            continue
        ape = abs(nc.estimate - actual) / actual * 100
        apes.append(ape)
        inside += nc.low <= actual <= nc.high
        rows.append(
            {
                "period": p,
                "estimate": nc.estimate,
                "low": nc.low,
                "high": nc.high,
                "sesnsp": actual,
                "ape_pct": ape,
                "inside": nc.low <= actual <= nc.high,
                "ratio": nc.ratio,
                "days": nc.days,
            }
        )
    return Backtest(
        window, as_of_day, len(rows), median(apes) if apes else None, inside / len(rows) if rows else None, rows
    )
