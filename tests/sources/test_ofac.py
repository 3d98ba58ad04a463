"""OFAC's SDN list: both real vintages load with their own counts, Mexico ties and first-seen designations are
computed independently here, bad files are refused with the row and nothing written, and the fetcher dates what it
downloads."""

from __future__ import annotations

import csv
import gzip
import re
from datetime import date
from pathlib import Path

import pytest

from usmx.errors import CheckError, UnknownFormatError, UsmxError
from usmx.sources.ofac import MEXICO_TIE

from ..conftest import DATA, snapshot

SHARED = Path(__file__).parents[3] / "shared" / "data" / "ofac"
LISTS = {"2021-08-18": SHARED / "sdn_2021-08-18.csv.gz", "2024-05-03": SHARED / "sdn_2024-05-03.csv.gz"}
BUNDLED = sorted((DATA / "ofac").glob("sdn_*.csv.gz"))
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="needs ../shared/data")


def entries(path: Path) -> list[list[str]]:
    """The list's rows, read with Python's csv module (the independent reading)."""
    text = gzip.decompress(path.read_bytes()).decode("latin-1")
    return [r for r in csv.reader(text.splitlines()) if len(r) == 12]


def tied(row: list[str]) -> bool:
    remarks = row[11].strip()
    return remarks != "-0-" and re.search(MEXICO_TIE.removeprefix("(?i)"), remarks, re.IGNORECASE) is not None


@needs_shared
def test_both_real_lists_load_as_vintages_with_their_own_counts(obs, tmp_path):
    for day, path in LISTS.items():
        target = tmp_path / f"sdn_{day}.csv.gz"
        target.write_bytes(path.read_bytes())
        (res,) = obs.ingest(target)
        rows = entries(path)
        assert res.status == "loaded" and res.rows == len(rows) and res.vintage == date.fromisoformat(day)
    got = obs.sql(
        "SELECT list_date, count(*) AS n, count(*) FILTER (WHERE mexico_tie) AS mx, "
        "count(*) FILTER (WHERE programs LIKE '%SDNTK%') AS sdntk FROM core_ofac__sdn_entries GROUP BY 1 ORDER BY 1"
    ).to_pylist()
    for r, (day, path) in zip(got, LISTS.items()):
        rows = entries(path)
        assert r["list_date"] == date.fromisoformat(day)
        assert (r["n"], r["mx"]) == (len(rows), sum(tied(x) for x in rows))
        assert r["sdntk"] == sum("SDNTK" in x[3] for x in rows)
    assert [(r["n"], r["mx"]) for r in got] == [(9083, 667), (14965, 795)]
    # empty cells ('-0-') are NULL, types default to entity
    types = obs.sql("SELECT DISTINCT sdn_type FROM core_ofac__sdn_entries ORDER BY 1").column("sdn_type").to_pylist()
    assert types == ["aircraft", "entity", "individual", "vessel"]
    assert obs.sql("SELECT count(*) AS n FROM core_ofac__sdn_entries WHERE title = '-0-'").to_pylist()[0]["n"] == 0


@needs_shared
def _programs(row: list[str]) -> set[str]:
    return {p.strip() for p in row[3].split("] [")}


def test_designations_count_each_entity_once_new_re_designated_and_removed(obs, tmp_path):
    """Between the 2021 and 2024 lists: 186 Mexico-tied entities on no earlier list, 9 already listed that gained a
    program, 59 removed (counting new (entity, program) rows, as before, gave 196). Recomputed here from the raw lists
    with Python's csv module."""
    lists = LISTS if SHARED.exists() else {re.search(r"\d{4}-\d{2}-\d{2}", p.name).group(0): p for p in BUNDLED}
    for day, path in lists.items():
        (tmp_path / f"sdn_{day}.csv.gz").write_bytes(path.read_bytes())
        obs.ingest(tmp_path / f"sdn_{day}.csv.gz")
    old, new = ({r[0]: r for r in entries(p)} for p in lists.values())
    tied_new = {e for e, r in new.items() if tied(r)}
    want_new = tied_new - set(old)
    want_re = {e for e in tied_new & set(old) if _programs(new[e]) - _programs(old[e])}
    want_removed = {e for e, r in old.items() if tied(r) and e not in new}
    (base, latest) = obs.indicator("designations").to_pylist()
    assert base["baseline"] and base["value"] is None and base["entries"] == 667
    assert (latest["value"], latest["re_designated"], latest["removed"], latest["entries"]) == (
        len(want_new),
        len(want_re),
        len(want_removed),
        len(tied_new),
    )
    assert (latest["value"], latest["re_designated"], latest["removed"]) == (186, 9, 59)
    by_program = {r["program"]: r for r in obs.indicator("designations", by="program").to_pylist()
                  if r["list_date"] == latest["list_date"]}  # fmt: skip
    assert by_program["SDNTK"]["value"] == 14 and by_program["ILLICIT-DRUGS-EO14059"]["re_designated"] == 9
    assert sum(r["entries"] for r in by_program.values()) > latest["entries"]  # programs overlap: never summed
    sdntk = obs.indicator("designations", program="sdntk").to_pylist()
    assert [r["entries"] for r in sdntk] == [
        sum("SDNTK" in _programs(r) for r in rows.values() if tied(r)) for rows in (old, new)
    ]


