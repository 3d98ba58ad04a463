"""The registered evaluations: what each reads, and which estimator of :mod:`usmx.evaluate` it runs.

- ``its``: interrupted time series of a monthly indicator at a date (default: the strategy's start);
- ``changepoints``: changepoints of a monthly indicator;
- ``synth``: synthetic control of one state's crime rate against the other states;
- ``nowcast-backtest``: the homicide nowcast from the daily count, scored against SESNSP;
- ``sensitivity``: the uncertainty and sensitivity analysis of a composite index;
- ``cooperation``: cooperation before and after the ledger's key dates, and the news against counted acts.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from ..errors import UsmxError
from .base import Input, evaluation


def _series_inputs(indicator: str | pa.Table = "homicide_victims", state: str | None = None, params=None):
    """A monthly indicator, national or one state's, with its own parameters (``params``)."""
    if isinstance(indicator, pa.Table):
        return {"series": indicator}
    return {"series": Input.of(indicator, by="month", state=state, **(params or {}))}


def _name(indicator: str | pa.Table) -> str:
    return indicator if isinstance(indicator, str) else "value"


@evaluation("its", inputs=_series_inputs, dates={"intervention": "strategy"})
def its(
    ev,
    tables,
    intervention: str,
    indicator: str | pa.Table = "homicide_victims",
    state: str | None = None,
    **options: Any,
):
    """Interrupted time series: the change after ``intervention`` against the counterfactual of the months before,
    with a 95% interval, a state-space check and placebo-in-time ranking (:func:`usmx.evaluate.its`). The result
    names what it estimated: the indicator and the state (or the nation)."""
    from ..evaluate import interrupted_time_series, monthly_series

    res = interrupted_time_series(monthly_series(tables["series"], _name(indicator)), intervention, **options)
    res.subject = _subject(_name(indicator), state)
    return res


def _subject(indicator: str, state: str | None) -> dict[str, str]:
    """What an estimate is about: the indicator, the state's code and name ('00' and 'National' for the nation)."""
    from .. import catalog, i18n
    from ..indicators._common import check_state

    code = check_state(state) if state else None
    code = code or "00"
    name = i18n.t("national", "en") if code == "00" else catalog.state_names()[code]
    return {"indicator": indicator, "state_code": code, "state": name}


@evaluation("changepoints", inputs=_series_inputs)
def changepoints(ev, tables, indicator: str | pa.Table = "homicide_victims", **options: Any):
    """Changepoints of a monthly indicator with bootstrap intervals for their dates."""
    from ..evaluate import monthly_series
    from ..evaluate.changepoints import detect_changepoints

    return detect_changepoints(monthly_series(tables["series"], _name(indicator)), **options)


def _panel_inputs(indicator: str | pa.Table | None = None, group: str = "intentional_homicide"):
    """A monthly rate per 100,000 by state of a crime group (or the panel given as ``indicator``)."""
    from ..indicators._common import group as crime_group

    if isinstance(indicator, pa.Table):
        return {"panel": indicator}
    g = crime_group(group)
    return {"panel": Input.of("crime_rate_per_100k", group=g.key, by="month", level="state", measure=g.measure)}


@evaluation("synth", inputs=_panel_inputs)
def synth(ev, tables, treated: str, intervention: str, **options: Any):
    """Synthetic control: one state's rate against a weighted mix of the others, with placebo-in-space inference."""
    from ..evaluate import state_panel
    from ..evaluate.synth import synthetic_control
    from ..indicators._common import check_state

    code = check_state(str(treated))
    assert code is not None  # check_state raises for an unknown state
    return synthetic_control(state_panel(tables["panel"]), code, intervention, **options)


@evaluation("nowcast-backtest")
def nowcast_backtest(ev, tables, window: int = 6, as_of_day: int | None = None, report: str = "gpo_interinstitucional"):
    """The homicide nowcast from the daily preliminary count, each month nowcast from the months before it only and
    scored against what SESNSP published (:func:`usmx.evaluate.nowcast.backtest`)."""
    from ..evaluate.nowcast import backtest
    from ..indicators._common import check_choice
    from ..indicators.daily import REPORTS, nowcast_inputs

    daily, official = nowcast_inputs(ev.con, check_choice("report", str(report), REPORTS))
    if not daily or not official:
        missing = "the daily count (`usmx fetch sspc-daily-homicides`)" if not daily else "SESNSP's victims"
        raise UsmxError(f"the nowcast backtest needs {missing} in the warehouse.")
    if as_of_day is not None and not 1 <= int(as_of_day) <= 28:
        raise UsmxError(f"--as-of-day must be a day from 1 to 28 (every month has it); got {as_of_day}.")
    return backtest(daily, official, window=int(window), as_of_day=int(as_of_day) if as_of_day else None)


@evaluation("sensitivity")
def sensitivity(ev, tables, name: str = "capture_index", year: int | None = None) -> dict:
    """The uncertainty and sensitivity analysis of a composite index: Sobol' first-order and total indices over
    normalisation, aggregation and weighting choices, the components' shares and the dominance check."""
    from ..evaluate.composite import uncertainty
    from ..indicators.indices import components, known

    known(name)
    y, names, rates, weights, missing = components(ev.con, name, year)
    u = uncertainty(rates, weights, names, ascending=name == "peace_index", seed=y)
    return {"index": name, "year": y, "components": names, "missing_components": missing, **u.to_dict()}


@evaluation("cooperation")
def cooperation(ev, tables, window: int = 24) -> dict[str, pa.Table]:
    """Cooperation before and after the ledger's key dates (each scorecard component's rate in ``window`` months a
    side, with intervals), and how far GDELT's reported cooperation follows the counted acts, year by year."""
    from .cooperation import event_studies, reported_vs_counted

    return {"event_studies": event_studies(ev.con, window), "correlation": reported_vs_counted(ev.con)}
