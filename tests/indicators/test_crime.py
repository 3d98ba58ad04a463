"""Crime indicators against figures computed independently from the kit files with the csv module."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date

import pytest

from usmx.errors import UsmxError

from ..conftest import CONAPO_STATE, DATA, STATE_CRIMES, STATE_VICTIMS, inegi_file, text_of

MONTHS = 12


def _victims_by_month(subtypes=("Homicidio doloso",), types=()):
    """{(period, state_code): victims} from the raw wide victims file."""
    out = defaultdict(int)
    reader = csv.reader(io.StringIO(text_of(STATE_VICTIMS)))
    next(reader)
    for row in reader:
        if row[5] in subtypes or row[4] in types:
            for m, v in enumerate(row[9:21], start=1):
                if v.strip():
                    out[(date(int(row[0]), m, 1), f"{int(row[1]):02d}")] += int(v.replace(",", ""))
    return out


@pytest.fixture(scope="module")
def victims():
    return _victims_by_month()


def _national(v):
    nat = defaultdict(int)
    for (p, _), n in v.items():
        nat[p] += n
    return nat


def _days(p: date) -> int:
    nxt = date(p.year + (p.month == 12), p.month % 12 + 1, 1)
    return (nxt - p).days


def test_daily_average_by_month_gives_the_published_86_9(loaded, victims):
    t = loaded.indicator("homicide_victims_daily_average", by="month")
    assert t.column_names == ["period", "value"]
    got = {r["period"]: r["value"] for r in t.to_pylist()}
    assert round(got[date(2024, 9, 1)], 1) == 86.9
    nat = _national(victims)
    assert set(got) == set(nat)
    for p, n in nat.items():
        assert got[p] == pytest.approx(n / _days(p))


def test_daily_average_by_administration_clips_terms(loaded, victims):
    t = loaded.indicator("homicide_victims_daily_average", by="administration").to_pylist()
    assert [r["administration"] for r in t] == ["pena_nieto", "lopez_obrador", "sheinbaum"]
    assert set(t[0]) >= {"administration", "start", "end", "days", "victims", "value"}
    nat = _national(victims)
    amlo = [p for p in nat if date(2018, 12, 1) <= p <= date(2024, 9, 1)]
    r = t[1]
    assert (r["start"], r["end"], r["days"]) == (date(2018, 12, 1), date(2024, 9, 30), 2131)
    assert r["victims"] == sum(nat[p] for p in amlo)
    assert r["value"] == pytest.approx(r["victims"] / 2131)
    assert r["coverage"] == "full term"
    assert t[0]["start"] == date(2015, 1, 1) and "term began 2012-12-01" in t[0]["coverage"]
    assert t[2]["end"] == date(2025, 6, 30) and t[2]["days"] == 273 and "data end 2025-06-30" in t[2]["coverage"]


def test_homicide_victims_by_year_state_and_feminicide(loaded, victims):
    years = {r["year"]: r["value"] for r in loaded.indicator("homicide_victims", by="year").to_pylist()}
    assert years[2019] == 34_723 and years[2024] == 30_046 and years[2025] == 12_752
    sin = loaded.indicator("homicide_victims", by="month", state="SIN").to_pylist()
    assert sum(r["value"] for r in sin) == sum(n for (p, s), n in victims.items() if s == "25")
    by_state = loaded.indicator("homicide_victims", by="state").to_pylist()
    assert {(r["state_code"], r["year"]) for r in by_state} >= {("09", 2024), ("32", 2015)}
    fem = _victims_by_month(subtypes=(), types=("Feminicidio",))
    with_fem = {
        r["year"]: r["value"] for r in loaded.indicator("homicide_victims", by="year", feminicide="true").to_pylist()
    }
    assert with_fem[2020] == years[2020] + sum(n for (p, _), n in fem.items() if p.year == 2020)


def _conapo_mid(year, code="00"):
    rows = csv.DictReader(io.StringIO(text_of(CONAPO_STATE, "utf-8")))
    return next(
        int(r["pob_mid_year"])
        for r in rows
        if r["n_year"] == str(year) and r["cve_ent"] == code and r["genero"] == "Total"
    )


def test_crime_rate_yearly_matches_hand_computation(loaded):
    reader = csv.reader(io.StringIO(text_of(STATE_CRIMES)))
    next(reader)
    ext2019 = sum(
        int(v.replace(",", "")) for row in reader if row[0] == "2019" and row[4] == "Extorsión" for v in row[7:19]
    )
    t = loaded.indicator("crime_rate_per_100k", group="extortion", level="national", measure="crimes").to_pylist()
    r = next(r for r in t if r["year"] == 2019)
    assert r["measure"] == "crimes"
    # by default a group's own measure: extortion counts victims, and the rows say so
    assert {r["measure"] for r in loaded.indicator("crime_rate_per_100k", group="extortion").to_pylist()} == {"victims"}
    assert r["total"] == ext2019
    assert r["value"] == pytest.approx(ext2019 / _conapo_mid(2019) * 100_000)
    state = loaded.indicator("crime_rate_per_100k", group="extortion", state="15").to_pylist()
    assert {r["state_code"] for r in state} == {"15"} and state[0]["state"] == "Estado de México"


def test_crime_rate_monthly_is_annualised_with_interpolated_population(loaded, victims):
    t = loaded.indicator(
        "crime_rate_per_100k", group="intentional_homicide", measure="victims", by="month", state="09"
    ).to_pylist()
    r = next(r for r in t if r["period"] == date(2024, 3, 1))
    mid23, mid24 = _conapo_mid(2023, "09"), _conapo_mid(2024, "09")
    pop = mid23 + (mid24 - mid23) * 8 / 12  # March is 8 months after the July 2023 mid-year point
    assert r["population"] == pytest.approx(pop)
    assert r["total"] == victims[(date(2024, 3, 1), "09")]
    assert r["value"] == pytest.approx(r["total"] / pop * 100_000 * 366 / 31)


def test_administration_comparison_never_mixes_sources(loaded, victims):
    t = loaded.indicator("administration_comparison", groups="intentional_homicide,extortion").to_pylist()
    sources = {(r["group"], r["source"]) for r in t}
    assert ("intentional_homicide", "INEGI death records (month of registration)") in sources
    registration = "INEGI death records (month of registration)"
    inegi_calderon = next(r for r in t if r["administration"] == "calderon" and r["source"] == registration)
    # INEGI registrations Dec 2006 - Nov 2012, deaths abroad excluded, computed from the raw cube exports
    total = 0
    for year in range(2006, 2013):
        rows = list(csv.reader(io.StringIO(text_of(inegi_file(year)))))
        for r in rows:
            if r and r[0].strip()[:2].isdigit() and int(r[0].split()[0]) <= 32:
                months = [int(v.replace(",", "") or 0) for v in r[3:15]]
                total += sum(
                    m
                    for i, m in enumerate(months, start=1)
                    if date(2006, 12, 1) <= date(year, i, 1) <= date(2012, 11, 1)
                )
    assert inegi_calderon["total"] == total and inegi_calderon["full_term"]
    sesnsp = "SESNSP victims (IDVFC)"
    amlo = next(r for r in t if r["administration"] == "lopez_obrador" and r["source"] == sesnsp)
    sheinbaum = next(r for r in t if r["administration"] == "sheinbaum" and r["source"] == sesnsp)
    assert sheinbaum["change_vs_previous_pct"] == pytest.approx((sheinbaum["value"] / amlo["value"] - 1) * 100)
    assert not sheinbaum["full_term"] and "12% of the term" in sheinbaum["coverage"]


def test_whole_terms_compare_on_death_records_by_month_of_occurrence(loaded):
    """Peña Nieto's and López Obrador's terms on INEGI death records: by month of occurrence the bundled tabulation
    (2000-2022) covers Peña Nieto's whole term, which registration years (1990-2012) cannot."""
    t = loaded.indicator("administration_comparison", groups="intentional_homicide").to_pylist()
    occ = {r["administration"]: r for r in t if r["source"] == "INEGI death records (month of occurrence)"}
    path = DATA / "inegi_occurrence" / "mexico-state-month-homicide-rates-2000-2022.csv.gz"
    rows = [r.split("|") for r in text_of(path, "utf-8").splitlines()[1:]]
    in_term = [int(r[3]) for r in rows if date(2012, 12, 1) <= date(int(r[1]), int(r[2]), 1) <= date(2018, 11, 1)]
    assert occ["pena_nieto"]["total"] == sum(in_term) and occ["pena_nieto"]["full_term"]
    assert occ["pena_nieto"]["value"] == pytest.approx(sum(in_term) / 2191)
    amlo = occ["lopez_obrador"]
    assert (amlo["start"], amlo["end"], amlo["full_term"]) == (date(2018, 12, 1), date(2022, 12, 31), False)
    assert amlo["change_vs_previous_pct"] == pytest.approx((amlo["value"] / occ["pena_nieto"]["value"] - 1) * 100)


