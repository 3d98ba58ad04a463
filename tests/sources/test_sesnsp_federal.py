"""SESNSP federal crimes (IDEFF): the bundled July 2025 release loads with its own totals (summed here with the csv
module), EXTRANJERO is kept apart, the federal groups match their rows, and bad files are refused unchanged."""

from __future__ import annotations

import csv
import gzip
import io

import pytest

from usmx.errors import CellError, CheckError

from ..conftest import DATA, snapshot

IDEFF = DATA / "sesnsp_federal" / "IDEFF_jul25.csv.gz"
MONTHS = ["ENERO", "FEBRERO", "MARZO", "ABRIL", "MAYO", "JUNIO", "JULIO", "AGOSTO", "SEPTIEMBRE", "OCTUBRE",
          "NOVIEMBRE", "DICIEMBRE"]  # fmt: skip


def rows() -> list[dict]:
    return list(csv.DictReader(io.StringIO(gzip.decompress(IDEFF.read_bytes()).decode("cp1252"))))


def total(pred) -> int:
    return sum(int(r[m]) for r in rows() if pred(r) for m in MONTHS if r[m].strip())


def test_the_july_2025_release_loads_with_its_own_totals(obs):
    (res,) = obs.ingest(IDEFF)
    assert res.status == "loaded" and res.vintage.isoformat() == "2025-07-01"
    got = obs.sql(
        "SELECT sum(crimes) AS n, sum(crimes) FILTER (WHERE abroad) AS abroad, max(period) AS last, "
        "count(DISTINCT state_code) AS states FROM core_sesnsp__state_federal_crimes_monthly"
    ).to_pylist()[0]
    assert got["n"] == total(lambda r: True)
    assert got["abroad"] == total(lambda r: r["ENTIDAD"] == "EXTRANJERO") and got["states"] == 33
    assert got["last"].isoformat() == "2025-07-01"  # months after the cut-off are blank, not zero


def test_federal_groups_match_their_rows(obs):
    obs.ingest(IDEFF)

    def year(group: str) -> dict[int, int]:
        return {r["year"]: r["value"] for r in obs.indicator("federal_crimes", group=group, by="year").to_pylist()}

    firearms = year("firearms")
    assert firearms[2024] == total(lambda r: r["AÑO"] == "2024" and "ARMAS DE FUEGO" in r["TIPO"] and r["INEGI"])
    assert firearms[2024] == 14_845
    fuel = year("fuel_theft")
    assert min(fuel) == 2019  # the hydrocarbons law is recorded from 2019
    drugs = year("drugs")
    want = total(
        lambda r: (
            r["AÑO"] == "2023"
            and r["INEGI"]
            and (r["CONCEPTO"] == "CONTRA LA SALUD" or "NARCOMENUDEO" in r["TIPO"] or r["TIPO"] == "CONTRA LA SALUD")
        )
    )
    assert drugs[2023] == want
    every = year("all")
    assert every[2024] == total(lambda r: r["AÑO"] == "2024" and r["INEGI"])
    abroad = obs.indicator("federal_crimes", group="all", by="year", abroad="true").to_pylist()
    assert {r["year"]: r["value"] for r in abroad}[2024] == total(lambda r: r["AÑO"] == "2024")


@pytest.mark.parametrize(
    ("edit", "error", "message"),
    [
        (lambda t: t.replace("\r\n2012,1,AGUASCALIENTES", "\r\n2012,,AGUASCALIENTES", 1), CheckError, "EXTRANJERO"),
        (lambda t: t.replace(",PRODUCCION,0,", ",PRODUCCION,cero,", 1), CellError, "'cero'"),
    ],
    ids=["state-without-code", "bad-count"],
)
def test_bad_files_are_refused_and_change_nothing(obs, tmp_path, edit, error, message):
    obs.ingest(IDEFF)
    before = snapshot(obs)
    bad = tmp_path / "IDEFF_bad.csv"
    bad.write_bytes(edit(gzip.decompress(IDEFF.read_bytes()).decode("cp1252")).encode("cp1252"))
    with pytest.raises(error, match=message):
        obs.ingest(bad)
    assert snapshot(obs) == before
