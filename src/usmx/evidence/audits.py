"""The registered integrity audits: did the data themselves move? (:mod:`usmx.evaluate.integrity` has the tests.)

- ``reclassification``: do other categories rise where homicides fall, after a date (default: the strategy's start)?
- ``substitution``: do disappearances rise where homicides fall?
- ``revisions``: what changed between two releases of a table;
- ``inegi-gap``: INEGI's death records against SESNSP's victims, by state and year;
- ``breaks``: the methodological breaks each loaded series crosses.
"""

from __future__ import annotations

from ..evaluate import integrity
from .base import Input, audit


def _victims(group: str) -> Input:
    """A crime group's monthly victims by state (the rates indicator's output: period, state_code, total...)."""
    return Input.of("crime_rate_per_100k", group=group, by="month", level="state", measure="victims")


def _reclassification_inputs():
    return {g: _victims(g) for g in ["intentional_homicide", *integrity.CANDIDATES]}


@audit("reclassification", inputs=_reclassification_inputs, dates={"intervention": "strategy"})
def reclassification(ev, tables, intervention: str, window: int = 36, alpha: float = 0.05, placebo_alpha: float = 0.05):
    """Per state and candidate category: victims per 100 homicide victims before and after ``intervention``,
    one-sided Mann-Whitney tests, Holm-adjusted across states, and placebo dates; flagged where homicides fell and
    the ratio rose more than at earlier dates."""
    return integrity.reclassification(tables, intervention, window, alpha, placebo_alpha)


def _substitution_inputs():
    return {
        "intentional_homicide": _victims("intentional_homicide"),
        "disappeared_not_located": Input.of("disappearances", by="state_month"),
    }


@audit("substitution", inputs=_substitution_inputs, dates={"intervention": "strategy"})
def substitution(ev, tables, intervention: str, window: int = 36, alpha: float = 0.05, placebo_alpha: float = 0.05):
    """Per state: persons disappeared and not located (RNPDNO) per 100 homicide victims (SESNSP) after
    ``intervention`` against the state's own history, with the reclassification audit's test."""
    return integrity.substitution(tables, intervention, window, alpha, placebo_alpha)


@audit("revisions")
def revisions(ev, tables, table: str = "core_sesnsp__state_victims_monthly", old: int | None = None,
              new: int | None = None):  # fmt: skip
    """What changed between two releases (loads) of the same table: months and states, net and gross."""
    return integrity.revisions(ev.con.con, table=table, old=old, new=new)


@audit("inegi-gap", inputs=lambda: {"data": Input.of("inegi_vs_sesnsp", by="state")})
def inegi_gap(ev, tables):
    """INEGI death-record homicides against SESNSP victims, by state and year, where both exist."""
    return integrity.inegi_gap(tables["data"])


@audit("breaks")
def breaks(ev, tables):
    """The methodological breaks (January 2015, January 2026) each loaded series crosses."""
    return integrity.breaks(ev.con.con)
