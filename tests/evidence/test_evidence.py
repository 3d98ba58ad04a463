"""The evidence layer: one memo per warehouse state, a registry whose entries declare what they read and the key
dates they default to, and refusals by class."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from usmx import catalog, indicators
from usmx.errors import ParameterError, UnknownNameError
from usmx.evidence import Evidence, Input, on_warehouse, spec, specs

SRC = Path(__file__).parents[2] / "src" / "usmx"


def test_every_entry_declares_real_indicators_and_key_dates():
    reg = indicators.registry()
    assert set(specs("evaluation")) == {
        "its",
        "changepoints",
        "synth",
        "nowcast-backtest",
        "sensitivity",
        "cooperation",
    }
    assert set(specs("audit")) == {"reclassification", "substitution", "revisions", "inegi-gap", "breaks"}
    for s in specs().values():
        assert s.summary, s.name
        for key, value in s.reads().items():
            assert isinstance(value, Input) and value.indicator in reg, (s.name, key)
            assert value.sources and all(t in catalog.tables() for t in value.sources)
        for _, key in s.dates:
            assert key in catalog.key_dates()
    assert spec("its").defaults() == {"intervention": catalog.key_date("strategy").month}


def test_the_strategy_date_is_written_once_in_the_catalogue():
    """Not in code: every default comes from catalog/key_dates.yaml."""
    pattern = re.compile(r"2024-10|2024,\s*10\b")
    found = [
        f"{p.relative_to(SRC)}:{i}"
        for p in SRC.rglob("*.py")
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []
    assert catalog.key_date("strategy").date == date(2024, 10, 1)


def test_names_are_folded_and_typos_refused_with_a_suggestion():
    assert spec("INEGI gap").name == "inegi-gap"
    with pytest.raises(UnknownNameError, match="did you mean reclassification"):
        spec("reclasification", "audit")
    with pytest.raises(UnknownNameError, match="unknown audit 'its'"):
        spec("its", "audit")


def test_each_table_and_result_is_computed_once_and_refusals_are_remembered(monkeypatch):
    calls: list[tuple] = []

    def run(con, name, **params):
        calls.append((name, tuple(sorted(params.items()))))
        if name == "disappearances":
            from usmx.errors import UsmxError

            raise UsmxError("core_rnpdno__municipal_persons_monthly is empty")
        return pa.table({"period": [date(2020, 1, 1)], "value": [1.0]})

    monkeypatch.setattr(indicators, "run", run)
    ev = Evidence(object())
    a = ev.indicator("homicide_victims", by="month")
    b = ev.indicator("homicide_victims", by="month", state=None)  # None is no parameter
    assert a is b and len(calls) == 1
    for _ in range(2):
        with pytest.raises(Exception, match="is empty"):
            ev.indicator("disappearances", by="state_month")
    assert len(calls) == 2  # the refusal was remembered, not asked again


def test_an_option_the_entry_does_not_take_is_refused():
    ev = Evidence(None)
    with pytest.raises(ParameterError, match="cooperation takes no option colour; it takes: window"):
        ev.run("cooperation", colour="red")


def test_the_claims_and_the_audit_share_one_reclassification(loaded_db):
    """The strategy claim reads the reclassification audit: on one Evidence it is computed once."""
    with on_warehouse(loaded_db) as ev:
        first = ev.run("reclassification")
        assert ev.run("reclassification", intervention=catalog.key_date("strategy").month) is first
        its = ev.run("its", pre_window=60, second_model=False, placebo=False)
        assert its.intervention == pd_month(catalog.key_date("strategy").date)


def pd_month(d: date):
    import pandas as pd

    return pd.Timestamp(d)
