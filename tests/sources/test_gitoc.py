"""The GI-TOC Global Organized Crime Index workbook: both editions load under one set of indicator keys, Mexico's
published ranks come back, and a bad workbook is refused with its sheet, row and column named."""

from __future__ import annotations

from pathlib import Path

import pytest

from usmx.errors import CellError, HeaderError, UnknownFormatError
from usmx.rawstore import inspect

from ..conftest import snapshot

WORKBOOK = Path(__file__).parents[3] / "shared" / "data" / "gitoc" / "global_oc_index_2021_2023.xlsx"
pytestmark = pytest.mark.skipif(not WORKBOOK.exists(), reason="needs ../shared/data (the workbook is not bundled)")


def test_a_workbook_is_listed_by_its_sheets():
    facts = inspect(WORKBOOK)
    assert facts.container == "xlsx" and facts.ext == "xlsx"
    assert facts.members == ("2023_Global_OC_Index", "2023_dataset", "2021_dataset")


def test_both_editions_load_with_their_published_scores(obs):
    (res,) = obs.ingest(WORKBOOK)
    assert (res.kind, res.table) == ("gitoc_country_scores", "core_gitoc__country_scores_yearly")
    # 193 countries in each edition; 36 scores a country in 2023 (15 markets, 5 actors, 12 resilience, 4 averages),
    # 30 in 2021 (10 markets, 4 actors)
    assert res.rows == 193 * 36 + 193 * 30
    per_year = obs.sql(
        "SELECT year, count(DISTINCT country) AS c, count(DISTINCT oc_indicator) AS i "
        "FROM core_gitoc__country_scores_yearly GROUP BY 1 ORDER BY 1"
    ).to_pylist()
    assert per_year == [{"year": 2021, "c": 193, "i": 30}, {"year": 2023, "c": 193, "i": 36}]
    rows = obs.indicator("organized_crime_index", pillar="criminality").to_pylist()
    # GI-TOC's own report: Mexico's criminality 7.56 (4th of 193) in 2021 and 7.57 (3rd) in 2023
    assert [(r["year"], r["value"], r["rank"], r["countries"]) for r in rows] == [
        (2021, 7.56, 4, 193),
        (2023, 7.57, 3, 193),
    ]
    assert rows[1]["change"] == pytest.approx(0.01)
    us = obs.indicator("organized_crime_index", country="united states", pillar="resilience")
    assert {r["oc_indicator"] for r in us.to_pylist()} >= {"resilience", "international_cooperation"}


def test_an_unknown_country_is_named_with_a_suggestion(obs):
    obs.ingest(WORKBOOK)
    with pytest.raises(Exception, match=r"'Mexco'.*did you mean Mexico"):
        obs.indicator("organized_crime_index", country="Mexco")


def _edited(tmp_path: Path, sheet: str, cell: str, value) -> Path:
    import openpyxl

    wb = openpyxl.load_workbook(WORKBOOK)
    wb[sheet][cell] = value
    out = tmp_path / "oc_index.xlsx"
    wb.save(out)
    return out


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "error", "words"),
    [
        ("2023_dataset", "F3", "n/a", CellError, r"\[2023_dataset\]: row 3, column 'Human trafficking' holds 'n/a'"),
        ("2021_dataset", "E1", "Gambling", HeaderError, r"\[2021_dataset\]: the header .*'Gambling'"),
        ("2023_dataset", "D2", 11, Exception, r"score.*between 1 and 10"),
    ],
)
def test_a_bad_workbook_is_refused_and_nothing_is_written(obs, tmp_path, sheet, cell, value, error, words):
    before = snapshot(obs)
    with pytest.raises(error, match=words):
        obs.ingest(_edited(tmp_path, sheet, cell, value))
    assert snapshot(obs) == before


def test_a_workbook_without_dataset_sheets_is_not_taken_for_the_index(obs, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active["A1"] = "hello"
    path = tmp_path / "other.xlsx"
    wb.save(path)
    with pytest.raises(UnknownFormatError, match=r"a workbook of 1 sheet \(Sheet1\)"):
        obs.ingest(path)


def test_a_workbook_missing_a_sheet_it_lists_is_refused_and_loads_nothing(obs, tmp_path, capsys):
    """It loaded 5,790 of 12,738 scores with exit 0; now exit 2, naming the sheet, and nothing is written."""
    import zipfile

    from usmx import cli

    cut = tmp_path / "gitoc_cut.xlsx"
    with zipfile.ZipFile(WORKBOOK) as src, zipfile.ZipFile(cut, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet3.xml":
                dst.writestr(info, src.read(info))
    before = snapshot(obs)
    assert cli.main(["ingest", str(cut), "--db", str(obs.db)]) == 2
    assert "gitoc_cut.xlsx: the workbook lists sheet(s) '2021_dataset' but holds no data" in capsys.readouterr().err
    assert snapshot(obs) == before
