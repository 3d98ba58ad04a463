"""Every claim read on worlds where the truth is known: one where the claim holds, one where it is false, one with no
change, and the worlds that reach each other direction its rule can give (a test below checks that every direction
of every rule in catalog/claims.yaml is reached). The product's own evaluations, audits, rules and thresholds run on
planted indicator tables (tests/evidence/worlds.py)."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from usmx.evidence import Evidence
from usmx.evidence import claims as tracker

from . import worlds as w

TODAY = date(2025, 8, 1)  # the worlds' evidence ends in 2024-2025: not stale on this day


def read(world, key: str, lang: str = "en", today: date = TODAY) -> dict:
    return tracker.claim(world, key, lang, today=today)


def _ledger(counts: dict[int, float]):
    """A ledger backend of yearly extradition counts (see tests/evidence/test_cooperation.py)."""
    from .test_cooperation import _extraditions, _Ledger

    events = [{"event_date": day, "kind": "administration", "persons": None, "publisher": "P"}
              for day in (date(min(counts), 1, 1), date(max(counts), 12, 31))]  # fmt: skip
    return _Ledger(_extraditions(counts), events)


def _designations(lists: list[tuple[date, int]]) -> dict:
    rows, previous = [], None
    for day, new in lists:
        rows.append({"list_date": day, "program": "all", "value": None if previous is None else new,
                     "re_designated": 0, "removed": 0, "entries": 500, "previous_list_date": previous,
                     "baseline": previous is None})  # fmt: skip
        previous = day
    return {"designations": lambda **p: pa.Table.from_pylist(rows)}


def _encounters(values: dict[int, float]) -> dict:
    rows = [{"fiscal_year": y, "value": v, "months": 12} for y, v in values.items()]
    return {"southwest_border_encounters": lambda **p: pa.Table.from_pylist(rows)}


def _no_gdelt(monkeypatch):
    from usmx.indicators import cooperation

    monkeypatch.setattr(cooperation, "cooperation_expr", lambda con: (_ for _ in ()).throw(KeyError("no GDELT")))


#: (claim, world, the direction it must be read as): the worlds whose truth is known
CASES = {
    # record violence: López Obrador's term against the one before
    ("record_violence", "holds"): (lambda: w.administrations(
        dict.fromkeys(w.GROUPS[:6], 0.3), inegi=0.3), "supports"),
    ("record_violence", "false"): (lambda: w.administrations(
        dict.fromkeys(w.GROUPS[:6], -0.3), inegi=-0.3), "contradicts"),
    ("record_violence", "no change"): (lambda: w.administrations({}), "no clear change"),
    ("record_violence", "some up, some down"): (lambda: w.administrations(
        {"intentional_homicide": 0.3, "feminicide": 0.3, "kidnapping": -0.3, "extortion": -0.3}), "mixed"),
    # rates at a record, daily counts not (the population grew): the reading depends on the measure
    ("record_violence", "rates only"): (lambda: w.administrations(
        dict.fromkeys(w.GROUPS[:6], 0.3), daily=dict.fromkeys(w.GROUPS[:6], -0.3)), "mixed"),
    # criminal reach (density): most markets rise, fall, stay, or split
    ("criminal_reach_grew", "holds"): (lambda: w.markets_world(lambda g, y: 0.5 if y == 2023 else 0.0), "supports"),
    ("criminal_reach_grew", "false"): (lambda: w.markets_world(lambda g, y: -0.5 if y == 2023 else 0.0),
                                       "contradicts"),
    ("criminal_reach_grew", "no change"): (lambda: w.markets_world(lambda g, y: 0.0), "no clear change"),
    ("criminal_reach_grew", "split"): (lambda: w.markets_world(
        lambda g, y: (0.5 if g in ("extortion", "kidnapping", "retail_drug_dealing", "firearms") else -0.5)
        if y == 2023 else 0.0), "mixed"),
    # a rise from 2015-2017 that is a fall from 2018 (a spike in 2018): the reading depends on the base year
    ("criminal_reach_grew", "base year flips it"): (lambda: w.markets_world(
        lambda g, y: 0.5 if y == 2023 else 1.5 if y == 2018 else 0.0), "mixed"),
    # narco-state: a jump in persons not located at the strategy, registration flat, extortion rising, GI-TOC high
    ("narco_state_risk", "holds"): (lambda: w.substitution_world(1, jump=0.8, gitoc=8.0), "supports"),
    ("narco_state_risk", "false"): (lambda: w.substitution_world(2, extortion="falling", gitoc=5.0), "contradicts"),
    ("narco_state_risk", "no change"): (lambda: w.substitution_world(3, extortion="flat"), "no clear change"),
    # the jump is there, but persons found alive jumped as much: more registration, not hidden killing
    ("narco_state_risk", "registration"): (lambda: w.substitution_world(4, jump=0.8, alive_jump=0.8, gitoc=8.0),
                                           "mixed"),
    # a steady rise in persons not located: it rises at the strategy too, but no more than before
    ("narco_state_risk", "a trend, not a change"): (lambda: w.substitution_world(5, trend="exponential", gitoc=8.0),
                                                    "mixed"),
    ("narco_state_risk", "nothing loaded"): (dict, "not measurable"),
    # strategy: a planted fall, rise or nothing at October 2024
    ("strategy_working", "holds"): (lambda: w.strategy_world(1, effect=-0.25), "supports"),
    ("strategy_working", "false"): (lambda: w.strategy_world(2, effect=0.25), "contradicts"),
    ("strategy_working", "no change"): (lambda: w.strategy_world(3, trend="linear"), "no clear change"),
    ("strategy_working", "reclassified"): (lambda: w.strategy_world(4, effect=-0.25, candidate_effect=1.0), "mixed"),
    ("strategy_working", "too short"): (lambda: w.strategy_world(5, effect=-0.25, pre=40), "not measurable"),
    # US pressure: the pace of new designations
    ("us_pressure", "holds"): (lambda: _designations([(date(2019, 1, 1), 0), (date(2021, 1, 1), 40),
                                                      (date(2023, 1, 1), 200)]), "supports"),
    ("us_pressure", "false"): (lambda: _designations([(date(2019, 1, 1), 0), (date(2021, 1, 1), 200),
                                                      (date(2023, 1, 1), 40)]), "contradicts"),
    ("us_pressure", "no change"): (lambda: _designations([(date(2019, 1, 1), 0), (date(2021, 1, 1), 100),
                                                          (date(2023, 1, 1), 104)]), "no clear change"),
    ("us_pressure", "two lists"): (lambda: _designations([(date(2021, 8, 18), 0), (date(2024, 5, 3), 186)]),
                                   "not measurable"),
    # migration: a fall is necessary but its cause is not measured
    ("migration_fell", "fell"): (lambda: _encounters({2022: 2_400_000, 2023: 2_500_000, 2024: 1_000_000}),
                                 "not measurable"),
    ("migration_fell", "false"): (lambda: _encounters({2022: 2_400_000, 2023: 2_500_000, 2024: 2_450_000}),
                                  "contradicts"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES), ids=lambda c: f"{c[0]}: {c[1]}")
def test_the_claim_reads_the_world_as_its_truth(case):
    key, _ = case
    build, expected = CASES[case]
    got = read(w.World(build()), key)
    assert got["direction"] == expected, (got["direction"], got["reading"], got["facts"], got["notes"])
    es = read(w.World(build()), key, "es")
    assert es["direction"] == expected and es["reading"] != got["reading"]


#: cooperation and fentanyl read real backends (the ledger's counts; an in-memory warehouse), so their worlds are here
COOPERATION = {
    # fourteen years of 70 extraditions a year, then 30 (at December 2018): a fall that stands out
    "holds": ({y: 70 if y < 2019 else 30 for y in range(2005, 2023)}, "supports"),
    # a rise at December 2018
    "false": ({y: 30 if y < 2019 else 70 for y in range(2005, 2023)}, "contradicts"),
    "no change": (dict.fromkeys(range(2005, 2023), 50), "no clear change"),
    # a fall at December 2018 and a rise at December 2020
    "fall then rise": ({y: 70 if y < 2019 else 20 if y < 2021 else 90 for y in range(2005, 2023)}, "mixed"),
    # two years before the date and one after: a change cannot be told from a trend
    "too short": ({y: 70 if y < 2019 else 30 for y in range(2016, 2020)}, "not measurable"),
}


@pytest.mark.parametrize("case", sorted(COOPERATION))
def test_cooperation_worlds(case, monkeypatch):
    _no_gdelt(monkeypatch)
    counts, expected = COOPERATION[case]
    got = read(Evidence(_ledger(counts)), "cooperation_collapsed")
    assert got["direction"] == expected, (got["reading"], got["facts"])


FENTANYL = {
    "holds": ({"lead": 3}, "supports"),  # deaths follow seizures three months later
    "deaths lead": ({"lead": -4}, "mixed"),  # co-movement, but the deaths come first
    "no change": ({"lead": None}, "no evidence"),  # independent trending series
    "too short": ({"lead": 3, "months_": 30}, "not measurable"),
}


@pytest.mark.parametrize("case", sorted(FENTANYL))
def test_fentanyl_worlds(case):
    options, expected = FENTANYL[case]
    got = read(Evidence(w.warehouse_of(w.fentanyl_world(7, **options))), "fentanyl")
    assert got["direction"] == expected, (got["reading"], got["facts"])


def test_every_direction_of_every_rule_is_reached_by_a_world():
    reached: dict[str, set[str]] = {}
    for (key, _), (_, direction) in CASES.items():
        reached.setdefault(key, set()).add(direction)
    reached["cooperation_collapsed"] = {d for _, d in COOPERATION.values()}
    reached["fentanyl"] = {d for _, d in FENTANYL.values()}
    for key in tracker.claim_keys():
        declared = set(tracker.spec(key)["rule"]["directions"])
        assert declared <= reached.get(key, set()), f"{key}: no world reaches {declared - reached.get(key, set())}"


def test_stale_evidence_caps_confidence_at_low_and_says_why():
    world = w.World(_designations([(date(2019, 1, 1), 0), (date(2021, 1, 1), 40), (date(2023, 1, 1), 200)]))
    fresh = read(world, "us_pressure", today=date(2023, 6, 1))
    assert fresh["confidence"] == "medium" and not fresh["stale"] and fresh["evidence_end"] == "2023-01"
    old = read(world, "us_pressure", today=date(2024, 6, 1))  # 17 months after the last list
    assert old["direction"] == "supports" and old["confidence"] == "low" and old["stale"]
    assert any("17 months" in n and "capped at low" in n for n in old["notes"])
    es = read(world, "us_pressure", "es", today=date(2024, 6, 1))
    assert any("17 meses" in n for n in es["notes"])


def test_a_claim_about_a_past_term_is_not_stale_while_its_evidence_covers_the_term():
    world = w.World(w.administrations(dict.fromkeys(w.GROUPS[:6], 0.3), inegi=0.3))
    got = read(world, "record_violence", today=date(2030, 1, 1))  # years later: the term ended in 2024-09
    assert not got["stale"] and got["confidence"] == "high"


def test_the_reading_says_which_choice_flips_it():
    got = read(w.World(w.administrations(dict.fromkeys(w.GROUPS[:6], 0.3), daily=dict.fromkeys(w.GROUPS[:6], -0.3))),
               "record_violence")  # fmt: skip
    assert got["direction"] == "mixed"
    assert any("with daily counts instead of rates: contradicts it" in n for n in got["notes"]), got["notes"]
