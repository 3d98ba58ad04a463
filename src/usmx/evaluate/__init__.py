"""Evaluation: effect estimates with uncertainty, never a bare point estimate (see each module's docstring)."""

from .its import ItsResult, interrupted_time_series

__all__ = ["ItsResult", "interrupted_time_series"]


def monthly_series(obs, indicator: str = "homicide_victims", state: str | None = None, **params):
    """An indicator's national (or one state's) monthly series as a pandas Series with month-start index."""
    import pandas as pd

    t = obs.indicator(indicator, by="month", state=state, **params).to_pandas()
    if t.empty or "period" not in t.columns:
        from ..errors import UsmxError

        raise UsmxError(f"{indicator} returned no monthly series; is its source loaded? (usmx demo loads samples)")
    value = "value" if "value" in t.columns else "total"
    return pd.Series(t[value].to_numpy(dtype=float), index=pd.to_datetime(t["period"]), name=indicator)


def state_panel(obs, group: str = "intentional_homicide", measure: str = "victims"):
    """Months x states panel of annualised rates per 100,000 (for synthetic control)."""
    import pandas as pd

    t = obs.indicator("crime_rate_per_100k", group=group, by="month", level="state", measure=measure).to_pandas()
    t["period"] = pd.to_datetime(t["period"])
    return t.pivot(index="period", columns="state_code", values="rate_per_100k").sort_index()
