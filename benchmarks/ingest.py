"""Ingest benchmark: usmx against bare DuckDB and the usual pandas recipe, on a full-size SESNSP municipal file.

    python benchmarks/ingest.py [--years 10] [--out bench_out] [--pairs 3]

Generates (once, then reuses) a file in the official IDM_NM layout: every municipality in INEGI's catalogue x the 98
crime rows of the current methodology x N years, real names and codes, counts that add up to the real state totals
(see tests/synthetic.py). Then times, each in a fresh process so that peak memory is its own:

- usmx:   Observatory.ingest (hash, encoding check, parse, cell validation, named checks, raw-store copy, one
          transaction; the counts stored by year in twelve month columns, shown as long rows by the table's views);
- duckdb: CREATE TABLE AS SELECT * FROM read_csv(file) (wide, no validation, no reshaping): the floor;
- pandas: read_csv(thousands=',') + melt to long rows + period dates and padded codes: the recipe most
          analysts use, producing the same canonical columns (without any validation).

Runs are paired (each round runs every method once, alternating the order), and the medians of the per-round
ratios are printed with their range. Targets: usmx <= 1.8x bare DuckDB, >= 2x faster than pandas at <= half its
peak memory, warehouse <= 0.5x the CSV.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the test-only generators live in tests/

CHILD = {
    "usmx": """
