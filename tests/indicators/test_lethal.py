"""The lethal-violence envelope: its parts equal their sources, the sum says which parts it lacks, and a planted
reporting lag between two RNPDNO extracts is measured and corrected."""

from __future__ import annotations

import csv
import gzip
import io
import math
import random
from datetime import date

import pytest

from usmx.indicators.lethal import completeness

from ..conftest import DATA, STATE_VICTIMS

RNPDNO = DATA / "rnpdno" / "rnpdno_disappeared_not_located_2022-2025.sample.csv.gz"


def _c(age: int) -> float:
    """The planted completeness of a month ``age`` months before an extract's last month."""
    return 1 - 0.5 * math.exp(-age / 3)


def _older_extract(tmp_path, last: date = date(2025, 6, 1)):
    """The sample as an extract taken at ``last``: later months cut, each month scaled by the planted _c(age)
    (cells rounded at random, up with the probability of their fraction, so that sums keep the planted share)."""
    rng = random.Random(0)
    rows = list(csv.reader(io.StringIO(gzip.decompress(RNPDNO.read_bytes()).decode("utf-8"))))
    out = [rows[0]]
    for r in rows[1:]:
        p = date(int(r[9]), int(r[10]), 1)
        if p > last:
            continue
        age = (last.year - p.year) * 12 + last.month - p.month
        sexes = [math.floor(x) + (rng.random() < x % 1) for x in (int(v) * _c(age) for v in r[5:8])]
        out.append([*r[:5], *map(str, sexes), str(sum(sexes)), *r[9:]])
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(out)
    path = tmp_path / "rnpdno_not_located_2025-06.csv"
    path.write_text(text.getvalue(), encoding="utf-8")
    return path


def test_the_parts_are_their_sources_and_the_sum_names_what_it_lacks(obs):
    obs.ingest(STATE_VICTIMS, RNPDNO)
    rows = {r["year"]: r for r in obs.indicator("lethal_violence").to_pylist()}
    hom = obs.indicator("homicide_victims", by="year").to_pylist()
    assert rows[2019]["homicide_victims"] == next(r["value"] for r in hom if r["year"] == 2019) == 34_723
    missing = {r["year"]: r["value"] for r in obs.indicator("disappearances", by="year").to_pylist()}
    assert rows[2023]["disappeared_not_located"] == missing[2023]
    r = rows[2023]
    assert r["value"] == r["homicide_victims"] + r["feminicide_victims"] + r["disappeared_not_located"]
    assert r["missing_parts"] == "located_dead"  # the bundled sample holds persons not located only
    assert rows[2019]["missing_parts"] == "disappeared_not_located; located_dead"
    admin = obs.indicator("lethal_violence", by="administration").to_pylist()
    assert [a["administration"] for a in admin] == ["pena_nieto", "lopez_obrador", "sheinbaum"]
    assert "disappeared_not_located (33 of 70 months)" in admin[1]["missing_parts"]
    # one extract: the lag cannot be measured, so nothing is adjusted and the last year is provisional
    months = obs.indicator("lethal_violence", by="month").to_pylist()
    last = [m for m in months if m["period"] == date(2025, 6, 1)][0]
    assert last["provisional"] and last["not_located_adjusted"] == last["disappeared_not_located"]
    assert last["adjusted_low"] is None
    assert b"cannot be measured" in obs.indicator("lethal_violence").schema.metadata[b"note"]


def test_a_planted_reporting_lag_is_measured_and_corrected(obs, tmp_path):
    obs.ingest(STATE_VICTIMS, _older_extract(tmp_path), RNPDNO)  # the older extract first, as they were taken
    months = {m["period"]: m for m in obs.indicator("lethal_violence", by="month").to_pylist()}
    for age in (0, 2, 5):  # months of the newest extract (ending 2025-12) aged 0, 2 and 5
        p = date(2025, 12 - age, 1)
        m = months[p]
        assert m["not_located_adjusted"] == pytest.approx(m["disappeared_not_located"] / _c(age), rel=0.04)
        assert m["adjusted_low"] <= m["not_located_adjusted"] <= m["adjusted_high"]
    old = months[date(2023, 1, 1)]  # older than two years: complete, unchanged
    assert old["not_located_adjusted"] == old["disappeared_not_located"]
    note = obs.indicator("lethal_violence").schema.metadata[b"note"]
    assert b"lag is measured" in note


def test_completeness_needs_two_extracts_and_is_capped_at_one():
    newest = {date(2025, m, 1): 100.0 for m in range(1, 13)}
    assert completeness([newest]) == {}
    older = {date(2025, m, 1): 120.0 if m < 3 else 50.0 for m in range(1, 7)}  # revised down later: capped at 1
    comp = completeness([older, newest])
    assert comp[0] == (0.5, 0.5, 0.5) and comp[5] == (1.0, 1.0, 1.0)


def test_two_copies_of_one_extract_are_one_extract_and_measure_no_lag(obs, tmp_path):
    """The same scrape saved twice (other bytes: uncompressed, CRLF) is loaded twice, but the lag between a file and
    itself is not a lag: nothing is adjusted, no zero-width interval is printed, and the note says one extract."""
    copy = tmp_path / "rnpdno_copy.csv"
    copy.write_bytes(gzip.decompress(RNPDNO.read_bytes()).replace(b"\n", b"\r\n"))
    obs.ingest(STATE_VICTIMS, RNPDNO, copy)
    assert len(obs.loads().to_pylist()) == 3  # both copies loaded: their bytes differ
    months = obs.indicator("lethal_violence", by="month").to_pylist()
    last = [m for m in months if m["period"] == date(2025, 6, 1)][0]
    assert last["provisional"] and last["adjusted_low"] is None
    assert last["not_located_adjusted"] == last["disappeared_not_located"]
    assert b"cannot be measured" in obs.indicator("lethal_violence").schema.metadata[b"note"]