def test_records(loaded, victims):
    t = {r["state_code"]: r for r in loaded.indicator("records").to_pylist()}
    nat = _national(victims)
    worst = max(nat, key=nat.get)
    assert (t["00"]["worst_month"], t["00"]["value"]) == (worst, nat[worst])
    assert t["00"]["worst_year"] == 2019 and t["00"]["worst_year_value"] == 34_723
    assert t["00"]["months_ago"] == (2025 - worst.year) * 12 + 6 - worst.month
    col = {p: n for (p, s), n in victims.items() if s == "06"}
    assert t["06"]["value"] == max(col.values())
    assert len(t) == 33


def test_anomalies_flag_a_planted_spike_and_say_why(obs, tmp_path):
    """Multiply one state-month by ten in a copy of the real victims file: that month, and few others, is flagged."""
    lines = text_of(STATE_VICTIMS).split("\r\n")
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        if len(cells) > 10 and cells[0] == "2021" and cells[1] == "31" and cells[5] == "Homicidio doloso":
            cells[9 + 4] = str(int(cells[9 + 4]) * 10 + 5)  # May 2021, Yucatán
        out.append(",".join(cells))
    p = tmp_path / "IDVFC_spike.csv"
    p.write_bytes("\r\n".join(out).encode("latin-1"))
    obs.ingest(p)
    flags = obs.indicator("anomalies").to_pylist()
    hit = [f for f in flags if f["state_code"] == "31" and f["period"] == date(2021, 5, 1)]
    assert hit, flags[:3]
    assert hit[0]["direction"] == "above" and hit[0]["value"] > hit[0]["upper"]
    assert "observed" in hit[0]["reason"] and "expected" in hit[0]["reason"]
    assert not [f for f in flags if f["state_code"] == "31" and f["period"] != date(2021, 5, 1)]


