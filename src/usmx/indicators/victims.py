"""Who the victims are and how they were killed: victims by sex and age group, and the firearm share of homicide.

Both read SESNSP's victims file (``core_sesnsp__state_victims_monthly``), which records each victim's sex, age group
(adults, minors, not specified) and, for homicide and feminicide, the modality (firearm, blade, other, not
specified). Counts are SESNSP's; shares are of the victims in the same cell, so that a reader sees what part is not
specified rather than a share that silently leaves it out.
"""

from __future__ import annotations

from typing import Any

import ibis
import pyarrow as pa

from ..errors import UsmxError
from . import indicator
from ._common import VICTIMS, administration, as_bool, check_by, check_state, in_group, with_state_names
from ._common import group as crime_group

#: age groups as SESNSP labels them (folded: lower case, no accents) -> usmx's key
AGE_KEYS = (("menores", "minor"), ("adultos", "adult"))


def _age(label: Any) -> Any:
    low = label.lower()
    return ibis.cases(*((low.contains(word), key) for word, key in AGE_KEYS), else_="not_specified")


def _grain(t: Any, by: str) -> tuple[Any, list[str]]:
    """The rows with the grain's key columns (month: period; year: year; administration; state: state and year)."""
    if by == "month":
        return t, ["period"]
    if by == "year":
        return t.mutate(year=t.period.year()), ["year"]
    if by == "state":
        return t.mutate(year=t.period.year()), ["state_code", "year"]
    t = t.mutate(administration=administration(t.period))
    return t.filter(t.administration.notnull()), ["administration"]


def _finish(table: pa.Table, by: str) -> pa.Table:
    return with_state_names(table) if by == "state" else table


@indicator("victims_by_sex_age")
def victims_by_sex_age(
    con, group: str = "intentional_homicide", by: str = "year", state: str | None = None
) -> pa.Table:
    """Victims of a crime group (``value``) by sex and age group, each with its share (%) of the period's victims;
    ``months`` says how many months a year or term covers (a partial year is not a whole one)."""
    check_by("victims_by_sex_age", by)
    state = check_state(state)
    g = crime_group(group)
    t = con.table(VICTIMS)
    t = t.filter(in_group(t, [g.key]))
    if state:
        t = t.filter(t.state_code == state)
    t, keys = _grain(t, by)
    t = t.mutate(age=_age(t.age_group))
    cells = t.group_by([*keys, "sex", "age", "age_group"]).aggregate(victims=t.victims.sum(), months=t.period.nunique())
    total = cells.victims.sum().over(group_by=keys)
    months = cells.months.max().over(group_by=keys)
    out = cells.mutate(months=months, value=cells.victims, share_pct=cells.victims * 100.0 / total)
    out = out.select(*keys, "sex", "age", "value", "months", "age_group", "share_pct")
    table = out.order_by([*keys, "sex", "age"]).to_pyarrow()
    if table.num_rows == 0 and g.measure != "victims":
        raise UsmxError(
            f"SESNSP's victims file has no rows for {g.key}: it records victims of crimes against persons (homicide, "
            "feminicide, kidnapping, extortion...), not of crimes such as theft."
        )
    return _finish(table, by)


@indicator("homicide_firearm_share")
def homicide_firearm_share(con, by: str = "year", state: str | None = None, feminicide: bool = False) -> pa.Table:
    """Intentional homicide victims killed with a firearm, as a share (%) of all victims (``value``) and of those
    whose means is specified; ``unspecified`` counts the victims whose means SESNSP does not record."""
    check_by("homicide_firearm_share", by)
    state = check_state(state)
    groups = ["intentional_homicide", "feminicide"] if as_bool(feminicide) else ["intentional_homicide"]
    t = con.table(VICTIMS)
    t = t.filter(in_group(t, groups))
    if state:
        t = t.filter(t.state_code == state)
    t, keys = _grain(t, by)
    modality = t.modality.lower()
    firearm = modality.contains("arma de fuego")
    unspecified = modality.contains("no especificado") | modality.contains("no identificado")
    g = t.group_by(keys).aggregate(
        months=t.period.nunique(),
        victims=t.victims.sum(),
        firearm=firearm.ifelse(t.victims, 0).sum(),
        unspecified=unspecified.ifelse(t.victims, 0).sum(),
    )
    specified = g.victims - g.unspecified
    out = g.mutate(
        value=ibis.ifelse(g.victims > 0, g.firearm * 100.0 / g.victims, ibis.null("float64")),
        share_of_specified_pct=ibis.ifelse(specified > 0, g.firearm * 100.0 / specified, ibis.null("float64")),
    )
    return _finish(out.order_by(keys).to_pyarrow(), by)
