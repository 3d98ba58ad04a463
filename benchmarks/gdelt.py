"""GDELT benchmark: the portable cooperation_events indicator against a bare DuckDB scan of the same files.

    python benchmarks/gdelt.py [--rows 20000000] [--spark-rows 1000000] [--out bench_out]

Generates (once, then reuses) N events in the GDELT 2.0 export layout (61 tab-separated columns, no header, plain
files), then times in one run:

- bare:  DuckDB counting the rows of the same files (all columns as text): the scan rate to beat;
- usmx:  the cooperation_events indicator (Ibis expression) reading the files in place (``events=GLOB``): parse
         dates, filter the USA-MEX dyad, classify CAMEO codes, aggregate by month.

Both are warmed up once on a small file first (imports, Ibis compilation), so the timings compare scans. Prints
rows/s of each and their ratio (target: usmx >= 0.8 of the bare scan rate). Then runs the same indicator on
PySpark over the first ``--spark-rows`` events and checks that it equals DuckDB's result on those files.
"""

from __future__ import annotations

import argparse
import glob
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the test-only generators live in tests/


def generate(out: Path, rows: int, files: int) -> list[str]:
    from tests import synthetic

    folder = out / f"gdelt_{rows}"
    done = folder / "DONE"
    if not done.exists():
        t = time.perf_counter()
        synthetic.write_gdelt_events(folder, rows, months=120, files=files, compress=None)
        done.write_text(str(rows))
        print(
            f"generated {rows:,} events in {files} files "
            f"({sum(p.stat().st_size for p in folder.glob('*.CSV')) / 1e9:.2f} GB) in {time.perf_counter() - t:.0f} s",
            flush=True,
        )
    return sorted(glob.glob(str(folder / "*.export.CSV")))


def bare_count(files: list[str]) -> tuple[int, float]:
    import duckdb

    from usmx.sources import gdelt

    con = duckdb.connect()
    t = time.perf_counter()
    n = con.execute(
        "SELECT count(*) FROM read_csv(?, header=false, delim='\t', quote='', escape='', auto_detect=false, columns=?)",
        [files, dict.fromkeys(gdelt.columns(), "VARCHAR")],
    ).fetchone()[0]
    return n, time.perf_counter() - t


def usmx_indicator(obs, pattern: str, engine: str = "duckdb"):
    t = time.perf_counter()
    table = obs.indicator("cooperation_events", engine=engine, events=pattern)
    return table, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=20_000_000)
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--spark-rows", type=int, default=1_000_000, help="0 skips the Spark check")
    ap.add_argument("--out", type=Path, default=Path("bench_out"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from usmx import Observatory

    obs = Observatory(args.out / "gdelt_bench.duckdb")
    files = generate(args.out, args.rows, args.files)
    pattern = str(Path(files[0]).parent / "*.export.CSV")
    # warm both paths up once on a small file (imports, Ibis compilation), then time the full scan
    warm = generate(args.out, 10_000, 1)
    bare_count(warm)
    usmx_indicator(obs, str(Path(warm[0]).parent / "*.export.CSV"))
    n, bare_s = bare_count(files)
    table, usmx_s = usmx_indicator(obs, pattern)
    assert n == args.rows, (n, args.rows)
    print(f"   bare DuckDB count: {n:>12,} rows {bare_s:7.2f} s  {n / bare_s / 1e6:6.2f} M rows/s")
    print(
        f"usmx cooperation_events: {n:>12,} rows {usmx_s:7.2f} s  {n / usmx_s / 1e6:6.2f} M rows/s "
        f"({table.num_rows} months, {sum(table['dyad_events'].to_pylist()):,} USA-MEX events)"
    )
    print(f"usmx / bare scan rate: {bare_s / usmx_s:.2f}   (target >= 0.8)")
    if args.spark_rows:
        sfiles = generate(args.out, args.spark_rows, 2)
        spattern = str(Path(sfiles[0]).parent / "*.export.CSV")
        duck, _ = usmx_indicator(obs, spattern)
        spark, spark_s = usmx_indicator(obs, spattern, engine="pyspark")
        same = sorted(duck.to_pylist(), key=lambda r: r["period"]) == sorted(
            ({k: (round(v, 9) if isinstance(v, float) else v) for k, v in r.items()} for r in spark.to_pylist()),
            key=lambda r: r["period"],
        ) or _close(duck, spark)
        print(f"PySpark on {args.spark_rows:,} rows: {spark_s:.1f} s; equal to DuckDB: {same}")
        if not same:
            raise SystemExit("PySpark and DuckDB disagree")


def _close(a, b) -> bool:
    ra = sorted(a.to_pylist(), key=lambda r: r["period"])
    rb = sorted(b.to_pylist(), key=lambda r: r["period"])
    if len(ra) != len(rb):
        return False
    for x, y in zip(ra, rb):
        for k in x:
            if isinstance(x[k], float):
                if abs(x[k] - y[k]) > 1e-9 * max(1, abs(x[k])):
                    return False
            elif x[k] != y[k]:
                return False
    return True


if __name__ == "__main__":
    main()
