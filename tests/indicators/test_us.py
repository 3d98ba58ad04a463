"""The seizures-vs-deaths indicator recovers a planted lag in files written in the official layouts."""

from __future__ import annotations

import csv
import math
import random
from datetime import date
from statistics import NormalDist

import pytest

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
FULL = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _write_pair(tmp_path, lag: int, seed: int = 7):
    rng = random.Random(seed)
    periods = [date(2016 + i // 12, i % 12 + 1, 1) for i in range(96)]
    seized = [200 + 8 * i + 400 * math.sin(i / 5) + rng.gauss(0, 120) for i in range(96)]
    seized = [max(1.0, s) for s in seized]
    roll = [sum(seized[max(0, i - 11) : i + 1]) for i in range(96)]
    deaths = [10_000 + 3.0 * (roll[i - lag] if i >= lag else roll[0]) + rng.gauss(0, 300) for i in range(96)]
    cbp = tmp_path / "nationwide-drugs-synthetic.csv"
    with cbp.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(
            [
                "FY",
                "Month (abbv)",
                "Component",
                "Region",
                "Land Filter",
                "Area of Responsibility",
                "Drug Type",
                "Count of Event",
                "Sum Qty (lbs)",
            ]
        )
        for p, s in zip(periods, seized):
            fy = p.year + (p.month >= 10)
            w.writerow(
                [
                    fy,
                    MONTHS[p.month - 1],
                    "Office of Field Operations",
                    "Southwest Border",
                    "Land Only",
                    "SAN DIEGO FIELD OFFICE",
                    "Fentanyl",
                    10,
                    f"{s:.6f}",
                ]
            )
    cdc = tmp_path / "VSRR_synthetic.csv"
    with cdc.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(
            [
                "State",
                "Year",
                "Month",
                "Period",
                "Indicator",
                "Data Value",
                "Percent Complete",
                "Percent Pending Investigation",
                "State Name",
                "Footnote",
                "Footnote Symbol",
                "Predicted Value",
            ]
        )
        for p, d in zip(periods, deaths):
            w.writerow(
                [
                    "US",
                    p.year,
                    FULL[p.month - 1],
                    "12 month-ending",
                    "Synthetic opioids, excl. methadone (T40.4)",
                    round(d),
                    100,
                    0.1,
                    "United States",
                    "",
                    "**",
                    "",
                ]
            )
    return cbp, cdc


@pytest.mark.parametrize("lag", [0, 3])
def test_ccf_recovers_the_planted_lag(obs, tmp_path, lag):
    obs.ingest(*_write_pair(tmp_path, lag))
    t = obs.indicator("fentanyl_seizures_vs_overdoses")
    rows = t.to_pylist()
    assert [r["lag_months"] for r in rows] == list(range(-12, 13))
    best = max(rows, key=lambda r: r["value"])
    # prewhitened, with a band for the largest of 25 lags: the planted lag, and no other, crosses it
    assert best["lag_months"] == lag and best["outside_band"]
    assert [r["lag_months"] for r in rows if r["outside_band"]] == [lag]
    assert best["band_high"] == pytest.approx(NormalDist().inv_cdf(1 - 0.05 / 50) / math.sqrt(best["n"]))
    meta = t.schema.metadata
    assert (
        b"not say that seizures prevent or cause deaths" in meta[b"caution_en"] and b"prewhiten" in meta[b"caution_en"]
    )
    assert meta[b"caution_es"] and int(meta[b"overlap_months"]) == 96 - 11


def test_series_output_and_too_little_overlap(obs, tmp_path, loaded):
    cbp, cdc = _write_pair(tmp_path, 2)
    obs.ingest(cbp, cdc)
    s = obs.indicator("fentanyl_seizures_vs_overdoses", output="series").to_pylist()
    seized = [r for r in s if r["series"] == "seizures_lbs_12m"]
    assert seized[11]["value"] is not None and seized[10]["value"] is None
    # the kit: CBP starts in October 2018, and no synthetic-opioid series (T40.4) of the whole country overlaps it:
    # not measurable, saying what to load; all-drug deaths are not read in its place
    t = loaded.indicator("fentanyl_seizures_vs_overdoses")
    assert t.num_rows == 0 and t.schema.metadata[b"measurable"] == b"false"
    assert b"T40.4" in t.schema.metadata[b"note"] and b"usmx fetch cdc-overdoses" in t.schema.metadata[b"note"]
    # all drugs, asked for: the state x month derivative (to April 2025) overlaps the seizures
    t = loaded.indicator("fentanyl_seizures_vs_overdoses", drug="all_drugs")
    assert t.num_rows == 25 and t.schema.metadata[b"deaths"] == b"all_drugs"
    assert int(t.schema.metadata[b"overlap_months"]) >= 24
    assert not any(r["outside_band"] for r in t.to_pylist())  # prewhitened: no lag crosses the band
