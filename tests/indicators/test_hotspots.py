"""Municipal hot spots on the bundled INEGI municipal file (2020-2021), recomputed from the raw file with DuckDB."""

from __future__ import annotations

import collections

import duckdb
import numpy as np
import pytest

from usmx import catalog, cli
from usmx.errors import UsmxError
from usmx.evaluate.hotspots import contiguity, hotspots

from ..conftest import DATA

MUNICIPAL = DATA / "inegi_occurrence" / "mexico-muni-month-homicide-rates-2020-2021.csv.gz"


@pytest.fixture(scope="module")
def raw_2021() -> dict[str, tuple[float, float | None]]:
    """{code: (deaths, mean population estimate)} for 2021, straight from the raw pipe-separated file."""
    con = duckdb.connect()
    rows = con.sql(
        f"""SELECT ent_mun, sum(homicides), avg(TRY_CAST(pop_est AS DOUBLE))
            FROM read_csv('{MUNICIPAL}', delim='|', all_varchar=false, types={{'ent_mun': 'VARCHAR',
                 'pop_est': 'VARCHAR'}})
            WHERE year = 2021 GROUP BY ALL"""
    ).fetchall()
    return {code: (float(d), p) for code, d, p in rows}


@pytest.fixture(scope="module")
def spots(loaded_db):
    from usmx import Observatory

    return Observatory(loaded_db).indicator("municipal_hotspots")


def test_rates_are_the_raw_files_and_eb_is_marshalls(spots, raw_2021):
    rows = {r["municipality_code"]: r for r in spots.to_pylist()}
    assert {r["year"] for r in rows.values()} == {2021}  # the newest complete year bundled
    assert set(rows) == set(raw_2021)
    for code in ("25006", "02004", "09007"):  # Culiacán, Tijuana, Iztapalapa
        deaths, pop = raw_2021[code]
        assert rows[code]["deaths"] == deaths and rows[code]["raw_rate"] == pytest.approx(deaths / pop * 1e5)
    known = {c: v for c, v in raw_2021.items() if v[1]}
    e = np.array([v[0] for v in known.values()])
    b = np.array([v[1] for v in known.values()])
    x, m = e / b, e.sum() / b.sum()
    s2 = (b * (x - m) ** 2).sum() / b.sum() - m / b.mean()
    eb = dict(zip(known, (s2 / (s2 + m / b) * x + (1 - s2 / (s2 + m / b)) * m) * 1e5))
    assert all(rows[c]["value"] == pytest.approx(eb[c], rel=1e-9) for c in known)
    # the ranking follows the smoothed rate; the smallest municipalities (a few hundred people) do not lead it on noise
    top = sorted((r for r in rows.values() if r["rank"]), key=lambda r: r["rank"])[:10]
    assert [r["rank"] for r in top] == list(range(1, 11))
    assert all(r["population"] >= 1_500 for r in top)
    raw_top = max((r for r in rows.values() if r["raw_rate"] is not None), key=lambda r: r["raw_rate"])
    assert raw_top["raw_rate"] > top[0]["value"]  # smoothing pulls the noisiest rate down


def test_the_clusters_are_named_with_their_q_values(spots):
    rows = spots.to_pylist()
    count = collections.Counter(r["cluster"] for r in rows)
    assert count["hot"] >= 20 and count["cold"] >= 20, count
    assert count["not_assessed"] == 24  # pop_est is NA for 24 municipalities in the raw file
    assert all(r["q_value"] <= 0.05 for r in rows if r["cluster"] in ("hot", "cold", "high_low", "low_high"))
    assert all(r["q_value"] > 0.05 for r in rows if r["cluster"] == "not_significant")
    assert all(r["quadrant"] == "HH" for r in rows if r["cluster"] == "hot")
    assert all(r["why"] == "no population" for r in rows if r["cluster"] == "not_assessed")
    assert b"Benjamini-Hochberg" in spots.schema.metadata[b"note"]


def test_a_null_world_on_the_real_map_finds_no_hot_spot(spots):
    """The real municipalities, their real populations and borders, but one risk for all: nothing should light up
    at a 5% false-discovery rate."""
    rows = [r for r in spots.to_pylist() if r["population"]]
    codes = [r["municipality_code"] for r in rows]
    population = np.array([r["population"] for r in rows])
    graph = contiguity(catalog.topology("mx_municipalities"), "municipios")
    fired = []
    for seed in range(3):
        events = np.random.default_rng(seed).poisson(28e-5 * population).astype(float)
        found = hotspots(codes, events, population, graph, seed=seed)
        fired.append(sum(r["cluster"] not in ("not_significant", "not_assessed") for r in found.rows))
    assert max(fired) <= 3, fired


def test_state_rows_year_and_bounds(loaded_db, capsys):
    from usmx import Observatory

    obs = Observatory(loaded_db)
    sinaloa = obs.indicator("municipal_hotspots", state="Sinaloa", year=2020).to_pylist()
    assert len(sinaloa) == 18 and {r["state_code"] for r in sinaloa} == {"25"}
    assert {r["year"] for r in sinaloa} == {2020}
    with pytest.raises(UsmxError, match="year 2019 is not a complete year"):
        obs.indicator("municipal_hotspots", year=2019)
    assert cli.main(["indicator", "municipal_hotspots", "--db", str(loaded_db), "-p", "fdr=0.5"]) == 2
    assert cli.main(["indicator", "municipal_hotspots", "--db", str(loaded_db), "-p", "permutations=10"]) == 2
    assert "fdr" in capsys.readouterr().err
