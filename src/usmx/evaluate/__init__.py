"""Evaluation: effect estimates with uncertainty, never a bare point estimate (see each module's docstring).

Functions here take what they work on (a monthly series, a months x units panel, indicator tables, a read-only
connection for release comparisons), never the façade; its ``evaluate`` and ``audit`` methods feed them
from the warehouse. :func:`monthly_series` and :func:`state_panel` turn an indicator's output (its documented
``period`` and ``value`` columns) into the shapes the estimators take.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from ..errors import UsmxError
from .its import ItsResult, interrupted_time_series

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ItsResult", "interrupted_time_series", "monthly_series", "state_panel"]


def monthly_series(table: pa.Table, name: str = "value") -> pd.Series:
    """An indicator's monthly output (columns ``period`` and ``value``) as a Series on a month-start index."""
    import pandas as pd

    if table.num_rows == 0 or "period" not in table.column_names or "value" not in table.column_names:
        raise UsmxError(
            f"{name} gave no monthly series (columns period and value); is its source loaded? (usmx demo loads samples)"
        )
    t = table.select(["period", "value"]).to_pandas()
    return pd.Series(t["value"].to_numpy(dtype=float), index=pd.to_datetime(t["period"]), name=name)


def state_panel(table: pa.Table, value: str = "value") -> pd.DataFrame:
    """A monthly indicator by state (columns ``period``, ``state_code`` and ``value``) as a months x states panel."""
    import pandas as pd

    t = table.select(["period", "state_code", value]).to_pandas()
    t["period"] = pd.to_datetime(t["period"])
    return t.pivot(index="period", columns="state_code", values=value).sort_index()