def test_the_bundled_samples_are_the_lines_of_the_real_lists_tied_to_mexico_on_either_list(obs):
    """The samples keep every entity tied to Mexico on either list (the Sinaloa Cartel is on the 2021 list without
    a Mexican remark), so that new and re-designated entities count as they do on the full lists."""
    ids = set()
    for path in BUNDLED:
        ids |= {r[0] for r in entries(path) if tied(r)}
    for path in BUNDLED:
        (res,) = obs.ingest(path)
        rows = entries(path)
        assert res.rows == len(rows) and {r[0] for r in rows} <= ids
        if SHARED.exists():
            day = re.search(r"\d{4}-\d{2}-\d{2}", path.name).group(0)
            assert rows == [r for r in entries(LISTS[day]) if r[0] in ids]
    assert [
        (r["n"], r["mx"])
        for r in obs.sql(
            "SELECT count(*) AS n, count(*) FILTER (WHERE mexico_tie) AS mx FROM core_ofac__sdn_entries "
            "GROUP BY list_date ORDER BY list_date"
        ).to_pylist()
    ] == [(668, 667), (795, 795)]


def _variant(tmp_path: Path, name: str, edit) -> Path:
    text = gzip.decompress(BUNDLED[-1].read_bytes()).decode("latin-1")
    out = tmp_path / name
    out.write_bytes(edit(text).encode("latin-1"))
    return out


@pytest.mark.parametrize(
    ("name", "edit", "error", "message"),
    [
        ("sdn.csv", lambda t: t, UnknownFormatError, "rename it with the day it was downloaded"),
        (
            "sdn_2024-05-03.csv",
            lambda t: t.replace('6703,"AMEZCUA', 'x6703,"AMEZCUA', 1),
            UsmxError,
            r"row 1\b.*ent_num|x6703",
        ),
        (
            "sdn_2024-05-03.csv",
            lambda t: re.sub(r',"SDNTK",', ",-0- ,", t, count=1),
            CheckError,
            "no sanctions program",
        ),
        ("sdn_2024-05-04.csv", lambda t: t.replace("\r\n", "\r\n12,\r\n", 1), CheckError, "no name|no sanctions"),
    ],
    ids=["no-date", "bad-number", "no-program", "short-line"],
)
def test_bad_lists_are_refused_and_change_nothing(obs, tmp_path, name, edit, error, message):
    obs.ingest(BUNDLED[0])
    before = snapshot(obs)
    with pytest.raises(error, match=message):
        obs.ingest(_variant(tmp_path, name, edit))
    assert snapshot(obs) == before


def test_fetch_dates_the_list_by_the_day_it_was_retrieved(obs, tmp_path):
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    srv = tmp_path / "srv"
    srv.mkdir()
    (srv / "SDN.CSV").write_bytes(gzip.decompress(BUNDLED[-1].read_bytes()))

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(srv), **k)

        def log_message(self, *a):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        (res,) = obs.fetch("ofac-sdn", f"http://127.0.0.1:{httpd.server_address[1]}/SDN.CSV").loads
    finally:
        httpd.shutdown()
    assert res.status == "loaded" and res.kind == "ofac_sdn" and res.rows == 795
    assert res.vintage == date.today()
