"""Death records beside police records: INEGI homicides against SESNSP victims."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from . import indicator
from ._common import INEGI, INEGI_OCCURRENCE, VICTIMS, check_by, in_group, table_or_none


def _occurrence(con, keys: list[str]):
    o = table_or_none(con, INEGI_OCCURRENCE)
    if o is None:  # a warehouse from before the table
        return None
    y = o.group_by([o.period.year().name("year")] + keys[1:]).aggregate(
        deaths=o.deaths.sum(), months=o.period.nunique()
    )
    # a year counts only when all its months are loaded
    return y.select(*keys, inegi_deaths_occurrence=ibis.ifelse(y.months == 12, y.deaths, ibis.null("int64")))


@indicator("inegi_vs_sesnsp")
def inegi_vs_sesnsp(con, by: str = "year") -> pa.Table:
    """INEGI death-record homicides (by year of occurrence where loaded, and of registration) beside SESNSP
    homicide + feminicide victims, and their ratio."""
    check_by("inegi_vs_sesnsp", by)
    keys = ["year"] + (["state_code"] if by == "state" else [])
    t = con.table(INEGI)
    t = t.filter(t.state_code <= "32")
    inegi = t.group_by([t.registration_period.year().name("year")] + keys[1:]).aggregate(inegi_deaths=t.deaths.sum())
    v = con.table(VICTIMS)
    v = v.filter(in_group(v, ["intentional_homicide", "feminicide"]))
    ses = v.group_by([v.period.year().name("year")] + keys[1:]).aggregate(
        sesnsp_victims=v.victims.sum(), sesnsp_months=v.period.nunique()
    )
    j = inegi.outer_join(ses, keys)
    j = j.select(
        **{k: ibis.coalesce(j[k], j[f"{k}_right"]) for k in keys},
        inegi_deaths=j.inegi_deaths,
        sesnsp_victims=j.sesnsp_victims,
        sesnsp_months=j.sesnsp_months,
    )
    res = j.to_pyarrow()
    occ = _occurrence(con, keys)
    if occ is not None:  # joined here, in Arrow: Ibis cannot chain a third outer join onto a projected join
        res = res.join(occ.to_pyarrow(), keys, join_type="full outer", coalesce_keys=True)
    else:
        res = res.append_column("inegi_deaths_occurrence", pa.nulls(res.num_rows, pa.int64()))
    # the ratio against occurrence where a whole year of it is loaded (it counts the same months as SESNSP), else
    # against registration; the basis says which
    occurrence = res.column("inegi_deaths_occurrence")
    has_occ = pc.is_valid(occurrence)
    denom = pc.if_else(has_occ, occurrence, res.column("inegi_deaths"))
    value = pc.divide(pc.cast(res.column("sesnsp_victims"), pa.float64()), pc.cast(denom, pa.float64()))
    res = res.append_column("value", value)
    has_reg = pc.is_valid(res.column("inegi_deaths"))
    none = pa.scalar(None, pa.string())
    basis = pc.if_else(has_occ, "occurrence", pc.if_else(has_reg, "registration", none))
    res = res.append_column("inegi_basis", basis)
    return res.sort_by([(k, "ascending") for k in keys])
