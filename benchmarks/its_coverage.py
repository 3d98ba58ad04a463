"""Simulation study of the interrupted-time-series interval: coverage and power per family of series.

    python benchmarks/its_coverage.py [--seeds 100] [--sims 1000]

For each family in ``tests.synthetic.ITS_FAMILIES`` (flat, linear, exponential and damped trends; low-count Poisson,
overdispersed and AR(1) noise; 60 months before the intervention, 18 after) and each planted effect (0, -10%,
-20%), fits :func:`usmx.evaluate.interrupted_time_series` on ``--seeds`` seeded series and prints:

- coverage: the share of 95% intervals that contain the true effect (target: >= 0.90 in every family);
- detected: the share whose interval excludes zero (with no effect: the false-positive rate);
- width: the mean width of the interval, in percentage points;
- bias: the mean point estimate minus the truth.

Also prints the median time of one full evaluation (state-space check and placebos included) on one series.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the test-only generators live in tests/


def main() -> int:
    from tests.synthetic import ITS_FAMILIES, its_series

    from usmx.evaluate import interrupted_time_series

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--sims", type=int, default=1000)
    args = ap.parse_args()
    print(f"{'family':14} {'effect':>7} {'coverage':>9} {'detected':>9} {'width':>7} {'bias':>7}")
    worst = 1.0
    for family in ITS_FAMILIES:
        for effect in (0.0, -0.10, -0.20):
            cover = detect = 0
            widths, errors = [], []
            for seed in range(args.seeds):
                s = its_series(family, seed, effect=effect)
                r = interrupted_time_series(
                    s, s.index[60], sims=args.sims, seed=seed, placebo=False, second_model=False
                )
                lo, hi = r.effect_pct_ci
                cover += lo <= effect * 100 <= hi
                detect += not lo <= 0 <= hi
                widths.append(hi - lo)
                errors.append(r.effect_pct - effect * 100)
            n = args.seeds
            worst = min(worst, cover / n)
            print(
                f"{family:14} {effect * 100:>6.0f}% {cover / n:>9.2f} {detect / n:>9.2f} "
                f"{statistics.mean(widths):>7.1f} {statistics.mean(errors):>+7.1f}",
                flush=True,
            )
    print(f"lowest coverage of any family and effect: {worst:.2f} (target >= 0.90)")
    s = its_series("damped", 0, effect=-0.1)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        interrupted_time_series(s, s.index[60])
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    print(f"one full evaluation (2,000 simulations, state-space check, placebos): {median:.2f} s median")
    return 0 if worst >= 0.90 else 1


if __name__ == "__main__":
    raise SystemExit(main())
