"""CDC overdose deaths by state and month from the JSON derivative: checked against CDC's own export."""

from __future__ import annotations

import gzip
import json
from datetime import date

import pytest

from usmx.errors import CellError, CheckError, UsmxError

from ..conftest import DATA, snapshot

STATES_JSON = DATA / "cdc" / "us-overdoses_od_statemonths_2015-01_2025-04.json.gz"
VSRR = DATA / "cdc" / "VSRR_Provisional_Drug_Overdose_Death_Counts_2019-07.csv.gz"


def _doc() -> dict:
    return json.loads(gzip.decompress(STATES_JSON.read_bytes()))


def _deaths(obs, code: str, period: str, load_id: int) -> float:
    rows = obs.sql(
        "SELECT deaths_12m_ending AS d FROM core_cdc__overdose_deaths_monthly__all_vintages WHERE jurisdiction_code = "
        f"'{code}' AND period = DATE '{period}' AND indicator_key = 'all_drugs' AND load_id = {load_id}"
    ).to_pylist()
    return rows[0]["d"]


def test_the_derivative_loads_and_its_national_sum_equals_cdcs_own(obs):
    official, derived = obs.ingest(VSRR, STATES_JSON)
    assert derived.kind == "cdc_overdose_states_json" and derived.vintage == date(2025, 4, 1)
    doc = _doc()
    months = len(doc["01"])
    assert len(doc) == 51 and derived.rows == (51 + 1) * months  # the states, DC and the nation usmx adds
    # the FIPS codes map to the right states and the sum is CDC's national figure, to the death
    assert _deaths(obs, "US", "2015-01-01", derived.load_id) == _deaths(obs, "US", "2015-01-01", official.load_id)
    assert _deaths(obs, "AZ", "2015-01-01", derived.load_id) == doc["04"]["2015-January"]["mort"]
    # New York in the derivative is the state with the city: CDC's NY (state without the city) plus YC
    ny = _deaths(obs, "NY", "2015-01-01", official.load_id) + _deaths(obs, "YC", "2015-01-01", official.load_id)
    assert _deaths(obs, "NY", "2015-01-01", derived.load_id) == ny
    # the national series now reaches April 2025, from the derivative, and says where its national rows come from
    us = obs.indicator("overdose_deaths").to_pylist()
    assert us[-1]["period"] == date(2025, 4, 1)
    notes = obs.sql(
        "SELECT DISTINCT footnote_symbol AS f FROM core_cdc__overdose_deaths_monthly WHERE jurisdiction_code = 'US' "
        "AND period > DATE '2018-11-01'"
    ).to_pylist()
    assert [n["f"] for n in notes] == [
        "usmx: sum of the 50 states and DC in the derivative (no national row in the file)"
    ]


def test_seizures_and_overdoses_now_overlap(loaded):
    table = loaded.indicator("fentanyl_seizures_vs_overdoses", drug="all_drugs")
    assert table.num_rows > 0
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    assert meta, "the comparison states what it can and cannot say"


def _write(tmp_path, text: str):
    p = tmp_path / "od_statemonths.json"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("edit", "error", "words"),
    [
        (lambda d: json.dumps(d)[:5000], UsmxError, r"not valid JSON at line 1, column"),
        (lambda d: json.dumps({**d, "99": d["01"]}), CellError, r"column 'state key' holds '99'.*FIPS"),
        (
            lambda d: json.dumps({**d, "01": {**d["01"], "2015-January": {"mort": -3}}}),
            CellError,
            r"state 01, 2015-January, mort.*-3.*non-negative",
        ),
        (
            lambda d: json.dumps({**d, "01": {**d["01"], "2015-Janvier": {"mort": 3}}}),
            CellError,
            r"'2015-Janvier'.*2015-January",
        ),
        (
            lambda d: json.dumps({**d, "02": {k: v for k, v in d["02"].items() if k != "2020-March"}}),
            CheckError,
            r"every_state_every_month.*state AK has no row for 2020-03.*national sum",
        ),
    ],
)
def test_bad_derivatives_are_refused_with_the_place_and_nothing_is_written(obs, tmp_path, edit, error, words):
    before = snapshot(obs)
    with pytest.raises(error, match=words):
        obs.ingest(_write(tmp_path, edit(_doc())))
    assert snapshot(obs) == before