def test_inegi_vs_sesnsp(loaded):
    t = {r["year"]: r for r in loaded.indicator("inegi_vs_sesnsp").to_pylist()}
    # 1990: 14,493 registered deaths, of which 67 abroad (the file's own 'Extranjero' subtotal)
    assert t[1990]["inegi_deaths"] == 14_493 - 67 and t[1990]["sesnsp_victims"] is None
    assert t[2024]["sesnsp_victims"] == 30_046 + sum(
        n for (p, _), n in _victims_by_month(subtypes=(), types=("Feminicidio",)).items() if p.year == 2024
    )


def test_bad_parameters_are_explained(loaded):
    with pytest.raises(UsmxError, match="by must be one of"):
        loaded.indicator("homicide_victims", by="week")
    with pytest.raises(UsmxError, match="unknown state"):
        loaded.indicator("homicide_victims", state="99")
    with pytest.raises(UsmxError, match="unknown crime group"):
        loaded.indicator("crime_rate_per_100k", group="piracy")
    with pytest.raises(UsmxError, match="takes no parameter"):
        loaded.indicator("records", by="year")


def test_every_indicator_is_documented_in_both_languages(loaded):
    inds = loaded.indicators()
    assert {i.name for i in inds} >= {
        "homicide_victims",
        "homicide_victims_daily_average",
        "crime_rate_per_100k",
        "administration_comparison",
        "records",
        "anomalies",
        "inegi_vs_sesnsp",
    }
    for i in inds:
        assert i.label_en and i.label_es and i.definition_en and i.definition_es and i.sources and i.unit
        assert i.func.__doc__


