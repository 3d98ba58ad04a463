"""INEGI homicides by state and month of occurrence: loaded, checked, and set beside SESNSP where both exist."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import date

import pytest

from usmx.errors import CellError, CheckError

from ..conftest import DATA, STATE_VICTIMS, snapshot

OCCURRENCE = DATA / "inegi_occurrence" / "mexico-state-month-homicide-rates-2000-2022.csv.gz"


def _rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(gzip.decompress(OCCURRENCE.read_bytes()).decode()), delimiter="|"))


def test_the_tabulation_loads_with_the_file_totals(obs):
    (res,) = obs.ingest(OCCURRENCE)
    assert res.kind == "inegi_homicide_occurrence_state" and res.rows == 32 * 12 * 23
    assert res.vintage == date(2022, 12, 1)
    by_year: dict[int, int] = {}
    for r in _rows()[1:]:
        by_year[int(r[1])] = by_year.get(int(r[1]), 0) + int(r[3])
    got = obs.sql(
        "SELECT year(period) AS y, sum(deaths) AS d FROM core_inegi__homicide_deaths_occurrence_monthly GROUP BY 1"
    ).to_pylist()
    assert {r["y"]: r["d"] for r in got} == by_year
    licence = [r for r in obs.loads().to_pylist() if r["load_id"] == res.load_id]
    assert licence  # recorded in the ledger like every load


def test_death_records_and_police_records_overlap_by_year_of_occurrence(obs):
    obs.ingest(OCCURRENCE, STATE_VICTIMS)
    rows = {r["year"]: r for r in obs.indicator("inegi_vs_sesnsp").to_pylist()}
    for year in range(2015, 2023):
        r = rows[year]
        assert r["inegi_basis"] == "occurrence"
        assert r["value"] == pytest.approx(r["sesnsp_victims"] / r["inegi_deaths_occurrence"])
        assert 0.85 < r["value"] < 1.1  # the two records agree within 15% in every overlapping year
    assert rows[2024]["inegi_basis"] is None and rows[2024]["value"] is None  # no death records for 2024 yet
    states = obs.indicator("inegi_vs_sesnsp", by="state").to_pylist()
    assert {r["state_code"] for r in states if r["year"] == 2020 and r["inegi_basis"] == "occurrence"} == {
        f"{i:02d}" for i in range(1, 33)
    }


def _write(tmp_path, rows):
    p = tmp_path / "occurrence.csv"
    p.write_text("\n".join("|".join(r) for r in rows) + "\n", encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("edit", "error", "words"),
    [
        (
            lambda rows: [rows[0], *rows[1:5], [rows[5][0], rows[5][1], "13", *rows[5][3:]], *rows[6:]],
            CheckError,
            r"months_1_to_12.*\[13\]",
        ),
        (
            lambda rows: [rows[0], *rows[1:5], [*rows[5][:3], "x", *rows[5][4:]], *rows[6:]],
            CellError,
            r"row 6, column 'homicides' holds 'x'",
        ),
        (lambda rows: [rows[0], *rows[1:5], *rows[6:]], CheckError, r"every_state_every_month.*state 01 has no row"),
    ],
)
def test_bad_tabulations_are_refused_and_nothing_is_written(obs, tmp_path, edit, error, words):
    before = snapshot(obs)
    with pytest.raises(error, match=words):
        obs.ingest(_write(tmp_path, edit(_rows())))
    assert snapshot(obs) == before
