"""The government's daily preliminary homicide count: the archive of per-day files loads with its own totals, Total
rows are never added to the states, and bad members are named by archive, member, line and column."""

from __future__ import annotations

import csv
import gzip
import io
import tarfile
from datetime import date
from pathlib import Path

import pytest

from usmx.errors import CellError, HeaderError, UnknownFormatError
from usmx.rawstore import inspect

from ..conftest import DATA, STATE_VICTIMS, snapshot

SAMPLE = DATA / "sspc" / "padeci_daily_homicides_2021-01_2021-03.sample.tar.gz"
SHARED = Path(__file__).parents[3] / "shared" / "data" / "daily"
FULL = SHARED / "padeci_sspc_daily_homicides_2019-01_2021-03_raw_csv.tar.gz"
needs_shared = pytest.mark.skipif(not FULL.exists(), reason="needs ../shared/data")


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tf:
        return {m.name: tf.extractfile(m).read() for m in tf if m.isreg()}  # type: ignore[union-attr]


def _pack(tmp_path: Path, members: dict[str, bytes], name: str = "daily.tar.gz") -> Path:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for n, data in members.items():
            info = tarfile.TarInfo(n)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    out = tmp_path / name
    out.write_bytes(gzip.compress(buf.getvalue()))
    return out


def _sum_files(members: dict[str, bytes], series: str) -> int:
    """The victims in a series, summed straight from the CSV text (Total rows left out)."""
    total = 0
    for name, data in members.items():
        if f"/{series}/" not in name or "/monthly/" in name.lower() or not name.endswith(".csv"):
            continue
        for cells in list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]:
            if cells and cells[0] != "Total":
                total += int(float(cells[1] if series == "gpo_interinstitucional" else cells[2]))
    return total


def test_an_archive_is_a_container_of_members_not_binary_data():
    facts = inspect(SAMPLE)
    assert facts.container == "tar" and len(facts.members) == 180 and facts.lines is None
    assert facts.ext == "tar.gz"


def test_the_bundled_sample_loads_with_its_own_totals(obs):
    (res,) = obs.ingest(SAMPLE)
    assert (res.kind, res.table, res.vintage) == (
        "sspc_daily_homicides",
        "core_sspc__daily_homicides",
        date(2021, 3, 1),
    )
    members = _members(SAMPLE)
    got = {
        r["report"]: r["v"]
        for r in obs.sql("SELECT report, sum(homicides) AS v FROM core_sspc__daily_homicides GROUP BY 1").to_pylist()
    }
    assert got == {s: _sum_files(members, s) for s in ("gpo_interinstitucional", "fuentes_abiertas")}
    assert got["gpo_interinstitucional"] == 2379 + 2206 + 2444
    days = obs.sql("SELECT report, count(DISTINCT day) AS d FROM core_sspc__daily_homicides GROUP BY 1").to_pylist()
    assert {r["report"]: r["d"] for r in days} == {"gpo_interinstitucional": 90, "fuentes_abiertas": 90}
    # open-source rows carry a municipality, matched to INEGI's code within its state where the name is known
    matched = obs.sql(
        "SELECT count(*) FILTER (WHERE municipality_code IS NOT NULL) / count(*) AS share "
        "FROM core_sspc__daily_homicides WHERE report = 'fuentes_abiertas'"
    ).to_pylist()[0]["share"]
    assert matched > 0.97
    assert any("published Total rows" in n for n in res.notes)


def test_the_indicator_sets_the_count_beside_sesnsp(obs):
    obs.ingest(SAMPLE, STATE_VICTIMS)
    rows = obs.indicator("daily_homicides").to_pylist()
    assert [r["period"] for r in rows] == [date(2021, 1, 1), date(2021, 2, 1), date(2021, 3, 1)]
    assert [r["value"] for r in rows] == [2379, 2206, 2444]
    for r in rows:
        assert r["complete"] and r["ratio_to_sesnsp"] == pytest.approx(r["value"] / r["sesnsp_victims"])
        assert 0.7 < r["ratio_to_sesnsp"] < 0.9  # the preliminary count runs at roughly 80% of SESNSP
    by_day = obs.indicator("daily_homicides", by="day", report="fuentes_abiertas").to_pylist()
    assert len(by_day) == 90 and by_day[0]["day"] == date(2021, 1, 1)
    states = obs.indicator("daily_homicides", by="state").to_pylist()
    assert {r["state_code"] for r in states} == {f"{i:02d}" for i in range(1, 33)}
    assert sum(r["value"] for r in states) == 2379 + 2206 + 2444


