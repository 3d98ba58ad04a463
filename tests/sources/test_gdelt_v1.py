"""GDELT 1.0 event files (58-column daily files, 57-column backfiles) and GDELT 2.0 events saved as a table with a
header load into the one events table, so cooperation can be read before 2015; bad rows are named."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from usmx.errors import CellError, HeaderError

from ..conftest import DATA, snapshot

GDELT1 = DATA / "gdelt" / "gdelt1_events_20130203-20160728.sample.tsv.gz"
TABLE = DATA / "gdelt" / "gdelt2_events_201705-201707.mexico.sample.csv.gz"
SHARED_TABLE = Path(__file__).parents[3] / "shared/data/gdelt/samples/gdeltPyR_events2samps_201705-201707.csv.gz"
DYAD = (
    "SELECT count(*) AS n FROM core_gdelt__events WHERE (actor1_country_code = 'USA' AND actor2_country_code = 'MEX') "
    "OR (actor1_country_code = 'MEX' AND actor2_country_code = 'USA')"
)


def _lines(path: Path) -> list[bytes]:
    return gzip.decompress(path.read_bytes()).splitlines(keepends=True)


def test_gdelt_1_daily_and_backfile_rows_load_side_by_side(obs):
    (res,) = obs.ingest(GDELT1)
    lines = _lines(GDELT1)
    daily = [ln for ln in lines if ln.count(b"\t") == 57]
    backfile = [ln for ln in lines if ln.count(b"\t") == 56]
    assert (len(daily), len(backfile)) == (509, 201) and res.kind == "gdelt1_events" and res.rows == 710
    got = obs.sql(
        "SELECT count(source_url) AS urls, count(*) FILTER (WHERE date_added = 20130203000000) AS feb2013, "
        "count(*) FILTER (WHERE event_code LIKE '0%') AS zero_led FROM core_gdelt__events"
    ).to_pylist()[0]
    # the backfile rows have no URL; DATEADDED (a day in 1.0) is stored like 2.0's timestamps
    feb2013 = sum(1 for ln in lines if ln.split(b"\t")[56].strip() == b"20130203")
    assert got["urls"] == 509 and got["feb2013"] == feb2013 > 150
    zero_led = sum(1 for ln in lines if ln.split(b"\t")[26].startswith(b"0"))
    assert got["zero_led"] == zero_led > 0  # CAMEO codes keep their leading zeros


def test_gdelt_2_events_saved_as_a_table_load_by_their_labels(obs):
    (res,) = obs.ingest(TABLE)
    assert (res.kind, res.rows) == ("gdelt_events_table", 84)
    assert obs.sql(DYAD).to_pylist()[0]["n"] == 21
    coop = obs.indicator("cooperation_events").to_pylist()
    assert sum(r["dyad_events"] for r in coop) == 21


@pytest.mark.skipif(not SHARED_TABLE.exists(), reason="needs ../shared/data")
def test_the_whole_gdelt_2_sample_loads(obs):
    (res,) = obs.ingest(SHARED_TABLE)
    assert res.rows == len(_lines(SHARED_TABLE)) - 1 == 6090
    assert obs.sql(DYAD).to_pylist()[0]["n"] == 21


def _cut(line: bytes) -> bytes:
    """A row cut after 40 of its cells (a truncated line)."""
    return b"\t".join(line.split(b"\t")[:40]) + b"\n"


def _write(tmp_path: Path, name: str, lines: list[bytes]) -> Path:
    p = tmp_path / name
    p.write_bytes(b"".join(lines))
    return p


@pytest.mark.parametrize(
    ("edit", "error", "words"),
    [
        (lambda ls: [*ls[:5], _cut(ls[5]), *ls[6:]], CellError, r"row 6, column 'DATEADDED"),
        (lambda ls: [*ls[:3], ls[3].replace(b"\t2013", b"\tx013", 1), *ls[4:]], CellError, r"row 4"),
    ],
)
def test_bad_gdelt_1_rows_are_named_and_nothing_is_written(obs, tmp_path, edit, error, words):
    backfile = [ln for ln in _lines(GDELT1) if ln.count(b"\t") == 56][:20]
    before = snapshot(obs)
    with pytest.raises(error, match=words):
        obs.ingest(_write(tmp_path, "2005.csv", edit(backfile)))
    assert snapshot(obs) == before


def test_a_gdelt_table_missing_a_column_is_named(obs, tmp_path):
    lines = _lines(TABLE)
    lines[0] = lines[0].replace(b"NumMentions", b"Mentions")
    with pytest.raises(HeaderError, match=r"Unknown columns: 'Mentions'.*Missing columns: 'NumMentions'"):
        obs.ingest(_write(tmp_path, "events.csv", lines))
