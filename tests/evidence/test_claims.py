"""The claims tracker on the demo warehouse, and its catalogue: rules that are data, checked when they are read.
(The rules on worlds where the truth is known: test_claims_worlds.py; their calibration: test_claims_calibration.py.)"""

from __future__ import annotations

from datetime import date

import pytest

from usmx import Observatory
from usmx.evidence import claims, on_warehouse
from usmx.evidence.claims import rules


def test_every_claim_is_read_from_the_demo_warehouse(reported_db, monkeypatch):
    monkeypatch.setenv("USMX_TODAY", "2026-12-06")
    obs = Observatory(reported_db)
    en = obs.claims("en")  # the report's, from its cache
    es = obs.claims("es")
    with on_warehouse(obs.db) as ev:
        assert en == claims.evaluate_all(ev, ("en",))["en"]  # ... the same as computing them afresh
    assert len(en) == len(es) == 8
    for r in en:
        assert {"claim", "indicators", "reading", "direction", "confidence", "caveats", "evidence_end", "stale",
                "notes", "facts"} <= set(r)  # fmt: skip
        assert r["direction"] in claims.DIRECTIONS and r["confidence"] in claims.CONFIDENCE and r["reading"]
    by = {r["key"]: r for r in en}
    # homicide and three more groups at their highest rate, three lower: the claim of record *criminality* is mixed
    assert by["record_violence"]["direction"] == "mixed" and by["record_violence"]["facts"]["homicide_record"]
    assert "kidnapping" in by["record_violence"]["reading"]
    # the change at October 2024 does not stand out from the 73 earlier dates
    strategy = by["strategy_working"]
    assert strategy["direction"] == "no clear change" and strategy["facts"]["placebo_p"] > 0.1
    assert "73 earlier dates" in strategy["reading"]
    # two OFAC lists: the count between them, not a pace; the Mexico-tied entities counted once each
    pressure = by["us_pressure"]
    assert pressure["direction"] == "not measurable" and "186 Mexico-tied entities new" in pressure["reading"]
    assert "9 already listed" in pressure["reading"] and "terrorist" in pressure["reading"]
    # all-drug deaths are not a fentanyl series; the bundled synthetic-opioid series ends before the seizures start
    assert by["fentanyl"]["direction"] == "not measurable" and "T40.4" in by["fentanyl"]["reading"]
    # encounters to fiscal 2024 and the cause not measured: stale, low, and saying so
    migration = by["migration_fell"]
    assert migration["direction"] == "not measurable" and migration["stale"] and migration["confidence"] == "low"
    assert migration["evidence_end"] == "2024-09" and any("capped at low" in n for n in migration["notes"])
    assert {r["key"]: r["direction"] for r in es} == {r["key"]: r["direction"] for r in en}
    assert "_" not in " ".join(r["reading"] for r in en + es)
    assert "no medible" in {r["key"]: r for r in es}["fentanyl"]["reading"].lower()


def test_the_catalogue_is_checked_when_read():
    doc = claims.catalogue()
    assert list(doc["claims"]) == claims.claim_keys()
    for key in claims.claim_keys():
        how = claims.explain(key, "es")
        assert how["test"] and how["evidence"] and how["directions"] and how["facts"]
        assert list(how["directions"].values())[-1] == "true"


def test_the_rule_language_is_small_and_refuses_the_rest():
    facts = {"a": 0.7, "b": None, "n": 3}
    assert rules.holds("a >= 0.6 and not b", facts)
    assert not rules.holds("b > 0", facts)  # a missing fact makes a comparison false
    assert rules.holds("b == none and n * 2 > 5", facts)
    assert rules.first({"supports": "a > 0.9", "mixed": "true"}, facts) == "mixed"
    for bad in ("__import__('os')", "a.real", "[a][0]", "a if b else n", "lambda: a"):
        with pytest.raises(rules.RuleError):
            rules.holds(bad, facts)
    with pytest.raises(rules.RuleError, match="neither a fact nor a threshold"):
        rules.holds("missing > 1", facts)


def test_a_rule_naming_an_unknown_fact_is_refused(monkeypatch):
    doc = claims.catalogue()
    rule = {
        "thresholds": {},
        "directions": {"supports": "nonsense > 1", "mixed": "true"},
        "confidence": {"low": "true"},
    }
    bad = {**doc, "claims": {"x": {**doc["claims"]["us_pressure"], "rule": rule}}}
    claims.catalogue.cache_clear()
    monkeypatch.setattr(claims.catalog, "_read_yaml", lambda name: bad)
    try:
        with pytest.raises(rules.RuleError, match="nonsense"):
            claims.catalogue()
    finally:
        monkeypatch.undo()
        claims.catalogue.cache_clear()


def test_today_comes_from_the_clock_unless_overridden(monkeypatch):
    from .test_claims_worlds import _designations
    from .worlds import World

    world = World(_designations([(date(2019, 1, 1), 0), (date(2021, 1, 1), 40), (date(2023, 1, 1), 200)]))
    monkeypatch.setenv("USMX_TODAY", "2023-06-01")
    assert not claims.claim(world, "us_pressure", "en")["stale"]
    monkeypatch.setenv("USMX_TODAY", "2025-06-01")
    assert claims.claim(world, "us_pressure", "en")["stale"]
