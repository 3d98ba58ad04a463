"""SESNSP's 2026 methodology (RNID): its own table, told apart from the 2015 methodology by its years."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from usmx.errors import CheckError

from ..conftest import STATE_CRIMES, STATE_CRIMES_2026, snapshot, text_of


def _rows(path):
    return list(csv.reader(io.StringIO(text_of(path, "cp1252"))))


def test_the_real_2026_file_loads_into_its_own_table(obs):
    (res,) = obs.ingest(STATE_CRIMES_2026)
    assert res.kind == "sesnsp_state_crimes_2026" and res.table == "core_sesnsp__state_crimes_2026_monthly"
    assert res.vintage == date(2026, 3, 1)  # April-December are blank cells: not yet published
    rows = _rows(STATE_CRIMES_2026)[1:]
    cells = sum(1 for r in rows for v in r[7:19] if v.strip())
    total = sum(int(v) for r in rows for v in r[7:19] if v.strip())
    assert res.rows == cells == 32 * 114 * 3
    got = obs.sql(
        "SELECT count(DISTINCT crime_key), sum(crimes), min(period), max(period), count(DISTINCT state_code) "
        "FROM core_sesnsp__state_crimes_2026_monthly"
    ).to_pylist()[0]
    assert list(got.values()) == [114, total, date(2026, 1, 1), date(2026, 3, 1), 32]
    keys = {
        r["crime_key"]
        for r in obs.sql("SELECT DISTINCT crime_key FROM core_sesnsp__state_crimes_2026_monthly").to_pylist()
    }
    assert {  # the old aggregates, split
        "extorsion.extorsion_presencial.extorsion_presencial",
        "extorsion.tentativa_de_extorsion_por_otros_medios.tentativa_de_extorsion_por_otros_medios",
        "narcomenudeo.narcomenudeo_con_fines_de_venta.narcomenudeo_con_fines_de_venta",
        "homicidio.tentativa_de_homicidio_doloso.tentativa_de_homicidio_doloso",
    } <= keys
    # the 2015 methodology's table is another series: untouched
    assert obs.sql("SELECT count(*) AS n FROM core_sesnsp__state_crimes_monthly").to_pylist() == [{"n": 0}]


def test_both_methodologies_load_side_by_side(obs):
    old, new = obs.ingest(STATE_CRIMES, STATE_CRIMES_2026)
    assert (old.kind, new.kind) == ("sesnsp_state_crimes", "sesnsp_state_crimes_2026")
    assert old.is_current and new.is_current


def _write(tmp_path, rows, name="rnid.csv"):
    path = tmp_path / name
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode("cp1252"))
    return path


def test_a_2026_file_forced_into_the_2015_table_is_refused_and_nothing_is_written(obs):
    before = snapshot(obs)
    with pytest.raises(CheckError, match=r"years \[2026\] fall outside 2015\.\.2025.*core_sesnsp__state_crimes_2026"):
        obs.ingest(STATE_CRIMES_2026, kind="sesnsp_state_crimes")
    assert snapshot(obs) == before


def test_a_file_mixing_methodologies_is_refused_with_the_reason(obs, tmp_path):
    rows = _rows(STATE_CRIMES_2026)
    mixed = [rows[0], *rows[1:50], ["2025", *rows[50][1:]], *rows[51:]]
    before = snapshot(obs)
    with pytest.raises(CheckError, match=r"years \[2025\] fall outside 2026\.\..*2015 methodology"):
        obs.ingest(_write(tmp_path, mixed))
    # the other way round: a 2015-methodology file (first row 2025) with a 2026 row
    old_first = [rows[0], ["2025", *rows[1][1:]], *rows[2:]]
    with pytest.raises(CheckError, match=r"years \[2026\] fall outside 2015\.\.2025"):
        obs.ingest(_write(tmp_path, old_first, "old.csv"))
    assert snapshot(obs) == before
