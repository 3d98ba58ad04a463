"""SESNSP parsers on the real kit files and on real-derived variants (other encodings, releases, layouts)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date

import pytest

from tests import synthetic
from usmx.errors import CheckError

from ..conftest import STATE_CRIMES, STATE_VICTIMS, snapshot, text_of


def _independent_totals(path, victims=False):
    """Sum the wide file with the csv module, as an analyst would by hand."""
    reader = csv.reader(io.StringIO(text_of(path)))
    next(reader)
    first_month = 9 if victims else 7
    by_year_subtype = defaultdict(int)
    total = cells = 0
    for row in reader:
        for _i, v in enumerate(row[first_month : first_month + 12]):
            if v.strip():
                n = int(v.replace(",", ""))
                total += n
                cells += 1
                by_year_subtype[(int(row[0]), row[5])] += n
    return total, cells, by_year_subtype


def test_state_crimes_kit_file_loads_with_independent_totals(obs):
    (res,) = obs.ingest(STATE_CRIMES)
    assert res.status == "loaded" and res.kind == "sesnsp_state_crimes"
    assert res.vintage == date(2020, 12, 1)
    total, cells, by = _independent_totals(STATE_CRIMES)
    assert res.rows == cells == 18_816 * 12
    got = obs.sql(
        "SELECT sum(crimes) AS s, count(*) AS n, min(period) AS a, max(period) AS b "
        "FROM core_sesnsp__state_crimes_monthly"
    ).to_pylist()[0]
    assert got == {"s": total, "n": cells, "a": date(2015, 1, 1), "b": date(2020, 12, 1)}
    hom = obs.sql(
        "SELECT year(period) AS y, sum(crimes) AS n FROM core_sesnsp__state_crimes_monthly "
        "WHERE crime_subtype = 'Homicidio doloso' GROUP BY 1 ORDER BY 1"
    ).to_pylist()
    assert {r["y"]: r["n"] for r in hom} == {y: by[(y, "Homicidio doloso")] for y in range(2015, 2021)}
    # codes padded, labels verbatim, stable keys
    row = obs.sql(
        "SELECT * FROM core_sesnsp__state_crimes_monthly WHERE state_code = '02' AND "
        "period = '2015-03-01' AND crime_key = 'lesiones.lesiones_dolosas.no_especificado'"
    ).to_pylist()
    assert row[0]["crimes"] == 1000  # the quoted "1,000" cell in the official file
    assert row[0]["legal_good"] == "La vida y la Integridad corporal"
    assert (
        obs.sql("SELECT count(DISTINCT crime_key) AS n FROM core_sesnsp__state_crimes_monthly").to_pylist()[0]["n"]
        == 98
    )


def test_victims_kit_file_gives_published_figures(obs):
    (res,) = obs.ingest(STATE_VICTIMS)
    assert res.kind == "sesnsp_state_victims" and res.vintage == date(2025, 6, 1)
    per_year = obs.sql(
        "SELECT year(period) AS y, sum(victims) AS v FROM core_sesnsp__state_victims_monthly "
        "WHERE crime_subtype = 'Homicidio doloso' GROUP BY 1 ORDER BY 1"
    ).to_pylist()
    # MANIFEST's figures, computed by the kit's maintainers from the long derivative
    expected = {
        2018: 33_742,
        2019: 34_723,
        2020: 34_569,
        2021: 33_359,
        2022: 30_979,
        2023: 29_721,
        2024: 30_046,
        2025: 12_752,
    }
    assert {r["y"]: r["v"] for r in per_year if r["y"] >= 2018} == expected
    sept = obs.sql(
        "SELECT sum(victims) / 30 AS d FROM core_sesnsp__state_victims_monthly "
        "WHERE crime_subtype = 'Homicidio doloso' AND period = DATE '2024-09-01'"
    ).to_pylist()[0]["d"]
    assert round(sept, 1) == 86.9
    total, cells, _ = _independent_totals(STATE_VICTIMS, victims=True)
    got = obs.sql("SELECT sum(victims) AS s, count(*) AS n FROM core_sesnsp__state_victims_monthly").to_pylist()[0]
    assert got == {"s": total, "n": cells}
    # months after the cut-off are missing, not zero
    assert (
        obs.sql("SELECT count(*) AS n FROM core_sesnsp__state_victims_monthly WHERE period > '2025-06-01'").to_pylist()[
            0
        ]["n"]
        == 0
    )
    assert set(obs.sql("SELECT DISTINCT sex FROM core_sesnsp__state_victims_monthly").column("sex").to_pylist()) == {
        "male",
        "female",
        "unknown",
    }


def _variant(
    path,
    tmp_path,
    name,
    *,
    encoding="utf-8",
    bom=False,
    newline="\n",
    years=None,
    cut=None,
    quote_all=False,
    rename=None,
    thousands=False,
):
    """Rewrite a kit file as another release would look: other encoding, line ends, years, cut-off, spellings."""
    reader = csv.reader(io.StringIO(text_of(path)))
    header = next(reader)
    if rename:
        header = [rename.get(h, h) for h in header]
    out = io.StringIO()
    w = csv.writer(out, lineterminator=newline, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    w.writerow(header)
    first = header.index("Enero")
    for row in reader:
        y = int(row[0])
        if years and y not in years:
            continue
        if cut and y == cut[0]:
            row = row[: first + cut[1]] + [""] * (12 - cut[1])
        if thousands:
            row = row[:first] + [f"{int(v.replace(',', '')):,}" if v.strip() else v for v in row[first:]]
        w.writerow(row)
    data = out.getvalue().encode(encoding)
    p = tmp_path / name
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return p


@pytest.mark.parametrize(
    "encoding, bom, newline", [("utf-8", False, "\n"), ("utf-8", True, "\r\n"), ("latin-1", False, "\n")]
)
def test_other_encodings_and_line_ends_load_the_same_numbers(obs, tmp_path, encoding, bom, newline):
    p = _variant(
        STATE_CRIMES,
        tmp_path,
        "IDEFC_NM_variant.csv",
        encoding=encoding,
        bom=bom,
        newline=newline,
        quote_all=True,
        thousands=True,
    )
    (res,) = obs.ingest(p)
    total, cells, _ = _independent_totals(STATE_CRIMES)
    got = obs.sql("SELECT sum(crimes) AS s, count(*) AS n FROM core_sesnsp__state_crimes_monthly").to_pylist()[0]
    assert got == {"s": total, "n": cells}
    labels = (
        obs.sql("SELECT DISTINCT modality FROM core_sesnsp__state_crimes_monthly WHERE modality LIKE '%tr_nsito'")
        .column("modality")
        .to_pylist()
    )
    assert labels == ["En accidente de tránsito"]


def test_a_newer_release_becomes_current_and_the_old_one_stays_queryable(obs, tmp_path):
    older = _variant(STATE_CRIMES, tmp_path, "IDEFC_NM_jun2020.csv", years={2019, 2020}, cut=(2020, 6))
    newer = _variant(
        STATE_CRIMES,
        tmp_path,
        "IDEFC_NM_dic2020_utf8.csv",
        years={2019, 2020},
        rename={"Año": "AÑO", "Clave_Ent": "Cve. Entidad"},
    )
    (r1,) = obs.ingest(older)
    assert r1.vintage == date(2020, 6, 1) and r1.is_current
    (r2,) = obs.ingest(newer)
    assert r2.vintage == date(2020, 12, 1) and r2.is_current
    assert obs.sql("SELECT max(period) AS m FROM core_sesnsp__state_crimes_monthly").to_pylist()[0]["m"] == date(
        2020, 12, 1
    )
    vint = obs.sql(
        "SELECT l.vintage, count(*) AS n FROM core_sesnsp__state_crimes_monthly__all_vintages v "
        "JOIN loads l USING (load_id) GROUP BY 1 ORDER BY 1"
    ).to_pylist()
    assert vint == [{"vintage": date(2020, 6, 1), "n": 98 * 32 * 18}, {"vintage": date(2020, 12, 1), "n": 98 * 32 * 24}]
    # loading the older release again, or after the newer one, never displaces the newer
    older2 = _variant(STATE_CRIMES, tmp_path, "IDEFC_NM_mar2020.csv", years={2019, 2020}, cut=(2020, 3))
    (r3,) = obs.ingest(older2)
    assert not r3.is_current
    cur = obs.sql("SELECT vintage FROM loads WHERE is_current AND kind = 'sesnsp_state_crimes'").to_pylist()
    assert cur == [{"vintage": date(2020, 12, 1)}]


def test_reingesting_a_known_file_is_a_no_op_that_says_so(obs):
    obs.ingest(STATE_CRIMES)
    before = snapshot(obs)
    (again,) = obs.ingest(STATE_CRIMES)
    assert again.status == "already_loaded" and "already loaded" in again.message
    assert snapshot(obs) == before


def test_blank_cell_inside_the_covered_period_is_refused(obs, tmp_path):
    text = text_of(STATE_CRIMES).split("\r\n")
    cells = text[5].split(",")
    cells[9] = ""  # March 2015 of one row
    text[5] = ",".join(cells)
    p = tmp_path / "gap.csv"
    p.write_bytes("\r\n".join(text).encode("latin-1"))
    with pytest.raises(CheckError, match=r"blank_only_after_cutoff.*2015-03 \(first at row 6, column 'Marzo'\)"):
        obs.ingest(p)


@pytest.mark.slow
def test_municipal_layout_loads_and_adds_up_to_real_state_totals(obs, tmp_path):
    p = tmp_path / "IDM_NM_sep2020.csv"
    facts = synthetic.write_municipal_incidence(p, years=[2019, 2020], states=["01", "09", "20"], cutoff_month=9)
    (res,) = obs.ingest(p)
    assert res.kind == "sesnsp_municipal_crimes" and res.vintage == date(2020, 9, 1)
    muns = 11 + 16 + 570
    assert res.rows == muns * 98 * (12 + 9)
    got = obs.sql(
        "SELECT state_code, year(period) AS y, sum(crimes) AS n FROM core_sesnsp__municipal_crimes_monthly GROUP BY ALL"
    ).to_pylist()
    assert {(r["state_code"], r["y"]): r["n"] for r in got} == dict(facts["by_state_year"])
    # the municipal rows add up to the official state file for every month before the cut-off
    obs.ingest(STATE_CRIMES)
    diff = obs.sql(
        "WITH m AS (SELECT period, state_code, crime_key, sum(crimes) AS n FROM core_sesnsp__municipal_crimes_monthly "
        "GROUP BY ALL) SELECT count(*) AS bad FROM m JOIN core_sesnsp__state_crimes_monthly s "
        "USING (period, state_code, crime_key) WHERE m.n <> s.crimes"
    ).to_pylist()[0]["bad"]
    assert diff == 0
    codes = (
        obs.sql(
            "SELECT DISTINCT municipality_code FROM core_sesnsp__municipal_crimes_monthly "
            "WHERE state_code = '01' ORDER BY 1"
        )
        .column("municipality_code")
        .to_pylist()
    )
    assert codes[0] == "01001" and len(codes) == 11


def test_municipal_file_utf8_with_padded_codes_and_gzip(obs, tmp_path):
    p = tmp_path / "IDM_NM_dic2019.csv.gz"
    facts = synthetic.write_municipal_incidence(
        p, years=[2018, 2019], states=["25"], encoding="utf-8", newline="\n", thousands=False, pad_codes=True
    )
    (res,) = obs.ingest(p)
    assert res.rows == facts["rows"] * 12
    assert (
        obs.sql("SELECT sum(crimes) AS n FROM core_sesnsp__municipal_crimes_monthly").to_pylist()[0]["n"]
        == facts["total"]
    )


def test_victims_header_variant_is_a_data_change(obs, tmp_path):
    p = _variant(
        STATE_VICTIMS,
        tmp_path,
        "IDVFC_NM_variant.csv",
        years={2024, 2025},
        rename={"Rango de edad": "RANGO DE EDAD", "Bien jurídico afectado": "Bien juridico afectado"},
    )
    (res,) = obs.ingest(p)
    assert res.kind == "sesnsp_state_victims"


SHARED_DIC2023 = STATE_CRIMES.parents[5] / "shared" / "data" / "sesnsp" / "IDEFC_NM_dic2023.csv.gz"


@pytest.mark.skipif(not SHARED_DIC2023.exists(), reason="needs ../shared/data")
def test_the_december_2023_release_is_a_new_vintage_and_its_revisions_show(obs, tmp_path):
    """Issue 12: a later release of the same layout loads unseen (cp1252, CRLF) and the audit shows what it revised."""
    from usmx import cli

    (old,) = obs.ingest(STATE_CRIMES)
    (new,) = obs.ingest(SHARED_DIC2023)
    assert (old.vintage, new.vintage) == (date(2020, 12, 1), date(2023, 12, 1)) and new.is_current
    # the new release's own totals, read independently with the csv module
    text = text_of(SHARED_DIC2023, "cp1252")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    months = header[-12:]
    want = sum(int(r[header.index(m)] or 0) for r in body for m in months if r[0] == "2023")
    got = obs.sql(
        "SELECT sum(crimes) AS n FROM core_sesnsp__state_crimes_monthly WHERE year(period) = 2023"
    ).to_pylist()[0]["n"]
    assert got == want
    revised = obs.audit("revisions", table="core_sesnsp__state_crimes_monthly").to_pylist()
    colima = next(r for r in revised if r["state_code"] == "06" and r["period"] == date(2016, 1, 1))
    assert (colima["old_total"], colima["new_total"]) == (609, 1393)
    code = cli.main(["audit", "revisions", "--table", "core_sesnsp__state_crimes_monthly", "--db", str(obs.db)])
    assert code == 0
