"""Building blocks shared by indicators, written as portable Ibis expressions."""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from .. import catalog
from ..errors import ParameterError

VICTIMS = "core_sesnsp__state_victims_monthly"
STATE_CRIMES = "core_sesnsp__state_crimes_monthly"
MUNICIPAL_CRIMES = "core_sesnsp__municipal_crimes_monthly"
STATE_POP = "core_conapo__state_population_yearly"
MUNICIPAL_POP = "core_conapo__municipal_population_yearly"
INEGI = "core_inegi__homicide_deaths_monthly"
INEGI_OCCURRENCE = "core_inegi__homicide_deaths_occurrence_monthly"


def as_bool(value: Any) -> bool:
    """A boolean parameter as it arrives from Python (True) or the CLI ('true', '1', 'yes')."""
    return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "y")


def with_state_names(table: pa.Table) -> pa.Table:
    """Add a ``state`` column (the state's name) right after ``state_code``."""
    names = catalog.state_names()
    codes = table["state_code"].to_pylist()
    return table.add_column(
        table.column_names.index("state_code") + 1, "state", pa.array([names.get(c) for c in codes], pa.string())
    )


def check_by(indicator: str, by: str) -> None:
    """``by`` must be one of the indicator's grains (catalog/indicators.yaml)."""
    check_choice("by", by, tuple(catalog.indicator_meta()[indicator].get("grains", ())))


def check_choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    """``value`` as one of ``choices`` (Spanish names and case variants accepted, catalog/choice_aliases.yaml)."""
    found = catalog.resolve_choice(name, str(value), choices)
    if found is None:
        raise ParameterError(
            f"{name} must be one of {', '.join(choices)}; got {value!r}"
            f"{catalog.suggest(str(value), [*choices, *catalog.aliases_of(name, choices)])}."
        )
    return found


def check_state(state: str | None) -> str | None:
    """An INEGI state code from what a user typed: a code, an abbreviation or a name (accents optional)."""
    if state is None:
        return None
    code = catalog.state_code(state)
    if code is None or code not in catalog.states():
        names = [s.name for s in catalog.states().values()]
        raise ParameterError(
            f"unknown state {state!r}{catalog.suggest(state, names)}: give an INEGI code 01-32, an abbreviation "
            "such as CDMX or SIN, or a name such as Sinaloa or Michoacán (accents optional)."
        )
    return code


def group(name: str) -> catalog.CrimeGroup:
    """A crime group by key or by its Spanish or English name."""
    found = catalog.crime_group(name)
    if found is None:
        groups = catalog.crime_groups()
        names = [*groups, *(g.label_es for g in groups.values()), *(g.short_es for g in groups.values() if g.short_es)]
        raise ParameterError(
            f"unknown crime group {name!r}{catalog.suggest(name, names)}; groups (English key or Spanish name): "
            f"{', '.join(groups)}."
        )
    return found


def table_or_none(con: Any, name: str) -> Any:
    """A table of the backend, or None where it does not exist (a warehouse from before the table, another engine)."""
    from ibis.common.exceptions import TableNotFound

    try:
        return con.table(name)
    except TableNotFound:
        return None


def in_group(t: ir.Table, groups: list[str]) -> ir.BooleanValue:
    """Rows of ``t`` whose crime_key belongs to any of the groups."""
    cond = None
    for g in groups:
        for pattern in group(g).keys:
            c = t.crime_key.like(pattern)
            cond = c if cond is None else cond | c
    return cond


def days_in_month(period: ir.DateValue) -> ir.IntegerValue:
    """Days in the month of ``period`` (portable: arithmetic, no engine date functions)."""
    y, m = period.year(), period.month()
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    return ibis.cases(
        (m.isin([4, 6, 9, 11]), 30),
        ((m == 2) & leap, 29),
        (m == 2, 28),
        else_=31,
    )


def administration(period: ir.DateValue) -> ir.StringValue:
    """The key of the administration in office on ``period`` (null before the first one in the catalogue)."""
    cases = [((period >= a.start) & (period <= a.end), a.key) for a in catalog.administrations()]
    return ibis.cases(*cases, else_=ibis.null("string"))


def monthly_population(con: Any, level: str = "state") -> ir.Table:
    """Population per month, CONAPO mid-year (1 July) figures interpolated linearly between years.

    Returns ``unit_code, base_year, pop_mid, pop_next``: a month (y, m) uses base year y when m >= 7, else y - 1,
    and fraction ((m - 7) mod 12) / 12 of the way to the next year's mid-year figure. State level includes the
    nation as unit '00'.
    """
    if level == "state":
        p = con.table(STATE_POP)
        p = p.filter(p.sex == "total").select(unit_code=p.state_code, year=p.year, pop=p.population_mid_year)
    else:
        p = con.table(MUNICIPAL_POP)
        p = p.filter(p.sex == "total").select(unit_code=p.municipality_code, year=p.year, pop=p.population)
    nxt = p.select(unit_code=p.unit_code, year=p.year - 1, pop_next=p.pop)
    j = p.left_join(nxt, ["unit_code", "year"])
    return j.select(unit_code=j.unit_code, base_year=j.year, pop_mid=j.pop, pop_next=ibis.coalesce(j.pop_next, j.pop))


def attach_population(t: ir.Table, con: Any, unit_col: str, level: str = "state") -> ir.Table:
    """Add ``population`` (interpolated to the month of ``period``) to a table with ``period`` and a unit code."""
    pop = monthly_population(con, level)
    m = t.period.month()
    t = t.mutate(
        _base_year=ibis.ifelse(m >= 7, t.period.year(), t.period.year() - 1),
        _frac=((m + 5) % 12).cast("float64") / 12.0,
    )
    j = t.left_join(pop, [t[unit_col] == pop.unit_code, t._base_year == pop.base_year])
    j = j.mutate(population=j.pop_mid + (j.pop_next - j.pop_mid) * j._frac)
    return j.drop("_base_year", "_frac", "unit_code", "base_year", "pop_mid", "pop_next")
