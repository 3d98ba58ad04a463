"""Federal crimes (SESNSP fuero federal) by group: drug crimes, the firearms law, fuel theft, the organized-crime
law, or all; by month, year or state."""

from __future__ import annotations

import pyarrow as pa

from .. import catalog
from ..errors import UsmxError
from . import indicator
from ._common import check_by, check_state, with_state_names

FEDERAL = "core_sesnsp__state_federal_crimes_monthly"


@indicator("federal_crimes")
def federal_crimes(
    con, group: str = "all", by: str = "month", state: str | None = None, abroad: bool = False
) -> pa.Table:
    """Federal crimes of one group (catalog/headers/sesnsp_federal.yaml) by month, year or state; crimes recorded
    abroad (EXTRANJERO) are left out of national totals unless ``abroad=true``."""
    check_by("federal_crimes", by)
    groups = catalog.federal_groups()
    key = catalog.resolve_choice("group", str(group), tuple(groups))
    if key is None:
        raise UsmxError(
            f"unknown federal crime group {group!r}{catalog.suggest(str(group), groups)}; groups: {', '.join(groups)}."
        )
    code = check_state(state)
    t = con.table(FEDERAL)
    cond = None
    for pattern in groups[key]["patterns"]:
        c = t.federal_key.like(pattern)
        cond = c if cond is None else cond | c
    t = t.filter(cond)
    if code:
        t = t.filter(t.state_code == code)
    elif str(abroad).lower() not in ("1", "true", "yes"):
        t = t.filter(~t.abroad)
    if by == "month":
        res = t.group_by("period").aggregate(value=t.crimes.sum()).order_by("period").to_pyarrow()
    elif by == "year":
        y = t.mutate(year=t.period.year())
        agg = y.group_by("year").aggregate(value=y.crimes.sum(), months=y.period.nunique())
        res = agg.order_by("year").to_pyarrow()
    else:
        agg = t.group_by("state_code").aggregate(value=t.crimes.sum(), last=t.period.max())
        res = with_state_names(agg.order_by("state_code").to_pyarrow())
    return res.append_column("group", pa.array([key] * res.num_rows, pa.string()))
