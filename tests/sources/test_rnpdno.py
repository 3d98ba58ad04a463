"""RNPDNO disappeared and missing persons: the four real status files load and reproduce their own totals (summed
here with the csv module), unknown municipalities are flagged, a status is replaced only by a newer file of the same
status, and bad files are refused with nothing written. The files' licence is not stated, so the tests read the
shared copy and usmx bundles none."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest

from usmx.errors import CellError, CheckError

from ..conftest import snapshot

SHARED = Path(__file__).parents[3] / "shared" / "data" / "rnpdno"
FILES = {
    "all": SHARED / "rnpdno_total.csv.gz",
    "not_located": SHARED / "rnpdno_disappeared_not_located.csv.gz",
    "located_alive": SHARED / "rnpdno_located_alive.csv.gz",
    "located_dead": SHARED / "rnpdno_located_dead.csv.gz",
}
pytestmark = pytest.mark.skipif(not SHARED.exists(), reason="needs ../shared/data (RNPDNO extracts are not bundled)")


def rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(gzip.decompress(path.read_bytes()).decode("utf-8"))))


def test_the_four_status_files_load_with_their_own_totals(obs):
    for path in FILES.values():
        (res,) = obs.ingest(path)
        assert res.status == "loaded"
    got = {
        (r["status"], r["sex"]): r
        for r in obs.sql(
            "SELECT status, sex, sum(persons) AS n, sum(persons) FILTER (WHERE unknown_municipality) AS unknown, "
            "count(DISTINCT municipality_code) AS places FROM core_rnpdno__municipal_persons_monthly GROUP BY ALL"
        ).to_pylist()
    }
    for status, path in FILES.items():
        data = rows(path)
        for sex in ("male", "female", "undefined", "total"):
            assert got[(status, sex)]["n"] == sum(int(r[sex]) for r in data), (status, sex)
        unknown = sum(int(r["total"]) for r in data if r["cvegeo"][-3:] in ("998", "999") or r["cve_estado"] == "99")
        assert got[(status, "total")]["unknown"] == unknown
    assert got[("all", "total")]["n"] == 269_507 and got[("not_located", "total")]["n"] == 92_486
    # sex cells that do not add up are kept as published and counted in the load's notes
    loads = obs.loads().to_pylist()
    assert all(r["kind"] == "rnpdno_municipal_persons" for r in loads)


def test_a_newer_file_of_one_status_replaces_that_status_only(obs, tmp_path):
    for path in FILES.values():
        obs.ingest(path)
    text = gzip.decompress(FILES["located_dead"].read_bytes()).decode("utf-8")
    lines = text.splitlines()
    # a later extract of the same status: one municipality's January 2015 revised upwards
    head, first = lines[0], lines[1].split(",")
    first[5], first[8] = str(int(first[5]) + 10), str(int(first[8]) + 10)
    newer = tmp_path / "rnpdno_located_dead_newer.csv"
    newer.write_text("\n".join([head, ",".join(first), *lines[2:]]) + "\n", encoding="utf-8")
    before = obs.sql(
        "SELECT status, sum(persons) AS n FROM core_rnpdno__municipal_persons_monthly WHERE sex = 'total' GROUP BY 1"
    ).to_pylist()
    (res,) = obs.ingest(newer)
    assert res.status == "loaded"
    after = obs.sql(
        "SELECT status, sum(persons) AS n FROM core_rnpdno__municipal_persons_monthly WHERE sex = 'total' GROUP BY 1"
    ).to_pylist()
    b, a = ({r["status"]: r["n"] for r in x} for x in (before, after))
    assert a["located_dead"] == b["located_dead"] + 10
    assert {k: v for k, v in a.items() if k != "located_dead"} == {k: v for k, v in b.items() if k != "located_dead"}


@pytest.mark.parametrize(
    ("edit", "error", "message"),
    [
        (lambda ls: [ls[0], ls[1].rsplit(",", 1)[0] + ",5", *ls[2:]], CheckError, "unknown status codes"),
        (lambda ls: [ls[0], ls[1].replace(",2015,1,", ",2015,13,", 1), *ls[2:]], CellError, "'month' holds '13'"),
        (lambda ls: [ls[0], ls[1].replace(",1,0,0,1,", ",uno,0,0,1,", 1), *ls[2:]], CellError, "row 2"),
        (lambda ls: [ls[0], *ls[1:3], ls[3].rsplit(",", 1)[0] + ",2", *ls[4:]], CheckError, "mixes 2 statuses"),
    ],
    ids=["unknown-status", "month-13", "bad-count", "two-statuses"],
)
def test_bad_files_are_refused_and_change_nothing(obs, tmp_path, edit, error, message):
    obs.ingest(FILES["located_dead"])
    before = snapshot(obs)
    lines = gzip.decompress(FILES["not_located"].read_bytes()).decode("utf-8").splitlines()
    bad = tmp_path / "rnpdno_bad.csv"
    bad.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")
    with pytest.raises(error, match=message):
        obs.ingest(bad)
    assert snapshot(obs) == before
