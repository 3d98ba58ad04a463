"""The claims tracker: each rule turns readings into a direction as stated, a claim without data says what it
needs, and the whole list comes from the warehouse in both languages."""

from __future__ import annotations

from types import SimpleNamespace

import pyarrow as pa
import pytest

from usmx import claims


class Fake:
    """An observatory whose indicators return the rows a test plants."""

    def __init__(self, **tables):
        self.tables = tables

    def indicator(self, name, **params):
        return pa.Table.from_pylist(self.tables[name])

    def evaluate(self, method, **options):
        return self.tables["its"]

    def audit(self, kind, **options):
        return pa.Table.from_pylist(self.tables[kind])


def _admin(values: dict[str, dict[str, float]]) -> list[dict]:
    return [{"administration": a, "source": s, "value": v} for s, terms in values.items() for a, v in terms.items()]


def test_record_violence_needs_every_source_to_agree():
    both = Fake(administration_comparison=_admin({
        "SESNSP victims (IDVFC)": {"pena_nieto": 70.0, "lopez_obrador": 88.7, "sheinbaum": 73.5},
        "INEGI death records (month of occurrence)": {"calderon": 55.1, "pena_nieto": 69.5, "lopez_obrador": 93.4},
    }))  # fmt: skip
    values, direction, confidence = claims._record_violence(both, "en")
    assert (direction, confidence, values["amlo"], values["source"]) == ("supports", "high", "88.7", "SESNSP")
    split = Fake(administration_comparison=_admin({
        "SESNSP victims (IDVFC)": {"pena_nieto": 90.0, "lopez_obrador": 88.7},
        "INEGI death records (month of occurrence)": {"pena_nieto": 69.5, "lopez_obrador": 93.4},
    }))  # fmt: skip
    assert claims._record_violence(split, "en")[1] == "mixed"
    with pytest.raises(claims.Insufficient):
        claims._record_violence(Fake(administration_comparison=[]), "en")


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
    _, direction, confidence = claims._strategy(Fake(its=its, reclassification=audit), "en")
    assert (direction, confidence) == expected


def test_migration_and_designation_rules():
    fy = [{"fiscal_year": y, "value": v, "months": 12} for y, v in ((2022, 100.0), (2023, 120.0), (2024, 40.0))]
    assert claims._migration(Fake(southwest_border_encounters=fy), "en")[1] == "supports"  # -67% from the peak
    fy[-1]["value"] = 115.0
    assert claims._migration(Fake(southwest_border_encounters=fy), "en")[1] == "contradicts"
    lists = [{"list_date": d, "value": v, "dropped": x} for d, v, x in (("2021-08-18", None, 0), ("2024-05-03", 3, 9))]
    assert claims._us_pressure(Fake(designations=lists), "en")[1] == "contradicts"


def test_every_claim_is_read_from_the_demo_warehouse(loaded):
    en = loaded.claims("en")
    es = loaded.claims("es")
    assert len(en) == len(es) == 8
    for r in en:
        assert {"claim", "indicators", "reading", "direction", "confidence", "caveats"} <= set(r)
        assert r["direction"] in ("supports", "contradicts", "mixed", "insufficient") and r["reading"]
    by = {r["key"]: r for r in en}
    assert by["record_violence"]["direction"] == "supports"  # 88.7 a day under López Obrador, the highest term
    assert by["cooperation_collapsed"]["direction"] == "insufficient"  # four months of GDELT: too few
    assert "needs at least 24 months of GDELT events" in by["cooperation_collapsed"]["reading"]
    assert {r["key"]: r["direction"] for r in es} == {r["key"]: r["direction"] for r in en}
    assert "promediaron 88,7 al día" in es[0]["reading"]
