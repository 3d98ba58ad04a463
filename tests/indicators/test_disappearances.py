"""The disappearances indicator against sums of the real RNPDNO files made here, with its right-censoring flag."""

from __future__ import annotations

import pytest

from usmx.errors import UsmxError

from ..sources.test_rnpdno import FILES, SHARED, rows

pytestmark = pytest.mark.skipif(not SHARED.exists(), reason="needs ../shared/data")


@pytest.fixture
def loaded_rnpdno(obs):
    for path in FILES.values():
        obs.ingest(path)
    return obs


def test_yearly_and_state_values_equal_the_files(loaded_rnpdno):
    obs = loaded_rnpdno
    data = rows(FILES["not_located"])
    by_year: dict[int, int] = {}
    for r in data:
        by_year[int(r["year"])] = by_year.get(int(r["year"]), 0) + int(r["total"])
    got = obs.indicator("disappearances", by="year").to_pylist()
    assert {r["year"]: r["value"] for r in got} == by_year
    assert [r["year"] for r in got if r["provisional"]] == [2025]  # the last 12 months of data
    women = obs.indicator("disappearances", by="state", state="Jalisco", status="all", sex="female").to_pylist()
    want = sum(int(r["female"]) for r in rows(FILES["all"]) if r["cve_estado"] == "14")
    assert women[0]["value"] == want and women[0]["state"] == "Jalisco"
    table = obs.indicator("disappearances", by="month", status="located_dead")
    assert b"provisional" in table.schema.metadata[b"note"]


def test_spanish_grains_and_bad_choices(loaded_rnpdno):
    obs = loaded_rnpdno
    assert obs.indicator("disappearances", by="año").num_rows == 11
    with pytest.raises(UsmxError, match="did you mean not_located"):
        obs.indicator("disappearances", status="not_locate")
