"""Synthetic control: a weighted average of other states that tracks the treated state before the intervention.

Weights are non-negative and sum to one, chosen to minimise the squared gap between the treated state's outcome and
the weighted donors over the pre-period (outcome path as the only predictor; Abadie, Diamond and Hainmueller 2010).
Inference is placebo-in-space: every donor is treated in turn with the rest as its pool, and the treated state's
ratio of post- to pre-period RMSPE is ranked among them (p = rank / number of units). Placebos whose pre-period fit
is more than ``max_pre_rmspe_ratio`` times worse than the treated state's are left out, as is customary, and
counted in the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import UsmxError
from ._months import month_start
from ._threads import limited

ASSUMPTIONS = (
    "Without the intervention the treated state would have followed the same weighted combination of donor states "
    "as before it; no donor was affected by the intervention or by spillovers from it; the pre-period fit is good "
    "(check the pre-period RMSPE). With a national strategy every state is treated, so a synthetic control can only "
    "speak to a state-specific intervention or to a state treated differently from the others."
)


@dataclass
class SynthResult:
    treated: str
    intervention: pd.Timestamp
    weights: dict[str, float]
    series: pd.DataFrame  # index month: treated, synthetic, gap
    effect_pct: float
    avg_gap: float
    pre_rmspe: float
    post_rmspe: float
    placebo: pd.DataFrame  # unit, pre_rmspe, post_rmspe, ratio, included
    p_value: float | None
    rank: int | None
    assumptions: str = ASSUMPTIONS
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        ser = self.series.reset_index().rename(columns={"index": "period"})
        ser["period"] = ser["period"].dt.date.astype(str)
        return {
            "treated": self.treated,
            "intervention": str(self.intervention.date()),
            "weights": {k: v for k, v in sorted(self.weights.items(), key=lambda kv: -kv[1]) if v > 1e-4},
            "effect_pct": self.effect_pct,
            "avg_gap": self.avg_gap,
            "pre_rmspe": self.pre_rmspe,
            "post_rmspe": self.post_rmspe,
            "p_value": self.p_value,
            "rank": self.rank,
            "placebo_units": int(self.placebo["included"].sum()),
            "assumptions": self.assumptions,
            "notes": self.notes,
            "series": ser.to_dict(orient="records"),
        }


def _weights(y1: np.ndarray, y0: np.ndarray) -> np.ndarray:
    from scipy.optimize import minimize

    k = y0.shape[1]
    scale = float(np.mean(y1**2)) or 1.0

    def loss(w):
        r = y1 - y0 @ w
        return float(r @ r) / scale

    def grad(w):
        return -2 * (y0.T @ (y1 - y0 @ w)) / scale

    res = minimize(
        loss,
        np.full(k, 1.0 / k),
        jac=grad,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * k,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones(k)}],
        options={"maxiter": 500, "ftol": 1e-12},
    )
    w = np.clip(res.x, 0, None)
    return w / w.sum()


def _fit(panel: pd.DataFrame, treated: str, donors: list[str], t0: pd.Timestamp):
    pre = panel.index < t0
    y1 = panel[treated].to_numpy()
    y0 = panel[donors].to_numpy()
    w = _weights(y1[pre], y0[pre])
    synth = y0 @ w
    gap = y1 - synth
    pre_rmspe = float(np.sqrt(np.mean(gap[pre] ** 2)))
    post_rmspe = float(np.sqrt(np.mean(gap[~pre] ** 2)))
    return w, synth, gap, pre_rmspe, post_rmspe


@limited
def synthetic_control(
    panel: pd.DataFrame,
    treated: str,
    intervention,
    *,
    donors: list[str] | None = None,
    placebo: bool = True,
    max_pre_rmspe_ratio: float = 5.0,
) -> SynthResult:
    """Synthetic control for ``treated`` (a column of ``panel``: months x units) from ``intervention`` on."""
    if treated not in panel.columns:
        raise UsmxError(f"{treated!r} is not a unit of the panel ({', '.join(map(str, panel.columns))}).")
    panel = panel.sort_index().asfreq("MS")
    if panel.isna().any().any():
        bad = panel.columns[panel.isna().any()].tolist()
        raise UsmxError(f"the panel has gaps for {bad[:5]}; synthetic control needs complete series.")
    t0 = month_start(intervention)
    pre_n = int((panel.index < t0).sum())
    if pre_n < 12 or t0 > panel.index[-1]:
        raise UsmxError("the intervention must leave at least 12 pre-period months and one post-period month.")
    donors = [d for d in (donors or panel.columns) if d != treated]
    w, synth, gap, pre_r, post_r = _fit(panel, treated, donors, t0)
    post = panel.index >= t0
    y1 = panel[treated].to_numpy()
    effect = (y1[post].sum() / synth[post].sum() - 1) * 100 if synth[post].sum() else float("nan")
    rows = [
        {
            "unit": treated,
            "pre_rmspe": pre_r,
            "post_rmspe": post_r,
            "ratio": post_r / pre_r if pre_r else np.inf,
            "included": True,
        }
    ]
    if placebo:
        for d in donors:
            pool = [x for x in donors if x != d]
            _, _, _, pr, po = _fit(panel, d, pool, t0)
            rows.append(
                {
                    "unit": d,
                    "pre_rmspe": pr,
                    "post_rmspe": po,
                    "ratio": po / pr if pr else np.inf,
                    "included": pr <= max_pre_rmspe_ratio * pre_r,
                }
            )
    plac = pd.DataFrame(rows)
    inc = plac[plac["included"]]
    rank = int((inc["ratio"] >= plac.loc[0, "ratio"]).sum()) if placebo else None
    p = rank / len(inc) if rank is not None else None
    notes = []
    if placebo:
        notes.append(
            f"{int((~plac['included']).sum())} placebo units left out for a pre-period fit more than "
            f"{max_pre_rmspe_ratio:g} times worse than the treated unit's"
        )
    series = pd.DataFrame({"treated": y1, "synthetic": synth, "gap": gap}, index=panel.index)
    return SynthResult(
        treated,
        t0,
        dict(zip(donors, map(float, w))),
        series,
        float(effect),
        float(gap[post].mean()),
        pre_r,
        post_r,
        plac,
        p,
        rank,
        notes=notes,
    )
