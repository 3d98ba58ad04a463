"""One pass over each file, and only loaded files kept (issue 10, items 7, 8, 9, 12 and 14)."""

from __future__ import annotations

import gzip
import hashlib
import os
import time
from pathlib import Path

import pytest

from usmx import rawstore
from usmx.errors import CheckError, MissingFileError, UnknownFormatError

from .conftest import CONAPO_STATE, STATE_CRIMES, snapshot, text_of


def test_the_parser_reads_the_copy_and_the_recorded_checksum_is_of_the_loaded_bytes(obs, tmp_path):
    src = tmp_path / "IDEFC_NM_dic2020.csv.gz"
    src.write_bytes(STATE_CRIMES.read_bytes())
    (r,) = obs.ingest(src)
    raw = obs.sql("SELECT raw_path, sha256 FROM loads").to_pylist()[0]
    stored = Path(raw["raw_path"]).read_bytes()
    assert (
        hashlib.sha256(stored).hexdigest() == raw["sha256"] == r.sha256 == hashlib.sha256(src.read_bytes()).hexdigest()
    )
    assert not list((obs.data_dir / "raw" / ".incoming").glob("*"))


def test_a_file_named_like_a_glob_is_read_literally(obs, tmp_path):
    """A file literally named with * must not be expanded into other files."""
    (tmp_path / "a.csv").write_bytes(gzip.decompress(CONAPO_STATE.read_bytes()))
    (tmp_path / "ab.csv").write_bytes(gzip.decompress(CONAPO_STATE.read_bytes()))
    star = tmp_path / "a*.csv"
    star.write_bytes(gzip.decompress(CONAPO_STATE.read_bytes()))
    (r,) = obs.ingest(star)
    assert r.rows == 10_059  # one file's rows, not three


def test_directories_pipes_and_missing_files_say_what_they_are(obs, tmp_path):
    with pytest.raises(UnknownFormatError, match="is a directory"):
        obs.ingest(tmp_path)
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(UnknownFormatError, match="not a regular file"):
        obs.ingest(fifo)
    with pytest.raises(MissingFileError, match="no such file") as info:
        obs.ingest(tmp_path / "nope.csv")
    assert isinstance(info.value, FileNotFoundError)


def test_utf32_is_called_utf32(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes("Año,x\n1,2\n".encode("utf-32"))
    with pytest.raises(UnknownFormatError, match="UTF-32"):
        rawstore.inspect(p)


def test_refused_files_leave_nothing_in_the_raw_store(obs, tmp_path):
    lines = text_of(STATE_CRIMES).split("\r\n")
    cells = lines[39].split(",")
    cells[10] = "n/d"
    lines[39] = ",".join(cells)
    bad = tmp_path / "bad.csv"
    bad.write_bytes("\r\n".join(lines).encode("latin-1"))
    with pytest.raises(Exception, match="row 40"):
        obs.ingest(bad)
    assert [p for p in (obs.data_dir / "raw").rglob("*") if p.is_file()] == []


def test_stale_part_files_are_swept_on_the_next_run(obs, tmp_path):
    incoming = obs.data_dir / "raw" / ".incoming"
    incoming.mkdir(parents=True)
    old = incoming / "dead.part"
    old.write_bytes(b"x" * 1000)
    past = time.time() - 2 * 86400
    os.utime(old, (past, past))
    fresh = incoming / "live.part"
    fresh.write_bytes(b"y")
    obs.ingest(CONAPO_STATE)
    assert not old.exists() and fresh.exists()


def _dropped_last_line(lines: list[str], path):
    """The file's lines with a last line longer than DuckDB's maximum line size, which its reader drops without an
    error; the independent line count made while copying the file must catch it."""
    cells = lines[-1].split(",")
    cells[1] = "x" * (40 << 20)
    path.write_text("\n".join([*lines[:-1], ",".join(cells)]), encoding="utf-8")
    return path


def test_a_line_the_reader_drops_silently_is_caught(obs, tmp_path):
    lines = text_of(CONAPO_STATE, "utf-8").rstrip("\n").split("\n")
    p = _dropped_last_line(lines, tmp_path / "conapo_long.csv")
    before = snapshot(obs)
    with pytest.raises(CheckError, match=r"rows_match_lines.*10,058 rows but the file has 10,059 data lines"):
        obs.ingest(p)
    assert snapshot(obs) == before


def test_a_line_break_inside_a_quoted_cell_is_not_taken_for_a_lost_line(obs, tmp_path):
    """A quoted cell may hold a line break: the file then has one line more than rows, which the check counts. The
    same break cannot hide a line the reader dropped."""
    lines = text_of(CONAPO_STATE, "utf-8").rstrip("\n").split("\n")
    cells = lines[1].split(",")
    cells[1] = '"Nacio\nnal"'
    lines[1] = ",".join(cells)
    p = tmp_path / "conapo_break.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (r,) = obs.ingest(p)
    assert r.status == "loaded" and r.rows == 10_059 and "rows_match_lines" in r.checks
    q = _dropped_last_line(lines, tmp_path / "conapo_break_long.csv")  # the break, and a line the reader drops
    before = snapshot(obs)
    with pytest.raises(CheckError, match=r"rows_match_lines"):
        obs.ingest(q)
    assert snapshot(obs) == before


def test_blank_lines_and_a_missing_final_newline_are_counted_right(obs, tmp_path):
    text = text_of(CONAPO_STATE, "utf-8")
    p = tmp_path / "conapo_blank.csv"
    p.write_text(text.rstrip("\n") + "\n\n\n", encoding="utf-8")
    (r,) = obs.ingest(p)
    assert r.rows == 10_059
    q = tmp_path / "conapo_nonl.csv"
    q.write_text(text.rstrip("\n"), encoding="utf-8")
    (r2,) = obs.ingest(q)
    assert r2.rows == 10_059


def test_numbers_with_spaces_load_and_absurd_counts_are_named(obs, tmp_path):
    lines = text_of(STATE_CRIMES).split("\r\n")
    for name, value in (("space", " 5 "), ("huge", "12345678901234567890")):
        cells = lines[39].split(",")
        cells[10] = value
        edited = [*lines[:39], ",".join(cells), *lines[40:]]
        (tmp_path / f"{name}.csv").write_bytes("\r\n".join(edited).encode("latin-1"))
    (r,) = obs.ingest(tmp_path / "space.csv")
    assert r.rows == 225_792
    from usmx.errors import CellError

    with pytest.raises(CellError, match=r"row 40, column 'Abril'.*at most 18 digits"):
        obs.ingest(tmp_path / "huge.csv")
