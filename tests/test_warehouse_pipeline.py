"""Several files in one command (``warehouse.load_files``): the next files are parsed while one is written, with the
same results, load ids and guarantees as loading them one after another."""

from __future__ import annotations

import shutil

import pytest

from usmx import Observatory, warehouse
from usmx.errors import CellError

from .conftest import CONAPO_STATE, STATE_CRIMES, STATE_VICTIMS, inegi_file, text_of

FILES = [CONAPO_STATE, STATE_CRIMES, *(inegi_file(y) for y in (1995, 1996, 1997)), STATE_VICTIMS, inegi_file(1998)]


def _ledger(obs: Observatory) -> list[dict]:
    return obs.sql(
        "SELECT load_id, kind, table_name, sha256, row_count, vintage, is_current, period_min, period_max, checks "
        "FROM loads ORDER BY load_id"
    ).to_pylist()


def _incoming(obs: Observatory) -> list:
    """Files left in the raw store's incoming area (a refused or abandoned file must leave none)."""
    return list(obs.raw.incoming.glob("*")) if obs.raw.incoming.exists() else []


def _bad_crimes(tmp_path):
    """The state crimes kit file with one non-numeric cell (row 40, column Abril)."""
    header, *body = text_of(STATE_CRIMES).split("\r\n")
    cells = body[38].split(",")
    cells[10] = "n/d"
    body[38] = ",".join(cells)
    path = tmp_path / "bad.csv"
    path.write_bytes("\r\n".join([header, *body]).encode("latin-1"))
    return path


def test_pipelined_loads_equal_loads_one_by_one(tmp_path):
    one, many = Observatory(tmp_path / "one.duckdb"), Observatory(tmp_path / "many.duckdb")
    for path in FILES:
        one.ingest(path)
    results = many.ingest(*FILES)
    assert [r.load_id for r in results] == list(range(1, len(FILES) + 1))  # in the order given
    assert [r.status for r in results] == ["loaded"] * len(FILES)
    assert _ledger(many) == _ledger(one)
    assert {t.name: t.rows for t in many.tables()} == {t.name: t.rows for t in one.tables()}
    total = "SELECT sum(victims) FROM core_sesnsp__state_victims_monthly"
    assert many.sql(total).to_pylist() == one.sql(total).to_pylist()
    assert _incoming(many) == []


def test_the_same_bytes_twice_in_one_command_load_once(tmp_path):
    obs = Observatory(tmp_path / "w.duckdb")
    copy = tmp_path / "copy.csv.gz"
    shutil.copy(inegi_file(1995), copy)
    seen: list = []
    results = obs.ingest(inegi_file(1995), inegi_file(1996), copy, on_loaded=seen.append)
    assert seen == results  # each result as its file commits, in order
    assert [r.status for r in results] == ["loaded", "loaded", "already_loaded"]
    assert results[2].load_id == results[0].load_id
    assert len(_ledger(obs)) == 2


def test_a_bad_file_in_the_middle_keeps_those_before_and_loads_none_after(tmp_path):
    obs = Observatory(tmp_path / "w.duckdb")
    files = [CONAPO_STATE, inegi_file(1995), _bad_crimes(tmp_path), inegi_file(1996), inegi_file(1997)]
    with pytest.raises(CellError, match=r"bad.csv.*row 40, column 'Abril' holds 'n/d'"):
        obs.ingest(*files)
    assert [r["kind"] for r in _ledger(obs)] == ["conapo_state_population", "inegi_homicide_deaths"]
    assert _incoming(obs) == []  # no copy of the refused file or of those after it
    stored = {p.name.split(".")[0] for p in obs.raw.root.glob("*/*") if p.is_file() and not p.name.endswith(".json")}
    assert stored == {r["sha256"] for r in _ledger(obs)}
    # the files after the bad one load on a second try, as new loads
    again = obs.ingest(*files[:2], *files[3:])
    assert [r.status for r in again] == ["already_loaded", "already_loaded", "loaded", "loaded"]


def test_a_ctrl_c_while_files_are_parsed_ahead_rolls_back_the_one_being_written(tmp_path):
    obs = Observatory(tmp_path / "w.duckdb")
    seen: list[tuple] = []

    def progress(stage, done, total):
        seen.append((stage, done))
        if stage == "loading" and done == 3:  # while files 4 and 5 are parsed ahead
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), warehouse.opened(obs.db) as con:
        items = [(p, None, None) for p in FILES]
        warehouse.load_files(con, items, store=obs.raw, scratch=obs.scratch, progress=progress)
    assert len(_ledger(obs)) == 2
    assert _incoming(obs) == []
    assert [s for s in seen if s[0] == "loading"] == [("loading", 1), ("loading", 2), ("loading", 3)]
    # and the warehouse takes the rest afterwards
    assert [r.status for r in obs.ingest(*FILES)][2:] == ["loaded"] * (len(FILES) - 2)