import sys, time, resource, json
from usmx import Observatory
t = time.perf_counter()
(r,) = Observatory(sys.argv[2]).ingest(sys.argv[1])
dt = time.perf_counter() - t
print(json.dumps({"rows": r.rows, "seconds": dt, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""",
    "duckdb": """
import sys, time, resource, json, duckdb
t = time.perf_counter()
con = duckdb.connect(sys.argv[2])
con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, encoding='latin-1', thousands=',')", [sys.argv[1]])
rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
con.close()
dt = time.perf_counter() - t
print(json.dumps({"rows": rows, "seconds": dt, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""",
    "pandas": """
import sys, time, resource, json
import pandas as pd
t = time.perf_counter()
df = pd.read_csv(sys.argv[1], encoding="latin-1", thousands=",", dtype={"Clave_Ent": str, "Cve. Municipio": str})
months = list(df.columns[-12:])
long = df.melt(id_vars=list(df.columns[:-12]), value_vars=months, var_name="month", value_name="crimes")
long = long.dropna(subset=["crimes"])
# the same canonical columns usmx produces: a period date, zero-padded codes, integer counts
month_number = {m: i + 1 for i, m in enumerate(months)}
long["period"] = pd.to_datetime(dict(year=long["Año"], month=long["month"].map(month_number), day=1))
long["state_code"] = long["Clave_Ent"].str.zfill(2)
long["municipality_code"] = long["Cve. Municipio"].str.zfill(5)
long["crimes"] = long["crimes"].astype("int64")
dt = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": len(long), "seconds": dt, "rss_mb": rss}))
""",
}


def generate(out: Path, years: int) -> Path:
    from tests import synthetic

    path = out / f"IDM_NM_synthetic_{years}y.csv"
    if path.exists():
        return path
    tmp = path.with_suffix(".part")
    t = time.perf_counter()
    yrs = list(range(2025 - years, 2025))
    facts = synthetic.write_municipal_incidence(tmp, years=yrs, seed=2015, encoding="latin-1")
    tmp.rename(path)
    print(
        f"generated {path} ({path.stat().st_size / 1e6:,.0f} MB, {facts['rows']:,} rows) in "
        f"{time.perf_counter() - t:.0f} s",
        flush=True,
    )
    return path


def run(method: str, csv: Path, workdir: Path) -> dict:
    db = workdir / f"{method}.duckdb"
    for p in workdir.glob(f"{method}.duckdb*"):
        p.unlink()
    data = workdir / f"{method}_data"
    if data.exists():
        import shutil

        shutil.rmtree(data)
    res = subprocess.run([sys.executable, "-c", CHILD[method], str(csv), str(db)], capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"{method} failed:\n{res.stderr}")
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out["db_mb"] = db.stat().st_size / 1e6 if db.exists() else None
    return out


#: the table the municipal file is stored in
FACTS = "_core_sesnsp__municipal_crimes_monthly__facts"


def column_shares(db: Path) -> list[tuple[str, float]]:
    """Each stored column's share of the facts table's bytes, largest first, estimated from pragma_storage_info
    (a segment runs from its offset to the next segment's in the same block; a segment over several blocks counts
    them whole)."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            f"""WITH s AS (SELECT column_name, block_id, block_offset, len(additional_block_ids) AS more
                FROM pragma_storage_info('{FACTS}') WHERE persistent AND block_id >= 0),
            sized AS (SELECT column_name, more * 262144 + coalesce(lead(block_offset) OVER (PARTITION BY block_id
                ORDER BY block_offset), 262144) - block_offset AS bytes FROM s)
            SELECT column_name, sum(bytes) / (SELECT sum(bytes) FROM sized) FROM sized GROUP BY 1 ORDER BY 2 DESC"""
        ).fetchall()
    finally:
        con.close()
    return [(name, float(share)) for name, share in rows]


def ratios(a: list[dict], b: list[dict]) -> tuple[float, float, float]:
    """Median, min and max of a/b over paired runs (run i of a beside run i of b)."""
    r = sorted(x["seconds"] / y["seconds"] for x, y in zip(a, b))
    return statistics.median(r), r[0], r[-1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--out", type=Path, default=Path("bench_out"))
    ap.add_argument("--pairs", type=int, default=3, help="rounds of paired runs (each method once per round)")
    ap.add_argument("--skip-pandas", action="store_true")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    csv = generate(args.out, args.years)
    methods = ["duckdb", "usmx"] + ([] if args.skip_pandas else ["pandas"])
    runs: dict[str, list[dict]] = {m: [] for m in methods}
    # paired: every round runs each method once, back to back, so that a change in the machine's load touches
    # both sides of a ratio alike; the medians of the per-round ratios are reported, with their range
    for k in range(args.pairs):
        order = methods if k % 2 == 0 else list(reversed(methods))
        for m in order:
            r = run(m, csv, args.out)
            runs[m].append(r)
            print(
                f"round {k + 1} {m:>7}: {r['rows']:>12,} rows  {r['seconds']:7.2f} s  peak RSS {r['rss_mb']:7,.0f} MB",
                flush=True,
            )
    size = csv.stat().st_size / 1e6
    u = runs["usmx"]
    print(
        f"\nfile: {size:,.0f} MB; usmx loads {u[0]['rows']:,} observations, its views' long rows (bare DuckDB "
        f"{runs['duckdb'][0]['rows']:,} wide rows); {args.pairs} paired rounds"
    )
    med, lo, hi = ratios(u, runs["duckdb"])
    print(f"usmx / bare DuckDB time:  median {med:.2f}x (range {lo:.2f}-{hi:.2f})   target <= 1.8x")
    if "pandas" in runs:
        med, lo, hi = ratios(runs["pandas"], u)
        print(f"pandas / usmx time:       median {med:.2f}x (range {lo:.2f}-{hi:.2f})   target >= 2x")
        mem = statistics.median(x["rss_mb"] / y["rss_mb"] for x, y in zip(u, runs["pandas"]))
        print(f"usmx / pandas peak RSS:   median {mem:.2f}x   target <= 0.5x")
    print(f"usmx peak RSS:            median {statistics.median(r['rss_mb'] for r in u):,.0f} MB")
    db = statistics.median(r["db_mb"] for r in u)
    print(f"usmx warehouse:           {db:,.0f} MB = {db / size:.2f}x the CSV   target <= 0.5x")
    shares = column_shares(args.out / "usmx.duckdb")
    print("largest stored columns:   " + ", ".join(f"{n} {s:.0%}" for n, s in shares[:4]) + f" (of {len(shares)})")


if __name__ == "__main__":
    main()
