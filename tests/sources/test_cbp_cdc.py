"""CBP seizures and encounters, CDC VSRR: the kit files, other fiscal years and releases, defects."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date

import pytest

from usmx.errors import CellError, CheckError

from ..conftest import DATA, text_of

CBP = DATA / "cbp"
DRUGS = [CBP / "nationwide-drugs-fy19-fy22.csv.gz", CBP / "nationwide-drugs-fy23-fy26-dec.csv.gz"]
AMO = [CBP / "amo-drug-seizures-fy19-fy22.csv.gz", CBP / "amo-drug-seizures-fy23-fy26-dec.csv.gz"]
ENCOUNTERS = CBP / "nationwide-encounters-fy21-fy24-state.csv.gz"
VSRR = DATA / "cdc" / "VSRR_Provisional_Drug_Overdose_Death_Counts_2019-07.csv.gz"


def _rows(path):
    return list(csv.DictReader(io.StringIO(text_of(path, "utf-8"))))


def _fy(label: str) -> int:
    return int(label[:4])


def test_seizure_files_load_with_fiscal_months_mapped(obs):
    results = obs.ingest(*DRUGS, *AMO)
    assert [r.kind for r in results] == ["cbp_drug_seizures"] * 2 + ["cbp_amo_drug_seizures"] * 2
    assert [r.vintage for r in results] == [date(2022, 9, 1), date(2025, 12, 1)] * 2
    first = obs.sql(
        "SELECT fiscal_year, min(period) AS a, max(period) AS b FROM core_cbp__drug_seizures_monthly "
        "GROUP BY 1 ORDER BY 1"
    ).to_pylist()
    assert first[0] == {"fiscal_year": 2019, "a": date(2018, 10, 1), "b": date(2019, 9, 1)}
    assert first[-1] == {"fiscal_year": 2026, "a": date(2025, 10, 1), "b": date(2025, 12, 1)}  # "2026 (FYTD)"
    drugs = {
        r["drug_type"]: r["drug"]
        for r in obs.sql("SELECT DISTINCT drug_type, drug FROM core_cbp__drug_seizures_monthly").to_pylist()
    }
    assert drugs["Other Drugs"] == "other_drugs" and drugs["Fentanyl"] == "fentanyl"
    assert drugs["Khat (Catha Edulis)"] == "khat_catha_edulis" and "Other Drugs**" not in drugs
    areas = set(
        obs.sql("SELECT DISTINCT area_type FROM core_cbp__drug_seizures_monthly").column("area_type").to_pylist()
    )
    assert areas == {"aor", "branch"}


def test_fentanyl_fiscal_year_totals_match_the_files(obs):
    """By default CBP's published definition (Field Operations and Border Patrol: the nationwide drug-seizure
    files), with Air and Marine Operations as its own component: fiscal 2023 and 2024 are CBP's stated 27,023 and
    21,889 lbs (with AMO: 28,476 and 23,737)."""
    obs.ingest(*DRUGS, *AMO)
    want, sw, events, amo = defaultdict(float), defaultdict(float), defaultdict(int), defaultdict(float)
    for path in DRUGS + AMO:
        for r in _rows(path):
            if r["Drug Type"] == "Fentanyl":
                if path in AMO:
                    amo[_fy(r["FY"])] += float(r["Sum Qty (lbs)"])
                    continue
                want[_fy(r["FY"])] += float(r["Sum Qty (lbs)"])
                events[_fy(r["FY"])] += int(r["Count of Event"])
                if r["Region"] == "Southwest Border":
                    sw[_fy(r["FY"])] += float(r["Sum Qty (lbs)"])
    got = obs.indicator("fentanyl_seizures_lbs", by="fiscal_year").to_pylist()
    assert {r["fiscal_year"]: pytest.approx(r["value"]) for r in got} == want
    assert round(want[2023]) == 27_023 and round(want[2024]) == 21_889  # as CBP publishes them
    assert {r["fiscal_year"]: r["months"] for r in got}[2026] == 3
    got_amo = obs.indicator("fentanyl_seizures_lbs", by="fiscal_year", component="amo").to_pylist()
    assert {r["fiscal_year"]: pytest.approx(r["value"]) for r in got_amo} == amo
    both = obs.indicator("fentanyl_seizures_lbs", by="fiscal_year", component="all").to_pylist()
    assert [round(r["value"]) for r in both if r["fiscal_year"] in (2023, 2024)] == [28_476, 23_737]
    got_sw = obs.indicator("fentanyl_seizures_lbs", by="fiscal_year", region="southwest_border").to_pylist()
    assert {r["fiscal_year"]: pytest.approx(r["value"]) for r in got_sw} == sw
    got_ev = obs.indicator("fentanyl_seizure_events", by="fiscal_year").to_pylist()
    assert {r["fiscal_year"]: r["value"] for r in got_ev} == events
    # monthly: December 2025 (FY2026) equals the file's DEC rows
    dec = sum(
        float(r["Sum Qty (lbs)"])
        for p in DRUGS
        for r in _rows(p)
        if r["Drug Type"] == "Fentanyl" and r["FY"].startswith("2026") and r["Month (abbv)"] == "DEC"
    )
    month = {r["period"]: r["value"] for r in obs.indicator("fentanyl_seizures_lbs").to_pylist()}
    assert month[date(2025, 12, 1)] == pytest.approx(dec)
    # one AOR, and another drug
    yuma = obs.indicator("fentanyl_seizures_lbs", by="fiscal_year", aor="yuma sector").to_pylist()
    assert yuma and all(r["value"] > 0 for r in yuma)
    meth = obs.indicator("fentanyl_seizures_lbs", by="fiscal_year", drug="methamphetamine").to_pylist()
    assert meth[0]["value"] > want[2019]


def _shift_fiscal_years(path, tmp_path, name, years: int, last_month: str | None = None):
    """Another release of the same layout: fiscal years moved forward (and optionally cut after a month)."""
    rows = _rows(path)
    header = list(rows[0])
    order = ["OCT", "NOV", "DEC", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP"]
    out = io.StringIO()
    w = csv.DictWriter(out, header, lineterminator="\r\n")
    w.writeheader()
    last_fy = max(_fy(r["FY"]) for r in rows)
    for r in rows:
        fy = _fy(r["FY"]) + years
        if last_month and fy == last_fy + years and order.index(r["Month (abbv)"]) > order.index(last_month):
            continue
        r["FY"] = f"{fy} (FYTD)" if fy == last_fy + years else str(fy)
        w.writerow(r)
    p = tmp_path / name
    p.write_text(out.getvalue(), encoding="utf-8")
    return p


def test_other_fiscal_years_and_a_newer_release_load_unchanged(obs, tmp_path):
    # another window of fiscal years (shifted back: a future one is refused as implausible)
    later = _shift_fiscal_years(DRUGS[1], tmp_path, "nationwide-drugs-fy15-fy18-nov.csv", -8, last_month="NOV")
    (r,) = obs.ingest(later)
    assert r.kind == "cbp_drug_seizures" and r.vintage == date(2017, 11, 1)
    newer = _shift_fiscal_years(DRUGS[1], tmp_path, "nationwide-drugs-fy15-fy18-dec.csv", -8)
    (r2,) = obs.ingest(newer)
    assert r2.is_current and r2.vintage == date(2017, 12, 1)
    cur = obs.sql("SELECT count(*) AS n FROM loads WHERE is_current").to_pylist()[0]["n"]
    assert cur == 1  # the December release replaced the November one of the same fiscal years


def test_encounters(obs):
    (r,) = obs.ingest(ENCOUNTERS)
    assert r.kind == "cbp_encounters_state" and r.vintage == date(2024, 9, 1)
    want = defaultdict(int)
    mexico = defaultdict(int)
    for row in _rows(ENCOUNTERS):
        if row["Land Border Region"] == "Southwest Land Border":
            want[int(row["Fiscal Year"])] += int(row["Encounter Count"])
            if row["Citizenship"] == "MEXICO":
                mexico[int(row["Fiscal Year"])] += int(row["Encounter Count"])
    got = obs.indicator("southwest_border_encounters", by="fiscal_year").to_pylist()
    assert {x["fiscal_year"]: x["value"] for x in got} == want
    assert want[2023] == 2_475_669  # CBP's published southwest border total for FY2023
    mx = obs.indicator("southwest_border_encounters", by="fiscal_year", citizenship="Mexico").to_pylist()
    assert {x["fiscal_year"]: x["value"] for x in mx} == mexico
    split = obs.indicator("southwest_border_encounters", by="month", split="demographic").to_pylist()
    assert {x["demographic"] for x in split} == {"Single Adults", "FMUA", "UC / Single Minors", "Accompanied Minors"}


def test_vsrr_counts_percent_rows_and_predicted_values(obs):
    (r,) = obs.ingest(VSRR)
    assert r.kind == "cdc_vsrr_overdose" and r.rows == 13_912 and r.vintage == date(2018, 11, 1)
    rows = _rows(VSRR)
    us2017 = next(
        x
        for x in rows
        if x["State"] == "US"
        and x["Year"] == "2017"
        and x["Month"] == "December"
        and x["Indicator"] == "Number of Drug Overdose Deaths"
    )
    got = obs.indicator("overdose_deaths", by="year").to_pylist()
    assert {x["year"]: x["value"] for x in got}[2017] == float(us2017["Data Value"]) == 70_699
    pred = obs.indicator("overdose_deaths", by="year", predicted=True).to_pylist()
    assert {x["year"]: x["value"] for x in pred}[2017] == float(us2017["Predicted Value"])
    nyc = obs.indicator("overdose_deaths", jurisdiction="YC", drug="synthetic_opioids").to_pylist()
    assert nyc and nyc[0]["jurisdiction_code"] == "YC"
    # percent rows are kept apart: never in the count column
    mixed = obs.sql(
        "SELECT count(*) AS n FROM core_cdc__overdose_deaths_monthly WHERE value_kind = 'percent' "
        "AND deaths_12m_ending IS NOT NULL"
    ).to_pylist()[0]["n"]
    assert mixed == 0
    pct = obs.sql(
        "SELECT count(*) AS n FROM core_cdc__overdose_deaths_monthly WHERE value_kind = 'percent'"
    ).to_pylist()[0]["n"]
    assert pct == 893


def test_newer_vsrr_layout_with_separators_suppression_and_plus(obs, tmp_path):
    text = text_of(VSRR, "utf-8")
    reader = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(reader[0])
    for i, row in enumerate(reader[1:]):
        row[1] = str(int(row[1]) + 5)  # years 2020-2023: a "newer" export
        if row[5] and "Percent" not in row[4]:
            row[5] = f"{int(float(row[5])):,}"
        if i == 10:
            row[5] = ""  # suppressed
        w.writerow(row)
    p = tmp_path / "VSRR_2024.csv"
    p.write_text(out.getvalue(), encoding="utf-8")
    (r,) = obs.ingest(p)
    assert r.vintage == date(2023, 11, 1)
    us2022 = obs.indicator("overdose_deaths", by="year").to_pylist()
    assert {x["year"]: x["value"] for x in us2022}[2022] == 70_699
    assert (
        obs.sql(
            "SELECT count(*) AS n FROM core_cdc__overdose_deaths_monthly WHERE deaths_12m_ending IS NULL "
            "AND value_kind = 'count'"
        ).to_pylist()[0]["n"]
        == 1
    )


def test_cbp_defects_are_named(obs, tmp_path):
    text = text_of(DRUGS[1], "utf-8").split("\r\n")
    bad = text[:5] + [text[5].replace(",DEC,", ",DECEMBER,")] + text[6:]
    p = tmp_path / "a.csv"
    p.write_text("\r\n".join(bad), encoding="utf-8")
    with pytest.raises(CheckError, match=r"months_known.*'DECEMBER'"):
        obs.ingest(p)
    cells = text[7].split(",")
    cells[-1] = "-4.2"
    bad = text[:7] + [",".join(cells)] + text[8:]
    p = tmp_path / "b.csv"
    p.write_text("\r\n".join(bad), encoding="utf-8")
    with pytest.raises(CellError, match=r"row 8, column 'Sum Qty \(lbs\)' holds '-4.2'"):
        obs.ingest(p)
    p = tmp_path / "c.csv"
    p.write_text("\r\n".join(text[:10] + text[9:12]), encoding="utf-8")
    with pytest.raises(CheckError, match="keys_unique"):
        obs.ingest(p)
    assert obs.sql("SELECT count(*) AS n FROM loads").to_pylist()[0]["n"] == 0


def test_encounters_aor_layout_loads_through_the_header_map(obs, tmp_path):
    """CBP's -aor variant: Component, Area of Responsibility, AOR (Abbv) and Encounter Type instead of State."""
    rows = _rows(ENCOUNTERS)[:400]
    out = io.StringIO()
    header = [
        "Fiscal Year",
        "Month Grouping",
        "Month (abbv)",
        "Component",
        "Land Border Region",
        "Area of Responsibility",
        "AOR (Abbv)",
        "Demographic",
        "Citizenship",
        "Title of Authority",
        "Encounter Type",
        "Encounter Count",
    ]
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    seen, total = set(), 0
    for r in rows:
        key = (
            r["Fiscal Year"],
            r["Month (abbv)"],
            r["Land Border Region"],
            r["State"],
            r["Demographic"],
            r["Citizenship"],
            r["Title of Authority"],
        )
        if key in seen:
            continue
        seen.add(key)
        total += int(r["Encounter Count"])
        w.writerow(
            [
                r["Fiscal Year"],
                "FYTD",
                r["Month (abbv)"],
                "U.S. Border Patrol",
                r["Land Border Region"],
                f"{r['State']} SECTOR",
                r["State"],
                r["Demographic"],
                r["Citizenship"],
                r["Title of Authority"],
                "Apprehensions",
                r["Encounter Count"],
            ]
        )
    p = tmp_path / "nationwide-encounters-fy21-aor.csv"
    p.write_text(out.getvalue(), encoding="utf-8")
    (res,) = obs.ingest(p)
    assert res.kind == "cbp_encounters_aor"
    got = obs.sql(
        "SELECT count(*) AS n, count(us_state) AS s, count(area) AS a, sum(encounters) AS e "
        "FROM core_cbp__encounters_monthly"
    ).to_pylist()[0]
    assert got == {"n": len(seen), "s": 0, "a": len(seen), "e": total}


def test_fetch_cdc_and_cbp_targets_on_a_local_server(obs, tmp_path):
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    (tmp_path / "srv").mkdir()
    for f in [VSRR, DRUGS[1]]:
        (tmp_path / "srv" / f.name).write_bytes(f.read_bytes())

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(tmp_path / "srv"), **k)

        def log_message(self, *a):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        (r1,) = obs.fetch("cdc-overdoses", f"{base}/{VSRR.name}").loads
        (r2,) = obs.fetch("cbp-seizures", f"{base}/{DRUGS[1].name}").loads
    finally:
        httpd.shutdown()
    assert (r1.kind, r2.kind) == ("cdc_vsrr_overdose", "cbp_drug_seizures")
    with pytest.raises(Exception, match="renames its download every month"):
        obs.fetch("cbp-encounters")
