"""The claims tracker: each rule turns readings into a direction as stated, a claim without data says what it
needs, and the whole list comes from the warehouse in both languages."""

from __future__ import annotations

from types import SimpleNamespace

import pyarrow as pa
import pytest

from usmx import Observatory
from usmx.evidence import claims


class Fake:
    """An observatory whose indicators return the rows a test plants."""

    def __init__(self, **tables):
        self.tables = tables

    def indicator(self, name, **params):
        return pa.Table.from_pylist(self.tables[name])

    def run(self, name, kind=None, **options):
        found = self.tables[name]
        return pa.Table.from_pylist(found) if isinstance(found, list) else found


def _admin(values: dict[str, dict[str, float]]) -> list[dict]:
    return [{"administration": a, "source": s, "value": v} for s, terms in values.items() for a, v in terms.items()]


def test_record_violence_needs_every_source_to_agree():
    both = Fake(administration_comparison=_admin({
        "SESNSP victims (IDVFC)": {"pena_nieto": 70.0, "lopez_obrador": 88.7, "sheinbaum": 73.5},
        "INEGI death records (month of occurrence)": {"calderon": 55.1, "pena_nieto": 69.5, "lopez_obrador": 93.4},
    }))  # fmt: skip
    values, direction, confidence = claims.evaluator("record_violence")(both, "en")
    assert (direction, confidence, values["amlo"], values["source"]) == ("supports", "high", "88.7", "SESNSP")
    split = Fake(administration_comparison=_admin({
        "SESNSP victims (IDVFC)": {"pena_nieto": 90.0, "lopez_obrador": 88.7},
        "INEGI death records (month of occurrence)": {"pena_nieto": 69.5, "lopez_obrador": 93.4},
    }))  # fmt: skip
    assert claims.evaluator("record_violence")(split, "en")[1] == "mixed"
    with pytest.raises(claims.Insufficient):
        claims.evaluator("record_violence")(Fake(administration_comparison=[]), "en")


@pytest.mark.parametrize(
    ("ci", "placebo", "flags", "expected"),
    [
        ((-12.0, -2.0), 0.05, [], ("supports", "high")),
        ((-12.0, -2.0), 0.40, [], ("mixed", "low")),  # below zero, but not unusual for the series
        ((-12.0, -2.0), 0.05, ["other_crimes_against_life"], ("mixed", "medium")),  # killings may be reclassified
        ((2.0, 9.0), 0.05, [], ("contradicts", "high")),
    ],
)
def test_the_strategy_rule(ci, placebo, flags, expected):
    its = SimpleNamespace(effect_pct=sum(ci) / 2, effect_pct_ci=ci, placebo_p_value=placebo)
    audit = [{"state_code": "00", "candidate": c, "flagged": True} for c in flags]
    _, direction, confidence = claims.evaluator("strategy_working")(Fake(its=its, reclassification=audit), "en")
    assert (direction, confidence) == expected


def test_migration_and_designation_rules():
    fy = [{"fiscal_year": y, "value": v, "months": 12} for y, v in ((2022, 100.0), (2023, 120.0), (2024, 40.0))]
    assert (
        claims.evaluator("migration_fell")(Fake(southwest_border_encounters=fy), "en")[1] == "supports"
    )  # -67% from the peak
    fy[-1]["value"] = 115.0
    assert claims.evaluator("migration_fell")(Fake(southwest_border_encounters=fy), "en")[1] == "contradicts"
    lists = [{"list_date": d, "value": v, "dropped": x} for d, v, x in (("2021-08-18", None, 0), ("2024-05-03", 3, 9))]
    assert claims.evaluator("us_pressure")(Fake(designations=lists), "en")[1] == "contradicts"


