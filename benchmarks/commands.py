"""How long the everyday commands take, as a user runs them, against their targets and a baseline.

    python benchmarks/commands.py [--pairs 3] [--out bench_out]

Runs each command as a subprocess through the installed ``usmx`` console script (the interpreter it was installed
for, not a shell shim), in pairs with its baseline (A B A B ..., median of the pairs), and prints the median time,
the target and the ratio to the baseline measured in the same run:

- ``usmx --help`` and ``usmx version`` (target 0.5 s) against bare ``python -c pass``;
- ``usmx demo`` on a fresh folder (target 15 s: load the bundled files and write the report) against DuckDB alone
  reading the same bundled files (the floor for loading them);
- ``usmx report`` on the demo warehouse (target 8 s) and ``usmx evaluate its`` (target 5 s) against
  ``usmx version`` (the cost of starting the command at all).

Exits 1 if a median misses its target.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGETS = {"usmx --help": 0.5, "usmx version": 0.5, "usmx demo": 15.0, "usmx report": 8.0, "usmx evaluate its": 5.0}


def _usmx() -> str:
    """The console script next to this interpreter (pyenv and similar shims add their own start-up time)."""
    here = Path(sys.executable).parent / "usmx"
    return str(here) if here.exists() else (shutil.which("usmx") or "usmx")


def timed(cmd: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed


def bare_load(cwd: Path) -> list[str]:
    """DuckDB alone reading every bundled file once (no checks, no provenance): the floor under `usmx demo`."""
    code = (
        "import duckdb, glob\n"
        "from importlib import resources\n"
        "root = str(resources.files('usmx') / 'data')\n"
        "con = duckdb.connect('bare.duckdb')\n"
        "for i, f in enumerate(sorted(glob.glob(root + '/*/*.csv*'))):\n"
        "    con.execute(f\"CREATE OR REPLACE TABLE t{i} AS SELECT * FROM read_csv('{f}', all_varchar=true, "
        "header=true, ignore_errors=true, encoding='latin-1')\")\n"
    )
    return [sys.executable, "-c", code]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("bench_out/commands"))
    args = ap.parse_args()
    usmx = _usmx()
    args.out.mkdir(parents=True, exist_ok=True)
    work = args.out.resolve()
    # one demo first: the warehouse and the report's cache that `report` and `evaluate its` then use
    demo_dir = work / "demo"
    shutil.rmtree(demo_dir, ignore_errors=True)
    demo_dir.mkdir()
    timed([usmx, "demo"], demo_dir)

    def fresh_demo() -> float:
        d = work / "fresh"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
        return timed([usmx, "demo"], d)

    def bare() -> float:
        d = work / "bare"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
        return timed(bare_load(d), d)

    def cmd(*argv: str, cwd: Path = work):
        return lambda: timed([*argv], cwd)

    python = cmd(sys.executable, "-c", "pass")
    version = cmd(usmx, "version", cwd=demo_dir)
    cases = [
        ("usmx --help", cmd(usmx, "--help"), "python -c pass", python),
        ("usmx version", cmd(usmx, "version"), "python -c pass", python),
        ("usmx demo", fresh_demo, "DuckDB reading the files", bare),
        ("usmx report", cmd(usmx, "report", "-o", "r.html", cwd=demo_dir), "usmx version", version),
        ("usmx evaluate its", cmd(usmx, "evaluate", "its", cwd=demo_dir), "usmx version", version),
    ]
    print(f"{'command':20} {'median':>8} {'target':>7}  {'baseline':26} {'median':>8} {'ratio':>7}  pairs")
    missed = []
    for name, run, base_name, base in cases:
        a, b = [], []
        for _ in range(args.pairs):
            a.append(run())
            b.append(base())
        ma, mb = statistics.median(a), statistics.median(b)
        ok = ma <= TARGETS[name]
        if not ok:
            missed.append(name)
        pairs = " ".join(f"{x:.2f}/{y:.2f}" for x, y in zip(a, b))
        print(
            f"{name:20} {ma:>7.2f}s {TARGETS[name]:>6.1f}s  {base_name:26} {mb:>7.2f}s {ma / mb:>6.2f}x  {pairs}"
            + ("" if ok else "  MISSED"),
            flush=True,
        )
    print("all targets met" if not missed else f"missed: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
