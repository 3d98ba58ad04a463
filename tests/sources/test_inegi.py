"""INEGI cube exports: every year loads, rows add to the file's own totals, subtotals are not stored."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from usmx.errors import CellError, CheckError

from ..conftest import inegi_file, snapshot, text_of


def _file_totals(year):
    """National and state totals as printed in the file (read independently with the csv module)."""
    rows = list(csv.reader(io.StringIO(text_of(inegi_file(year)))))
    national = next(r for r in rows if len(r) > 2 and r[1] == "Total" and r[0].strip() == "")
    states = {}
    for r in rows:
        if r and r[0].startswith("=CONCATENAR"):
            code = r[0].split(",")[1].strip(" )")
            states[f"{int(code):02d}"] = int(r[2].replace(",", ""))
    return int(national[2].replace(",", "")), states


@pytest.mark.parametrize("year", range(1990, 2013))
def test_every_year_loads_and_adds_up_to_the_files_totals(obs, year):
    (res,) = obs.ingest(inegi_file(year))
    assert res.kind == "inegi_homicide_deaths" and res.vintage == date(year, 12, 1)
    national, states = _file_totals(year)
    got = obs.sql(
        "SELECT sum(deaths) AS n, min(registration_period) AS a, max(registration_period) AS b "
        "FROM core_inegi__homicide_deaths_monthly"
    ).to_pylist()[0]
    assert got == {"n": national, "a": date(year, 1, 1), "b": date(year, 12, 1)}
    by_state = obs.sql(
        "SELECT state_code, sum(deaths) AS n FROM core_inegi__homicide_deaths_monthly GROUP BY 1"
    ).to_pylist()
    by_state = {r["state_code"]: r["n"] for r in by_state}
    # subtotal 33 ("Extranjero") covers the abroad codes 33, 34, 35 ...
    abroad = sum(n for code, n in by_state.items() if code >= "33")
    assert {k: v for k, v in by_state.items() if k <= "32"} == {k: v for k, v in states.items() if k <= "32"}
    assert abroad == states.get("33", 0)
    # one row per municipality-month, no subtotal rows stored
    assert (
        obs.sql(
            "SELECT count(*) AS n FROM core_inegi__homicide_deaths_monthly WHERE length(municipality_code) <> 5"
        ).to_pylist()[0]["n"]
        == 0
    )
    assert res.rows % 12 == 0


def test_known_national_figures():
    # 1990: 14,493 (MANIFEST and crimenmexico's INEGI table); 2012: 25,967
    assert _file_totals(1990)[0] == 14_493
    assert _file_totals(2012)[0] == 25_967


def test_abroad_and_unspecified_codes_are_kept(obs):
    obs.ingest(inegi_file(1990))
    codes = obs.sql(
        "SELECT municipality_code, sum(deaths) AS n FROM core_inegi__homicide_deaths_monthly "
        "WHERE state_code >= '33' OR right(municipality_code, 3) = '999' GROUP BY 1 ORDER BY 1"
    ).to_pylist()
    codes = {r["municipality_code"]: r["n"] for r in codes}
    assert codes["33999"] == 66 and codes["34999"] == 1 and codes["32999"] == 1


def _tampered(tmp_path, year, old, new):
    text = text_of(inegi_file(year))
    assert old in text
    p = tmp_path / f"{year}.csv"
    p.write_bytes(text.replace(old, new, 1).encode("latin-1"))
    return p


def test_a_changed_cell_breaks_the_subtotal_check(obs, tmp_path):
    # Calvillo, 1990: Total 5 with 1 in February; move that death to March and to the total's disagreement
    p = _tampered(tmp_path, 1990, '" 01 003 ","Calvillo","5","","1",""', '" 01 003 ","Calvillo","6","","1","1"')
    before = snapshot(obs)
    with pytest.raises(CheckError, match="municipalities_add_to_state.*subtotal 01"):
        obs.ingest(p)
    assert snapshot(obs) == before


def test_a_bad_number_names_row_and_column(obs, tmp_path):
    p = _tampered(tmp_path, 1990, '" 01 003 ","Calvillo","5","","1"', '" 01 003 ","Calvillo","5","","uno"')
    with pytest.raises(CellError, match=r"row 10, column 'Febrero' holds 'uno'"):
        obs.ingest(p)


def test_a_cut_file_fails_the_national_check(obs, tmp_path):
    text = text_of(inegi_file(2000))
    cut = text[: text.index('"=CONCATENAR( ,31) "')]
    p = tmp_path / "2000.csv"
    p.write_bytes(cut.encode("latin-1"))
    with pytest.raises(CheckError, match="states_add_to_national"):
        obs.ingest(p)