def test_every_claim_is_read_from_the_demo_warehouse(reported_db):
    obs = Observatory(reported_db)
    en = obs.claims("en")  # the report's, from its cache
    es = obs.claims("es")
    from usmx.evidence import on_warehouse

    with on_warehouse(obs.db) as ev:
        assert en == claims.evaluate_all(ev, ("en",))["en"]  # ... the same as computing them afresh
    assert len(en) == len(es) == 8
    for r in en:
        assert {"claim", "indicators", "reading", "direction", "confidence", "caveats"} <= set(r)
        assert r["direction"] in ("supports", "contradicts", "mixed", "insufficient") and r["reading"]
    by = {r["key"]: r for r in en}
    assert by["record_violence"]["direction"] == "supports"  # 88.7 a day under López Obrador, the highest term
    # four months of GDELT, and no counted act with activity before December 2018 (no yearly extradition counts)
    assert by["cooperation_collapsed"]["direction"] == "insufficient"
    assert "needs counted acts with activity before December 2018" in by["cooperation_collapsed"]["reading"]
    assert {r["key"]: r["direction"] for r in es} == {r["key"]: r["direction"] for r in en}
    # the reclassification flags are named in words, in each language, never by their keys
    assert "flags nationally: culpable homicide other than traffic" in by["strategy_working"]["reading"]
    assert "homicidio culposo distinto de tránsito" in {r["key"]: r for r in es}["strategy_working"]["reading"]
    assert "_" not in " ".join(r["reading"] for r in en + es)
    assert "at a lag of 1 month (" in by["fentanyl"]["reading"]  # one month, not "1 months"
    assert "con un rezago de 1 mes (" in {r["key"]: r for r in es}["fentanyl"]["reading"]
    assert "promediaron 88,7 al día" in es[0]["reading"]


def _study(key: str, component: str, finding: str, ratio: float, basis: str = "count", before: float = 50.0) -> dict:
    from datetime import date

    day = date(2018, 12, 1) if key == "2018-12" else date(2020, 12, 18)
    return {"key_date": key, "date": day, "component": component, "basis": basis, "before": before, "ratio": ratio,
            "finding": finding}  # fmt: skip


def _coop(studies: list[dict], news: list[dict] | None = None) -> Fake:
    return Fake(cooperation={"event_studies": pa.Table.from_pylist(studies)}, cooperation_index=news or [])


def _news(before: float, after: float) -> list[dict]:
    from datetime import date

    months = [date(2013 + m // 12, m % 12 + 1, 1) for m in range(12 * 10)]
    return [{"period": p, "share": before if p < date(2018, 12, 1) else after} for p in months]


def test_the_cooperation_rule_reads_counted_acts_before_the_news():
    fell = [_study("2018-12", "extraditions", "fell", 0.45), _study("2020-12", "extraditions", "no clear change", 0.9)]
    values, direction, confidence = claims.evaluator("cooperation_collapsed")(_coop(fell), "en")
    assert (direction, confidence) == ("supports", "medium")
    assert "extraditions fell (from 2018-12: 0.45×)" in values["counted"] and values["news"] == "–"
    held = [_study("2018-12", "extraditions", "no clear change", 0.95)]
    assert claims.evaluator("cooperation_collapsed")(_coop(held, _news(0.10, 0.11)), "en")[1] == "contradicts"
    # counted acts held but the news share fell by more than a quarter: the evidence disagrees
    assert claims.evaluator("cooperation_collapsed")(_coop(held, _news(0.10, 0.05)), "en")[1] == "mixed"
    # the news alone: low confidence
    assert claims.evaluator("cooperation_collapsed")(_coop([], _news(0.10, 0.05)), "en")[1:] == ("supports", "low")
    # floors read from named events, and components with nothing before the date, are not evidence of a fall
    floors = [_study("2018-12", "extraditions", "no clear change", 0.0, basis="named_events"),
              _study("2018-12", "transfers", "none on either side", None, before=0.0)]  # fmt: skip
    with pytest.raises(claims.Insufficient):
        claims.evaluator("cooperation_collapsed")(_coop(floors), "en")
