"""The indicators' output contract: grain keys, then `value`, then supporting columns, for every indicator and grain
(catalog/indicators.yaml), on the demo warehouse."""

from __future__ import annotations

import pyarrow as pa
import pytest

from usmx import catalog
from usmx.errors import UsmxError
from usmx.indicators import Indicator, contract, registry

CASES = [(name, by) for name, ind in sorted(registry().items()) for by in (ind.grains or (None,))]


@pytest.mark.parametrize("name, by", CASES)
def test_keys_then_value(loaded, name, by):
    ind = registry()[name]
    t = loaded.indicator(name, **({"by": by} if by else {}))
    cols = t.column_names
    keys = [k for k in ind.keys if k in cols]
    lead = keys + (["state"] if "state_code" in keys and "state" in cols else [])
    assert "value" in cols
    assert cols.index("value") == len(lead), cols
    assert set(cols[: len(lead)]) == set(lead), cols


def test_every_indicator_documents_unit_sources_keys_and_grains_that_exist():
    tables = set(catalog.tables())
    for name, ind in registry().items():
        assert name in catalog.indicator_meta()
        assert ind.keys, name
        assert set(ind.sources) <= tables, name
        if ind.grains:
            assert ind.params["by"].default == ind.grains[0], name  # the first grain is the default


def test_a_bad_grain_names_the_choices(loaded):
    with pytest.raises(UsmxError, match="by must be one of month, year, administration, state; got 'week'"):
        loaded.indicator("homicide_victims", by="week")


def test_contract_refuses_an_output_without_value():
    ind = registry()["homicide_victims"]
    fake = Indicator(**ind.__dict__)
    with pytest.raises(RuntimeError, match="broke the output contract"):
        contract(pa.table({"period": [1]}), fake)


def test_every_indicator_on_an_empty_warehouse_gives_an_empty_table_or_a_refusal(obs):
    """Nothing loaded: each indicator answers with no value (no rows, or the bridge's list of groups with none) or a
    UsmxError, never a crash (the claims and the report read every indicator on whatever warehouse they are given)."""
    from usmx.errors import UsmxError

    for ind in obs.indicators():
        try:
            table = obs.indicator(ind.name)
        except UsmxError:
            continue
        assert "value" in table.column_names, ind.name
        assert table["value"].null_count == table.num_rows, ind.name  # no number made from nothing
