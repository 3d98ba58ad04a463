"""Victims by sex and age, and the firearm share of homicide, against the raw victims file read with DuckDB SQL."""

from __future__ import annotations

import duckdb
import pytest

from usmx.errors import UsmxError

from ..conftest import STATE_VICTIMS

MONTHS = "+".join(
    f'coalesce("{m}", 0)'
    for m in ("Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Septiembre", "Octubre",
              "Noviembre", "Diciembre")
)  # fmt: skip


def _raw(sql: str) -> list[tuple]:
    """A query on the bundled raw file (wide, latin-1), as SESNSP publishes it: ``v`` is the raw table."""
    con = duckdb.connect()
    con.sql(f"CREATE VIEW v AS SELECT * FROM read_csv('{STATE_VICTIMS}', encoding='latin-1')")
    return con.sql(sql).fetchall()


def test_the_firearm_share_is_the_raw_files_firearm_victims_over_all_victims(loaded):
    raw = {
        year: (total, fire, unspecified)
        for year, total, fire, unspecified in _raw(
            f"""SELECT "Año", sum({MONTHS}), sum(CASE WHEN "Modalidad" = 'Con arma de fuego' THEN {MONTHS} END),
                       sum(CASE WHEN "Modalidad" = 'No especificado' THEN {MONTHS} END)
                FROM v WHERE "Subtipo de delito" = 'Homicidio doloso' GROUP BY ALL"""
        )
    }
    rows = {r["year"]: r for r in loaded.indicator("homicide_firearm_share", by="year").to_pylist()}
    assert set(rows) == set(raw)
    for year, (total, fire, unspecified) in raw.items():
        r = rows[year]
        assert (r["victims"], r["firearm"], r["unspecified"]) == (total, fire, unspecified)
        assert r["value"] == pytest.approx(100 * fire / total)
        assert r["share_of_specified_pct"] == pytest.approx(100 * fire / (total - unspecified))
    # 2024: 21,928 of 30,046 victims (72.98%); 2025 covers six months and says so
    assert round(rows[2024]["value"], 2) == 72.98 and rows[2025]["months"] == 6


def test_the_firearm_share_by_state_and_term(loaded):
    sinaloa = loaded.indicator("homicide_firearm_share", by="year", state="Sinaloa").to_pylist()
    (total, fire), = _raw(
        f"""SELECT sum({MONTHS}), sum(CASE WHEN "Modalidad" = 'Con arma de fuego' THEN {MONTHS} END) FROM v
            WHERE "Subtipo de delito" = 'Homicidio doloso' AND "Clave_Ent" = 25 AND "Año" = 2024"""
    )  # fmt: skip
    r = next(r for r in sinaloa if r["year"] == 2024)
    assert (r["state_code"], r["state"], r["victims"], r["firearm"]) == ("25", "Sinaloa", total, fire)
    by_state = loaded.indicator("homicide_firearm_share", by="state").to_pylist()
    assert {r["state_code"] for r in by_state} == {f"{i:02d}" for i in range(1, 33)}
    terms = loaded.indicator("homicide_firearm_share", by="administration").to_pylist()
    assert [r["administration"] for r in terms] == sorted(r["administration"] for r in terms)
    with_feminicide = loaded.indicator("homicide_firearm_share", by="year", feminicide=True).to_pylist()
    assert all(a["victims"] > b["victims"] for a, b in zip(with_feminicide, loaded.indicator(
        "homicide_firearm_share", by="year").to_pylist()) if a["year"] >= 2016)  # fmt: skip


def test_victims_by_sex_and_age_add_up_to_the_raw_file(loaded):
    raw = {
        (sex, age): n
        for sex, age, n in _raw(
            f"""SELECT "Sexo", "Rango de edad", sum({MONTHS}) FROM v
                WHERE "Subtipo de delito" = 'Homicidio doloso' AND "Año" = 2024 GROUP BY ALL"""
        )
    }
    rows = [r for r in loaded.indicator("victims_by_sex_age", by="year").to_pylist() if r["year"] == 2024]
    sexes = {"Hombre": "male", "Mujer": "female", "No identificado": "unknown"}
    assert {(r["sex"], r["age_group"]): r["value"] for r in rows} == {(sexes[s], a): n for (s, a), n in raw.items()}
    assert sum(r["share_pct"] for r in rows) == pytest.approx(100)
    minors = {r["sex"]: r["value"] for r in rows if r["age"] == "minor"}
    assert minors == {"male": 851, "female": 117}  # recomputed above from the raw file: these are its cells
    assert {r["age"] for r in rows} == {"adult", "minor", "not_specified"}


def test_victims_by_sex_and_age_for_other_groups_and_refusals(loaded):
    kidnapping = loaded.indicator("victims_by_sex_age", group="kidnapping", by="month", state="Guerrero").to_pylist()
    assert kidnapping and {r["state_code"] for r in kidnapping} == {"12"}
    ((n,),) = _raw(f"""SELECT sum({MONTHS}) FROM v WHERE "Tipo de delito" = 'Secuestro' AND "Clave_Ent" = 12""")
    assert sum(r["value"] for r in kidnapping) == n
    with pytest.raises(UsmxError, match="victims file has no rows for vehicle_theft_violent"):
        loaded.indicator("victims_by_sex_age", group="vehicle_theft_violent")