@needs_shared
def test_the_full_archive_loads_every_day_and_states_what_it_found(obs):
    (res,) = obs.ingest(FULL)
    members = _members(FULL)
    rows = obs.sql(
        "SELECT report, sum(homicides) AS v, count(DISTINCT day) AS d FROM core_sspc__daily_homicides GROUP BY 1"
    ).to_pylist()
    got = {r["report"]: (r["v"], r["d"]) for r in rows}
    assert got == {"gpo_interinstitucional": (64408, 820), "fuentes_abiertas": (61337, 820)}
    assert got["fuentes_abiertas"][0] == _sum_files(members, "fuentes_abiertas")
    # the states' rows are every per-day CSV but the copy of 21 April 2020 (80 victims) filed in a 2019 folder; the
    # rest are the workbook's national totals for days with no state breakdown (state 00)
    states = obs.sql(
        "SELECT sum(homicides) AS v FROM core_sspc__daily_homicides "
        "WHERE report = 'gpo_interinstitucional' AND state_code <> '00'"
    ).to_pylist()[0]["v"]
    assert states == _sum_files(members, "gpo_interinstitucional") - 80
    national = obs.sql(
        "SELECT min(day) AS a, max(day) AS b FROM core_sspc__daily_homicides WHERE state_code = '00'"
    ).to_pylist()[0]
    assert (national["a"], national["b"]) == (date(2019, 1, 1), date(2019, 4, 2))
    notes = " | ".join(res.notes)
    assert "2019-05-12 (Total 71, states 66)" in notes and "2019-12-25 (Total 60, states 56)" in notes
    assert "gpo_interinstitucional 2019-04 (1 missing)" in notes  # 21 April 2019 is not in the archive
    assert "2020-04-21" in notes and "kept once" in notes  # a 2020 day filed in a 2019 folder
    assert "51 files not read: monthly roll-ups" in notes


def _sample_with(tmp_path: Path, name: str, edit) -> Path:
    members = _members(SAMPLE)
    members[name] = edit(members[name].decode("utf-8")).encode("utf-8")
    return _pack(tmp_path, members)


GPO = "data_raw/gpo_interinstitucional/2021/january/15012021.csv"
FA = "data_raw/fuentes_abiertas/2021/march/02032021.csv"


@pytest.mark.parametrize(
    ("member", "edit", "error", "words"),
    [
        (
            GPO,
            lambda t: t.replace("Jalisco,", "Jalisco,x", 1),
            CellError,
            r"15012021.csv: row \d+, column 'Homicidios'",
        ),
        (GPO, lambda t: t.replace("Jalisco,", "Atlantis,", 1), CellError, r"column 'Entidad' holds 'Atlantis'"),
        (GPO, lambda t: t.replace("2021-01-15", "2021-01-16", 1), CellError, r"the file's own date 2021-01-15"),
        (GPO, lambda t: t.replace("Homicidios", "Muertes", 1), HeaderError, r"15012021.csv: the header .*'Muertes'"),
        (FA, lambda t: t.replace(",2021-03-02", ",-1,2021-03-02", 1), CellError, r"02032021.csv: row 2"),
    ],
)
def test_bad_members_are_named_and_nothing_is_written(obs, tmp_path, member, edit, error, words):
    before = snapshot(obs)
    with pytest.raises(error, match=words):
        obs.ingest(_sample_with(tmp_path, member, edit))
    assert snapshot(obs) == before


def test_a_day_filed_twice_with_different_counts_is_refused(obs, tmp_path):
    members = _members(SAMPLE)
    copy = members[GPO].decode().replace("Jalisco,", "Jalisco,1", 1).encode()
    members["data_raw/gpo_interinstitucional/2020/january/15012021.csv"] = copy
    with pytest.raises(UnknownFormatError, match="with different counts"):
        obs.ingest(_pack(tmp_path, members))
    assert not obs.loads().to_pylist()


def test_an_archive_of_other_files_is_not_taken_for_the_daily_count(obs, tmp_path):
    path = _pack(tmp_path, {"notes/readme.txt": b"hello\n"}, "other.tar.gz")
    with pytest.raises(UnknownFormatError, match=r"an archive .*1 file"):
        obs.ingest(path)
