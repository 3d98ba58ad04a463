from __future__ import annotations

import csv
import gzip
import io

import pytest

from usmx.errors import CheckError

from ..conftest import CONAPO_STATE, FIXTURES, text_of

CONAPO_MUN = FIXTURES / "conapo_proyecciones_mun_2015-2030.csv.gz"


def test_state_population(obs):
    (res,) = obs.ingest(CONAPO_STATE)
    assert res.kind == "conapo_state_population" and res.rows == 10_059
    rows = list(csv.DictReader(io.StringIO(text_of(CONAPO_STATE, "utf-8"))))
    want = next(r for r in rows if r["n_year"] == "2024" and r["cve_ent"] == "00" and r["genero"] == "Total")
    got = obs.sql(
        "SELECT population_mid_year AS p, population_start_year AS s FROM core_conapo__state_population_yearly "
        "WHERE year = 2024 AND state_code = '00' AND sex = 'total'"
    ).to_pylist()[0]
    assert got == {"p": int(want["pob_mid_year"]), "s": int(want["pob_start_year"])}
    assert (
        obs.sql("SELECT count(DISTINCT state_code) AS n FROM core_conapo__state_population_yearly").to_pylist()[0]["n"]
        == 33
    )


def test_municipal_population(obs):
    (res,) = obs.ingest(CONAPO_MUN)
    assert res.kind == "conapo_municipal_population" and res.rows == 39_312 * 3
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(CONAPO_MUN.read_bytes()).decode())))
    total_2020 = sum(int(r["total"]) for r in rows if r["date_year"] == "2020")
    got = obs.sql(
        "SELECT sum(population) AS n FROM core_conapo__municipal_population_yearly WHERE year = 2020 AND sex = 'total'"
    ).to_pylist()[0]["n"]
    assert got == total_2020


def test_sexes_must_add_up(obs, tmp_path):
    text = text_of(CONAPO_STATE, "utf-8").replace(
        "1950,Nacional,00,Hombres,14037453,14211712", "1950,Nacional,00,Hombres,14037453,14211713"
    )
    p = tmp_path / "pop.csv"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(CheckError, match="sexes_add_to_total"):
        obs.ingest(p)
