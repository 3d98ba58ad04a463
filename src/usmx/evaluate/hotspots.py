"""Municipal hot spots: empirical-Bayes smoothed rates and local Moran's I (LISA) with a false-discovery correction.

Small populations make raw rates noisy: a municipality of 800 people with one homicide has a rate of 125 per 100,000
and would top any ranking. Two standard corrections, both from PySAL's ``esda``:

- **empirical-Bayes smoothing** (``esda.smoothing.Empirical_Bayes``; Marshall 1991): each rate is pulled towards
  the overall rate in proportion to how little population stands behind it, so that a ranking by the smoothed rate
  is not led by noise;
- **local Moran's I on the EB-standardised rate** (``esda.Moran_Local_Rate``, Assunção and Reis 1999, as GeoDa's
  "LISA with EB rate"), with conditional-permutation p-values. A municipality is a *hot spot* when it and its
  neighbours are high (quadrant HH), a *cold spot* when both are low (LL), an *outlier* when it differs from its
  neighbours (HL, LH). The p-value is esda's directed (folded) pseudo p-value, as GeoDa reports it. Thousands of
  municipalities are tested at once, so p-values are corrected with Benjamini-Hochberg at the false-discovery rate
  given (statsmodels' ``multipletests``). The permutations bound the smallest p-value (1 / (permutations + 1)):
  with 999 and 2,443 municipalities no fewer than 49 units at that floor could pass a 5% FDR, so the default is
  9,999.

Neighbours share a border: two municipalities are contiguous when their TopoJSON polygons share an arc (TopoJSON
stores each shared border once). A municipality with no neighbour (an island) or no population cannot be assessed
and says so.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

#: quadrant of the Moran scatterplot (esda's q): the unit's standardised rate and its neighbours' (High or Low)
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
#: the cluster a significant unit of each quadrant forms
CLUSTERS = {1: "hot", 2: "low_high", 3: "cold", 4: "high_low"}


def contiguity(topology: dict[str, Any], feature: str) -> dict[str, list[str]]:
    """Rook contiguity from a TopoJSON object: ``{id: [ids sharing an arc with it]}``, from ``properties.id`` (or
    ``id``) of each polygon or multipolygon of ``topology['objects'][feature]``."""
    owners: dict[int, set[str]] = {}
    ids: list[str] = []
    for g in topology["objects"][feature]["geometries"]:
        gid = str((g.get("properties") or {}).get("id", g.get("id")))
        ids.append(gid)
        for arc in _arcs(g.get("arcs") or []):
            owners.setdefault(arc if arc >= 0 else ~arc, set()).add(gid)
    out: dict[str, set[str]] = {gid: set() for gid in ids}
    for shared in owners.values():
        for a in shared:
            out[a] |= shared - {a}
    return {k: sorted(v) for k, v in out.items()}


def _arcs(nested: Any) -> Iterable[int]:
    if isinstance(nested, int):
        yield nested
        return
    for item in nested:
        yield from _arcs(item)


@dataclass
class Hotspots:
    """One row per unit: EB rate, LISA statistic, p-value, FDR q-value and cluster; plus what was assessed."""

    rows: list[dict[str, Any]]
    fdr: float
    permutations: int
    assessed: int
    not_assessed: int


def hotspots(
    codes: list[str],
    events: np.ndarray,
    population: np.ndarray,
    neighbours: dict[str, list[str]],
    *,
    permutations: int = 9999,
    fdr: float = 0.05,
    seed: int = 0,
    per: float = 100_000.0,
) -> Hotspots:
    """Empirical-Bayes rates and LISA clusters of ``events`` over ``population`` (the same units as ``codes``),
    ``per`` inhabitants. Units with no population, or no neighbour among the assessable units, are not assessed."""
    import libpysal
    from esda import Moran_Local_Rate
    from esda.smoothing import Empirical_Bayes
    from statsmodels.stats.multitest import multipletests

    events = np.asarray(events, dtype=float)
    population = np.asarray(population, dtype=float)
    ok = np.isfinite(population) & (population > 0) & np.isfinite(events)
    keep = [c for c, good in zip(codes, ok) if good]
    kept = set(keep)
    graph = {c: [n for n in neighbours.get(c, []) if n in kept] for c in keep}
    linked = [c for c in keep if graph[c]]
    index = {c: i for i, c in enumerate(codes)}
    rows = {c: _row(c, events[index[c]], population[index[c]], per) for c in codes}
    for c in codes:
        if c not in kept:
            rows[c]["cluster"] = "not_assessed"
            rows[c]["why"] = "no population"
        elif not graph[c]:
            rows[c]["cluster"] = "not_assessed"
            rows[c]["why"] = "no neighbour"
    if keep:  # smoothed towards the overall rate of every unit with a population
        e = np.array([events[index[c]] for c in keep])
        b = np.array([population[index[c]] for c in keep])
        eb = Empirical_Bayes(e.reshape(-1, 1), b.reshape(-1, 1)).r.ravel() * per
        for i, c in enumerate(keep):
            rows[c]["eb_rate"] = float(eb[i])
    if len(linked) >= 3:
        e = np.array([events[index[c]] for c in linked])
        b = np.array([population[index[c]] for c in linked])
        w = libpysal.weights.W({c: graph[c] for c in linked}, id_order=linked, silence_warnings=True)
        with warnings.catch_warnings():  # esda announces a change of default; usmx states its choice (directed)
            warnings.simplefilter("ignore", DeprecationWarning)
            lisa = Moran_Local_Rate(
                e, b, w, adjusted=True, permutations=permutations, seed=seed, keep_simulations=False
            )
        q = multipletests(lisa.p_sim, alpha=fdr, method="fdr_bh")[1]
        for i, c in enumerate(linked):
            significant = q[i] <= fdr
            rows[c].update(
                local_i=float(lisa.Is[i]),
                quadrant=QUADRANTS[int(lisa.q[i])],
                p_value=float(lisa.p_sim[i]),
                q_value=float(q[i]),
                cluster=CLUSTERS[int(lisa.q[i])] if significant else "not_significant",
                why=None,
            )
    return Hotspots(
        [rows[c] for c in codes], fdr, permutations, assessed=len(linked), not_assessed=len(codes) - len(linked)
    )


def _row(code: str, events: float, population: float, per: float) -> dict[str, Any]:
    raw = events / population * per if population and np.isfinite(population) and population > 0 else None
    return {
        "code": code,
        "events": float(events),
        "population": float(population) if np.isfinite(population) else None,
        "raw_rate": raw,
        "eb_rate": None,
        "local_i": None,
        "quadrant": None,
        "p_value": None,
        "q_value": None,
        "cluster": None,
        "why": None,
    }
