"""Hot spots on worlds where the truth is known: a planted cluster is found, a null map gives none at the stated
false-discovery rate, and empirical Bayes matches Marshall's formula computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from usmx import catalog
from usmx.evaluate.hotspots import contiguity, hotspots

N = 30  # a 30 x 30 lattice of "municipalities"


def _lattice() -> dict[str, list[str]]:
    out = {}
    for r in range(N):
        for c in range(N):
            out[f"{r * N + c}"] = [f"{rr * N + cc}" for rr, cc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1))
                                   if 0 <= rr < N and 0 <= cc < N]  # fmt: skip
    return out


CODES = [str(i) for i in range(N * N)]
BLOCK = {r * N + c for r in range(10, 15) for c in range(10, 15)}  # 25 cells in the middle


def _world(seed: int, relative_risk: float, base: float = 20e-5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    population = rng.integers(2_000, 200_000, N * N).astype(float)
    risk = np.full(N * N, base)
    risk[list(BLOCK)] *= relative_risk
    return rng.poisson(risk * population).astype(float), population


@pytest.mark.parametrize("seed", range(5))
def test_a_planted_cluster_is_found_and_little_else(seed):
    events, population = _world(seed, relative_risk=3.0)
    found = hotspots(CODES, events, population, _lattice(), seed=seed)
    hot = {int(r["code"]) for r in found.rows if r["cluster"] == "hot"}
    assert len(hot & BLOCK) >= 15, f"found {len(hot & BLOCK)} of 25 planted cells"
    # discoveries outside the block: only its immediate neighbours (a neighbour of a hot block is high-lagged), and
    # few of those
    outside = {int(r["code"]) for r in found.rows if r["cluster"] not in ("not_significant",)} - BLOCK
    assert len(outside) <= 0.05 * len(hot | outside) + 6, outside


@pytest.mark.parametrize("seed", range(8))
def test_a_null_map_has_no_more_discoveries_than_the_false_discovery_rate_allows(seed):
    """Constant risk everywhere: every discovery is false. At FDR 5% the expected share of false discoveries among
    discoveries is at most 5%; with no true signal that means almost always none at all."""
    events, population = _world(100 + seed, relative_risk=1.0)
    found = hotspots(CODES, events, population, _lattice(), seed=seed)
    false = [r for r in found.rows if r["cluster"] != "not_significant"]
    assert len(false) <= 2, [(r["code"], r["q_value"]) for r in false]


def test_across_null_maps_the_family_wise_error_stays_near_the_stated_rate():
    """Over 40 null maps, the share with any discovery (which BH bounds by the FDR under the null) stays under
    15%: a rule that fires on a null would light up most of them."""
    fired = 0
    for seed in range(40):
        events, population = _world(1_000 + seed, relative_risk=1.0)
        found = hotspots(CODES, events, population, _lattice(), permutations=199, seed=seed, fdr=0.05)
        fired += any(r["cluster"] != "not_significant" for r in found.rows)
    assert fired <= 6, f"{fired} of 40 null maps had a discovery"


def test_empirical_bayes_matches_marshalls_formula_and_tames_small_populations():
    events, population = _world(7, relative_risk=1.0)
    population[0], events[0] = 300.0, 3.0  # 1,000 per 100,000 from three deaths among 300 people
    found = hotspots(CODES, events, population, _lattice(), permutations=99)
    # Marshall (1991), global EB: m = sum e / sum b; s2 = sum b (x - m)^2 / sum b - m / mean b; w = s2 / (s2 + m/b)
    x = events / population
    m = events.sum() / population.sum()
    s2 = (population * (x - m) ** 2).sum() / population.sum() - m / population.mean()
    w = s2 / (s2 + m / population)
    expected = (w * x + (1 - w) * m) * 100_000
    got = np.array([r["eb_rate"] for r in found.rows])
    assert got == pytest.approx(expected, rel=1e-9)
    raw_top = max(found.rows, key=lambda r: r["raw_rate"])
    eb_rank = sorted(found.rows, key=lambda r: -r["eb_rate"]).index(found.rows[0])
    assert raw_top["code"] == "0" and eb_rank > 10  # first by its raw rate, not near the top once smoothed


def test_units_without_population_or_neighbours_are_not_assessed_and_say_why():
    events, population = _world(3, relative_risk=1.0)
    population[5] = np.nan
    graph = _lattice()
    graph["899"] = []  # a corner cut off from the others
    for k in graph:
        graph[k] = [n for n in graph[k] if n != "899"]
    found = hotspots(CODES, events, population, graph, permutations=99)
    rows = {r["code"]: r for r in found.rows}
    assert (rows["5"]["cluster"], rows["5"]["why"]) == ("not_assessed", "no population")
    assert (rows["899"]["cluster"], rows["899"]["why"]) == ("not_assessed", "no neighbour")
    assert found.assessed == N * N - 2 and found.not_assessed == 2


def test_contiguity_from_shared_arcs():
    """Three squares in a row share the arcs between them (TopoJSON writes a shared border once, reversed as ~i)."""
    topology = {
        "objects": {
            "m": {
                "geometries": [
                    {"type": "Polygon", "properties": {"id": "a"}, "arcs": [[0, 1]]},
                    {"type": "Polygon", "properties": {"id": "b"}, "arcs": [[~1, 2, 3]]},
                    {"type": "MultiPolygon", "properties": {"id": "c"}, "arcs": [[[~3, 4]], [[5]]]},
                    {"type": "Polygon", "properties": {"id": "island"}, "arcs": [[6]]},
                ]
            }
        }
    }
    assert contiguity(topology, "m") == {"a": ["b"], "b": ["a", "c"], "c": ["b"], "island": []}


def test_the_municipal_map_links_every_municipality():
    graph = contiguity(catalog.topology("mx_municipalities"), "municipios")
    assert len(graph) == 2457
    assert all(graph[k] for k in graph)  # the simplified borders leave no municipality alone
    assert all(k in graph[n] for k, v in graph.items() for n in v)  # symmetric
    # Culiacán (25006) borders Navolato (25018); Tijuana (02004) borders Tecate (02003) and Rosarito (02005)
    assert "25018" in graph["25006"] and {"02003", "02005"} <= set(graph["02004"])