def test_municipal_rates_and_anomalies(obs, tmp_path):
    """Municipal level: synthetic IDM_NM (real codes, real state totals) with CONAPO's municipal projections."""
    import gzip

    from tests import synthetic

    from ..conftest import FIXTURES

    p = tmp_path / "IDM_NM.csv"
    facts = synthetic.write_municipal_incidence(p, years=[2019, 2020], states=["01"])
    obs.ingest(p, FIXTURES / "conapo_proyecciones_mun_2015-2030.csv.gz")
    t = obs.indicator("crime_rate_per_100k", group="intentional_homicide", level="municipal", by="year").to_pylist()
    ags = next(r for r in t if r["municipality_code"] == "01001" and r["year"] == 2020)
    rows = list(
        csv.DictReader(
            io.StringIO(gzip.decompress((FIXTURES / "conapo_proyecciones_mun_2015-2030.csv.gz").read_bytes()).decode())
        )
    )
    pop = next(int(r["total"]) for r in rows if r["cve_mun"] == "01001" and r["date_year"] == "2020")
    assert ags["population"] == pop and ags["value"] == pytest.approx(ags["total"] / pop * 100_000)
    total = sum(r["total"] for r in t if r["year"] == 2020)
    want = sum(n for (crime, y), n in facts["by_crime_year"].items() if y == 2020 and crime[2] == "Homicidio doloso")
    assert total == want
    assert obs.indicator("anomalies", level="municipal", group="violent_robbery").column_names[0] == "municipality_code"


def test_export_cli_writes_csv_and_parquet(loaded, tmp_path, capsys):
    import pyarrow.parquet as pq

    from usmx import cli

    out = tmp_path / "terms.csv"
    assert (
        cli.main(
            ["export", "administration_comparison", "--format", "csv", "--output", str(out), "--db", str(loaded.db)]
        )
        == 0
    )
    text = out.read_text()
    assert text.startswith('"administration"') and "lopez_obrador" in text
    pq_out = tmp_path / "rates.parquet"
    assert (
        cli.main(
            [
                "export",
                "crime_rate_per_100k",
                "-f",
                "parquet",
                "-o",
                str(pq_out),
                "--by",
                "month",
                "-p",
                "group=extortion",
                "-p",
                "measure=crimes",
                "--db",
                str(loaded.db),
            ]
        )
        == 0
    )
    rates = pq.read_table(pq_out)
    # 2015-2023 (the December 2023 release) in the 2015 methodology, then January-March 2026 in the RNID's, bridged
    assert rates.num_rows == (108 + 3) * 32
    assert rates.column("methodology").value_counts().to_pylist() == [
        {"values": "2015", "counts": 108 * 32},
        {"values": "2026", "counts": 3 * 32},
    ]
    assert cli.main(["export", "records", "-f", "json", "-o", str(tmp_path / "x.json"), "--db", str(loaded.db)]) == 0
    assert cli.main(["export", "records", "-f", "table", "-o", str(tmp_path / "x.txt"), "--db", str(loaded.db)]) == 2
