"""A DOJ press-release extract (the JSON lines `usmx fetch doj-press-releases` writes): a broken one is refused with
the line and the field named, and leaves the warehouse as it was."""

from __future__ import annotations

import gzip
import json

import pytest

from usmx.errors import CellError, CheckError

from ..conftest import snapshot


def _release(i: int, **change) -> dict:
    r = {
        "uuid": f"r{i}",
        "date": f"2025-0{1 + i % 3}-1{i % 9}",
        "title": f"Release {i}",
        "url": f"https://www.justice.gov/opa/pr/release-{i}",
        "components": "Office of Public Affairs",
        "mentions_mexico": i % 2 == 0,
        "text": f"Text {i} about the Sinaloa Cartel" if i % 2 == 0 else None,
    }
    r.update(change)
    return r


def _extract(tmp_path, lines: list[str], name: str = "doj.jsonl.gz"):
    path = tmp_path / name
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8")))
    return path


def _good(n: int = 6) -> list[str]:
    return [json.dumps(_release(i)) for i in range(n)]


def test_a_well_formed_extract_loads(obs, tmp_path):
    (res,) = obs.ingest(_extract(tmp_path, _good()))
    assert res.kind == "doj_press_releases" and res.rows == 6
    kept = obs.sql("SELECT count(*) AS n FROM core_doj__press_releases WHERE body_text IS NOT NULL").to_pylist()
    assert kept == [{"n": 3}]  # the text of the releases that mention Mexico only


BROKEN = {
    "line cut short": (lambda g: [*g[:3], g[3][:40], *g[4:]], CellError, r"row 4, column 'line 4'.*a JSON object"),
    "bad date": (lambda g: [*g[:2], json.dumps(_release(2, date="2025-13-01")), *g[3:]], CellError,
                 r"row 3, column 'line 3: date' holds '2025-13-01'.*ISO date"),
    "a key missing": (lambda g: [*g[:1], json.dumps({k: v for k, v in _release(1).items() if k != "url"}), *g[2:]],
                      CellError, r"row 2.*the keys uuid, date, title, url"),
    "empty title": (lambda g: [*g[:5], json.dumps(_release(5, title=" "))], CellError,
                    r"row 6, column 'line 6: title'.*a non-empty text"),
    "mexico not a boolean": (lambda g: [json.dumps(_release(0, mentions_mexico="yes")), *g[1:]], CellError,
                             r"line 1: mentions_mexico.*true or false"),
    "not a web address": (lambda g: [*g[:4], json.dumps(_release(4, url="ftp://x/y")), *g[5:]], CheckError,
                          r"urls_valid.*release r4 has the address 'ftp://x/y'"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_extract_is_refused_and_changes_nothing(obs, tmp_path, case):
    obs.ingest(_extract(tmp_path, _good(), "earlier.jsonl.gz"))  # something loaded before, which must survive
    before = snapshot(obs)
    make, error, message = BROKEN[case]
    with pytest.raises(error, match=message):
        obs.ingest(_extract(tmp_path, make(_good())))
    assert snapshot(obs) == before
