"""Composite indices with their uncertainty, following the JRC/OECD Handbook on Constructing Composite Indicators
(2008) and Saisana, Saltelli & Tarantola (2005): the index is computed under every combination of the choices its
builder had to make, and the spread of the results is reported rather than hidden.

Choices varied (the uncertainty factors):

- normalisation: ``banded`` (min-max to 1-5 with the top capped at the 95th percentile, as the Mexico Peace Index
  bands its indicators), ``zscore`` (standardised), or ``rank`` (percentile rank);
- aggregation: weighted ``arithmetic`` mean, or weighted ``geometric`` mean (of the scores re-banded to 1-5, so
  that a low score in one component is not fully compensated by the others);
- weights: each component's nominal weight times a factor drawn between 0.5 and 1.5, then renormalised.

The configurations are a Saltelli/Sobol' sample (SALib) of those factors, so the same runs give both the rank
intervals (5th and 95th percentile of each state's rank over all configurations) and the Sobol' first-order and
total indices of the output the JRC uses for rankings: the mean absolute shift of the states' ranks from the
nominal ranking. A dominance check (Paruolo, Saisana & Saltelli 2013) compares how much of the nominal index's
variance across states each component explains (squared correlation, normalised to shares): a share above one half
means one component drives the index whatever its weight says.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

NORMALISATIONS = ("banded", "zscore", "rank")
AGGREGATIONS = ("arithmetic", "geometric")
WEIGHT_RANGE = (0.5, 1.5)
BASE_SAMPLES = 128  # SALib base sample: (factors + 2) x 128 configurations (1,024 for four components)


def normalise(x: np.ndarray, how: str) -> np.ndarray:
    """Columns of ``x`` (states x components, higher is worse) scored by ``how``."""
    if how == "zscore":
        sd = x.std(axis=0)
        return (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1)
    if how == "rank":
        return (np.argsort(np.argsort(x, axis=0), axis=0) + 1) / x.shape[0]
    lo = x.min(axis=0)
    hi = np.percentile(x, 95, axis=0)
    span = np.where(hi > lo, hi - lo, 1)
    return 1 + 4 * np.clip((x - lo) / span, 0, 1)


def aggregate(scores: np.ndarray, weights: np.ndarray, how: str) -> np.ndarray:
    w = weights / weights.sum()
    if how == "geometric":
        banded = normalise(scores, "banded")
        return np.exp(np.log(banded) @ w)
    return scores @ w


def index(x: np.ndarray, weights: np.ndarray, normalisation: str = "banded", aggregation: str = "arithmetic"):
    return aggregate(normalise(x, normalisation), weights, aggregation)


def ranks(values: np.ndarray, ascending: bool) -> np.ndarray:
    """Rank 1 = the lowest value when ``ascending`` (most peaceful), else the highest (most captured)."""
    order = values if ascending else -values
    return np.argsort(np.argsort(order, axis=-1), axis=-1) + 1


@dataclass
class Uncertainty:
    value: np.ndarray  # the nominal index per state
    rank: np.ndarray
    rank_low: np.ndarray
    rank_high: np.ndarray
    configurations: int
    sobol_first: dict[str, float]
    sobol_total: dict[str, float]
    component_shares: dict[str, float]
    dominant: str | None
    factors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "configurations": self.configurations,
            "output": "mean absolute shift of the states' ranks from the nominal ranking",
            "factors": self.factors,
            "sobol_first": self.sobol_first,
            "sobol_total": self.sobol_total,
            "component_shares": self.component_shares,
            "dominant_component": self.dominant,
        }


def uncertainty(
    x: np.ndarray, weights: np.ndarray, names: list[str], *, ascending: bool, base: int = BASE_SAMPLES, seed: int = 0
) -> Uncertainty:
    """The nominal index (banded, arithmetic, nominal weights), rank intervals and Sobol' indices over the choices.

    ``x``: states x components (higher is worse); ``weights``: nominal; ``names``: the components."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    value = index(x, weights)
    nominal = ranks(value, ascending)
    factors = ["normalisation", "aggregation", *(f"weight_{n}" for n in names)]
    problem = {
        "num_vars": len(factors),
        "names": factors,
        "bounds": [[0, len(NORMALISATIONS)], [0, len(AGGREGATIONS)], *([list(WEIGHT_RANGE)] * len(names))],
    }
    sample = sobol_sample.sample(problem, base, calc_second_order=False, seed=seed)
    all_ranks = np.empty((len(sample), x.shape[0]), dtype=int)
    shift = np.empty(len(sample))
    for i, row in enumerate(sample):
        norm = NORMALISATIONS[min(int(row[0]), len(NORMALISATIONS) - 1)]
        agg = AGGREGATIONS[min(int(row[1]), len(AGGREGATIONS) - 1)]
        r = ranks(index(x, weights * row[2:], norm, agg), ascending)
        all_ranks[i] = r
        shift[i] = np.abs(r - nominal).mean()
    if shift.std() > 0:
        si = sobol_analyze.analyze(problem, shift, calc_second_order=False, seed=seed)
    else:  # no choice moves any rank: nothing to apportion
        si = {"S1": np.zeros(len(factors)), "ST": np.zeros(len(factors))}
    scores = normalise(x, "banded")
    r2 = np.array([np.corrcoef(scores[:, j], value)[0, 1] ** 2 if scores[:, j].std() > 0 else 0.0
                   for j in range(len(names))])  # fmt: skip
    shares = r2 / r2.sum() if r2.sum() > 0 else r2
    dominant = names[int(np.argmax(shares))] if shares.max() > 0.5 else None
    return Uncertainty(
        value,
        nominal,
        np.percentile(all_ranks, 5, axis=0),
        np.percentile(all_ranks, 95, axis=0),
        len(sample),
        {f: float(v) for f, v in zip(factors, si["S1"], strict=True)},
        {f: float(v) for f, v in zip(factors, si["ST"], strict=True)},
        {n: float(s) for n, s in zip(names, shares, strict=True)},
        dominant,
        factors,
    )
