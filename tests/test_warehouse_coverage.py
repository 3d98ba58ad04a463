"""Releases and coverage: a release supersedes only the (period, place) cells it covers; rolling windows never add
up; a partial release hides nothing it does not cover; a different methodology is refused, not taken for a newer
release; impossible periods are refused; a load can be reverted (issue 10, items 1, 2 and 6)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from usmx import Observatory, cli
from usmx.errors import CheckError, UsmxError

from .conftest import DATA, STATE_CRIMES, inegi_file, snapshot, text_of

CBP = DATA / "cbp"
SHARED = Path(__file__).parents[2] / "shared" / "data"


def _fentanyl_fy(obs: Observatory) -> dict[int, float]:
    rows = obs.indicator("fentanyl_seizures_lbs", by="fiscal_year", component="all").to_pylist()
    return {r["fiscal_year"]: round(r["value"]) for r in rows}


def _rewrite(src: Path, dest: Path, keep, edit=None) -> Path:
    """A CBP file with some rows kept (and optionally edited): another release of the same layout."""
    lines = text_of(src, "utf-8").split("\r\n")
    body = [ln for ln in lines[1:] if ln and keep(ln)]
    if edit:
        body = [edit(ln) for ln in body]
    dest.write_bytes(("\r\n".join([lines[0], *body]) + "\r\n").encode())
    return dest


def test_overlapping_rolling_windows_never_add_up(obs, tmp_path):
    """FY23-FY26 then a window FY24-FY26 with one FY2024 row revised: FY2024 comes from the newer file only."""
    obs.ingest(CBP / "nationwide-drugs-fy23-fy26-dec.csv.gz", CBP / "amo-drug-seizures-fy23-fy26-dec.csv.gz")
    before = _fentanyl_fy(obs)
    assert before[2024] == 23_737  # Field Operations and Border Patrol (CBP's published 21,889) with AMO

    revised = {"done": False}

    def edit(line: str) -> str:
        cells = line.split(",")
        if not revised["done"] and cells[0] == "2024" and cells[6].startswith("Fentanyl"):
            cells[-1] = str(float(cells[-1]) + 1000)
            revised["done"] = True
        return ",".join(cells)

    later = _rewrite(
        CBP / "nationwide-drugs-fy23-fy26-dec.csv.gz",
        tmp_path / "nationwide-drugs-fy24-fy26.csv",
        lambda ln: not ln.startswith("2023,"),
        edit,
    )
    (r,) = obs.ingest(later)
    assert r.is_current
    after = _fentanyl_fy(obs)
    assert after[2024] == 23_737 + 1000  # not 45,626: taken from the newest release, never added
    assert after[2023] == before[2023]  # FY2023 is covered by the older release only, and stays
    # the AMO file covers another component: untouched by the OFO/USBP release
    amo = obs.sql(
        "SELECT count(*) AS n FROM core_cbp__drug_seizures_monthly WHERE component = 'Air and Marine Operations'"
    ).to_pylist()[0]["n"]
    assert amo > 0


def test_a_partial_release_hides_nothing_it_does_not_cover(obs, tmp_path):
    lines = text_of(STATE_CRIMES).split("\r\n")
    partial = [lines[0]] + [ln for ln in lines[1:] if ln[:4] in ("2017", "2018", "2019", "2020")]
    p = tmp_path / "IDEFC_2017_2020.csv"
    cells = partial[1].split(",")
    cells[7] = str(int(cells[7].replace('"', "").replace(",", "") or 0) + 5)  # a revision in January 2017
    partial[1] = ",".join(cells)
    p.write_bytes("\r\n".join(partial).encode("latin-1"))
    obs.ingest(STATE_CRIMES)
    full = obs.sql(
        "SELECT year(period) AS y, sum(crimes) AS n FROM core_sesnsp__state_crimes_monthly GROUP BY 1 ORDER BY 1"
    ).to_pylist()
    obs.ingest(p)
    now = obs.sql(
        "SELECT year(period) AS y, sum(crimes) AS n FROM core_sesnsp__state_crimes_monthly GROUP BY 1 ORDER BY 1"
    ).to_pylist()
    assert [r["y"] for r in now] == [2015, 2016, 2017, 2018, 2019, 2020]  # 2015-2016 did not vanish
    assert now[0] == full[0] and now[1] == full[1]
    assert now[2]["n"] == full[2]["n"] + 5  # 2017 from the newer release
    loads = obs.sql("SELECT load_id, is_current FROM loads ORDER BY load_id").to_pylist()
    assert [r["is_current"] for r in loads] == [True, True]  # both give the current view cells


def test_a_one_state_municipal_file_supersedes_only_its_state(obs, tmp_path):
    from tests import synthetic

    national = tmp_path / "IDM_NM_all.csv"
    synthetic.write_municipal_incidence(national, years=[2019], states=["01", "09"])
    one = tmp_path / "IDM_NM_ags.csv"
    synthetic.write_municipal_incidence(one, years=[2019], states=["01"], seed=99)
    obs.ingest(national)
    by_state = {
        r["s"]: r["n"]
        for r in obs.sql(
            "SELECT state_code AS s, sum(crimes) AS n FROM core_sesnsp__municipal_crimes_monthly GROUP BY 1"
        ).to_pylist()
    }
    obs.ingest(one)
    after = {
        r["s"]: r["n"]
        for r in obs.sql(
            "SELECT state_code AS s, sum(crimes) AS n FROM core_sesnsp__municipal_crimes_monthly GROUP BY 1"
        ).to_pylist()
    }
    assert set(after) == {"01", "09"} and after["09"] == by_state["09"]


@pytest.mark.skipif(not (SHARED / "sesnsp" / "rnid_2026").exists(), reason="needs ../shared/data")
def test_the_2026_methodology_is_not_a_newer_release_of_the_2015_series(obs):
    """It loads into a table of its own; the 2015 series keeps its rows and its current release (its newest
    month is still December 2020, not March 2026), and forcing it into the 2015 table is refused."""
    (old,) = obs.ingest(STATE_CRIMES)
    count = "SELECT count(*) AS n, max(period) AS last FROM core_sesnsp__state_crimes_monthly"
    before = obs.sql(count).to_pylist()
    rnid = SHARED / "sesnsp" / "rnid_2026" / "RNID_Delitos_Estatal_2026_ene-mar2026.csv.gz"
    state = snapshot(obs)
    with pytest.raises(CheckError, match=r"years_in_method.*\[2026\].*RNID methodology"):
        obs.ingest(rnid, kind="sesnsp_state_crimes")
    assert snapshot(obs) == state
    (new,) = obs.ingest(rnid)
    assert new.table == "core_sesnsp__state_crimes_2026_monthly" and new.is_current
    assert obs.sql(count).to_pylist() == before
    assert [r["is_current"] for r in obs.loads().to_pylist() if r["load_id"] == old.load_id] == [True]


@pytest.mark.parametrize("year", [2099, 1066])
def test_impossible_periods_are_refused(obs, tmp_path, year):
    text = text_of(inegi_file(2011)).replace("2011", str(year))
    p = tmp_path / f"defunciones_{year}.csv"
    p.write_bytes(text.encode("latin-1"))
    with pytest.raises(CheckError, match=rf"periods_plausible.*{year}-01"):
        obs.ingest(p)


def test_a_far_future_cdc_or_cbp_period_is_refused(obs, tmp_path):
    cdc = text_of(DATA / "cdc" / "VSRR_Provisional_Drug_Overdose_Death_Counts_2019-07.csv.gz", "utf-8")
    p = tmp_path / "vsrr.csv"
    p.write_text(cdc.replace(",2018,", ",2099,"), encoding="utf-8")
    with pytest.raises(CheckError, match="periods_plausible.*2099"):
        obs.ingest(p)
    q = _rewrite(
        CBP / "nationwide-drugs-fy23-fy26-dec.csv.gz",
        tmp_path / "cbp.csv",
        lambda ln: True,
        lambda ln: ln.replace("2026 (FYTD)", "2099"),
    )
    with pytest.raises(CheckError, match="periods_plausible.*2098-12"):  # FY2099 ends in calendar 2098 + 1
        obs.ingest(q)
    assert obs.sql("SELECT count(*) AS n FROM loads").to_pylist()[0]["n"] == 0


def test_unload_reverts_a_load_keeps_the_raw_file_and_can_be_redone(obs, tmp_path, capsys):
    lines = text_of(STATE_CRIMES).split("\r\n")
    revised = list(lines)
    cells = revised[1].split(",")
    cells[7] = str(int(cells[7].replace('"', "").replace(",", "") or 0) + 7)
    revised[1] = ",".join(cells)
    newer = tmp_path / "IDEFC_revised.csv"
    newer.write_bytes("\r\n".join(revised).encode("latin-1"))
    (old,) = obs.ingest(STATE_CRIMES)
    total = obs.sql("SELECT sum(crimes) AS n FROM core_sesnsp__state_crimes_monthly").to_pylist()[0]["n"]
    (new,) = obs.ingest(newer)
    assert obs.sql("SELECT sum(crimes) AS n FROM core_sesnsp__state_crimes_monthly").to_pylist()[0]["n"] == total + 7
    raw = obs.sql("SELECT raw_path FROM loads WHERE load_id = ?", [new.load_id]).to_pylist()[0]["raw_path"]

    assert cli.main(["unload", str(new.load_id), "--db", str(obs.db)]) == 0
    assert "unloaded load" in capsys.readouterr().out
    assert obs.sql("SELECT sum(crimes) AS n FROM core_sesnsp__state_crimes_monthly").to_pylist()[0]["n"] == total
    assert Path(raw).exists()  # the raw file stays
    hist = {r["load_id"]: r["status"] for r in obs.loads(history=True).to_pylist()}
    assert hist == {old.load_id: "current", new.load_id: "unloaded"}
    assert cli.main(["loads", "--history", "--db", str(obs.db), "-f", "csv"]) == 0
    assert "unloaded" in capsys.readouterr().out
    with pytest.raises(UsmxError, match="already unloaded"):
        obs.unload(new.load_id)
    with pytest.raises(UsmxError, match="there is no load 99"):
        obs.unload(99)
    (again,) = obs.ingest(newer)  # not "already loaded": the unloaded file can come back
    assert again.status == "loaded" and again.load_id > new.load_id  # ids are never reused


def test_a_newer_vintage_loaded_first_stays_current(obs, tmp_path):
    """An older release loaded later never displaces a newer one (the vintage decides, not the load order)."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text_of(STATE_CRIMES))))
    for r in rows[1:]:
        if r and r[0] == "2020":
            r[18] = ""  # December 2020 not yet published: cut-off November 2020
    rows[1][7] = "999999"
    p = tmp_path / "IDEFC_nov2020.csv"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(r for r in rows if r)
    p.write_bytes(buf.getvalue().encode("latin-1"))
    (newer,) = obs.ingest(STATE_CRIMES)
    (old,) = obs.ingest(p)
    assert newer.is_current and not old.is_current
    jan = obs.sql("SELECT max(crimes) AS n FROM core_sesnsp__state_crimes_monthly WHERE period = '2015-01-01'")
    assert jan.to_pylist()[0]["n"] != 999999


def test_gzip_content_is_read_as_gzip_whatever_its_name(obs, tmp_path):
    gz_named_csv = tmp_path / "IDEFC.csv"
    gz_named_csv.write_bytes(STATE_CRIMES.read_bytes())  # gzip bytes, .csv name
    plain_named_gz = tmp_path / "IDEFC_plain.csv.gz"
    plain_named_gz.write_bytes(gzip.decompress(STATE_CRIMES.read_bytes()))  # plain text, .gz name
    (a,) = obs.ingest(gz_named_csv)
    (b,) = obs.ingest(plain_named_gz)
    assert a.rows == b.rows == 225_792
    stored = sorted(
        p.name.split(".", 1)[1] for p in (obs.data_dir / "raw" / "sesnsp").glob("*") if not p.name.endswith(".json")
    )
    assert stored == ["csv", "csv.gz"]  # each stored under the extension its bytes call for
