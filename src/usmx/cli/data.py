"""Commands that load and read the warehouse: ingest, tables, sql, loads, demo, version."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Annotated

import typer

from .. import catalog
from .._version import __version__
from ..errors import UsmxError
from ._output import (
    DbOption,
    Format,
    FormatOption,
    OutputOption,
    Reporter,
    emit,
    observatory,
    out,
    print_aligned,
    print_loads,
    write_text,
)


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Official files (CSV, optionally .gz/.bz2/.zip).")],
    kind: Annotated[
        str | None,
        typer.Option(help="Skip detection and read the files as this kind: " + ", ".join(catalog.file_kinds()) + "."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Load official files into the warehouse (the kind is detected from each file's header).

    Each file is one transaction: a file that fails a check loads nothing, and files before it stay loaded.
    A file already loaded (same sha256) is skipped.
    """
    obs = observatory(db)
    # one command, one connection: the next files are parsed while one is written; each is printed as it lands
    with Reporter(paths[0].name if len(paths) == 1 else "ingest") as rep:
        obs.ingest(*paths, kind=kind, progress=rep, on_loaded=lambda r: print_loads([r]))


def tables(
    format: FormatOption = Format.table,
    output: OutputOption = None,
    db: DbOption = None,
) -> None:
    """List the warehouse's tables and views with row counts."""
    import pyarrow as pa

    infos = observatory(db).tables()
    rows = [{"name": i.name, "type": i.type, "rows": i.rows, "description": i.description} for i in infos]
    emit(pa.Table.from_pylist(rows), format, output)


def sql(
    query: Annotated[str, typer.Argument(help="One read-only statement (SELECT/WITH/EXPLAIN).")],
    format: FormatOption = Format.table,
    output: OutputOption = None,
    db: DbOption = None,
) -> None:
    """Run a read-only SQL query against the warehouse. Statements that write are refused."""
    emit(observatory(db).sql(query), format, output)


def loads(
    db: DbOption = None,
    format: FormatOption = Format.table,
    output: OutputOption = None,
    history: Annotated[
        bool, typer.Option("--history", help="Also superseded and unloaded loads, with status.")
    ] = False,
) -> None:
    """Show the load ledger: every file loaded, its sha256, vintage, rows and whether it is current."""
    import pyarrow as pa

    ledger = observatory(db).loads(history=history).to_pylist()
    rows = [
        {
            "load_id": r["load_id"],
            "kind": r["kind"],
            "vintage": f"{r['vintage']:%Y-%m}" if r["vintage"] else None,
            "rows": r["row_count"],
            "current": r["status"] if history else ("yes" if r["is_current"] else "no"),
            "sha256": r["sha256"][:12],
            "loaded_at": f"{r['loaded_at']:%Y-%m-%d %H:%M}",
            "file_name": r["file_name"],
        }
        for r in sorted(ledger, key=lambda r: r["load_id"])
    ]
    empty = "no file has been loaded yet (`usmx ingest FILE`, `usmx fetch NAME` or `usmx demo`)."
    table = pa.Table.from_pylist(rows) if rows else pa.table({"load_id": pa.array([], pa.int64())})
    emit(table, format, output, empty=empty)


def demo(
    db: DbOption = None,
    report_path: Annotated[
        Path | None,
        typer.Option("--report", help="Where to write the report (default: usmx-report.html beside the warehouse)."),
    ] = None,
) -> None:
    """Build a warehouse offline from the real samples bundled with usmx, print what it holds, write the report."""
    import pyarrow as pa

    from ..report.workers import Workers, default_count

    obs = observatory(db)
    t0 = time.perf_counter()
    out.print(f"[bold]usmx demo[/]: loading the bundled official samples into {obs.db}")
    count = default_count()
    # the report's workers start now and import their libraries while this process loads the files
    with Workers(count) if count else contextlib.nullcontext() as workers:
        with Reporter("demo") as rep:
            results = obs.demo(progress=rep)
        loaded = sum(r.status == "loaded" for r in results)
        out.print(f"{loaded} files loaded, {len(results) - loaded} already there, {time.perf_counter() - t0:.1f} s.")
        print_aligned(
            pa.Table.from_pylist(
                [
                    {
                        "table": s.table,
                        "rows": s.rows,
                        "periods": f"{s.period_min:%Y-%m} … {s.period_max:%Y-%m}" if s.period_min else "-",
                        "current vintage": ", ".join(s.vintages) or "-",
                    }
                    for s in obs.summary()
                ]
            )
        )
        path = report_path or obs.db.parent / "usmx-report.html"
        with Reporter("report") as rep:
            rep("computing indicators and rendering charts", None, None)
            data = obs.report_data(workers=workers or 0)
            obs.report(path, "both", workers=workers or 0)
    head = data.headline
    if head:
        h = head[0]
        out.print(
            f"\nLatest: [bold]{h['latest_value']:.1f}[/] intentional homicide victims per day in "
            f"{h['latest_period']:%B %Y} ({h['value']:+.1f}% against {h['reference']}).",
            highlight=False,
        )
    out.print(f"\nReport (Spanish and English, works offline): [bold]{path.resolve()}[/]", highlight=False)
    out.print("Next: [bold]usmx indicators[/], [bold]usmx tables[/], [bold]usmx loads[/], or for example:")
    out.print(
        '  usmx sql "SELECT period, sum(victims) AS victims FROM core_sesnsp__state_victims_monthly '
        "WHERE crime_subtype = 'Homicidio doloso' GROUP BY ALL ORDER BY period DESC LIMIT 12\"",
        highlight=False,
    )


def status(
    lang: Annotated[str, typer.Option(help="es or en: the language of the status words and the notes.")] = "en",
    format: FormatOption = Format.table,
    output: OutputOption = None,
    db: DbOption = None,
) -> None:
    """How current each source is: per core table, the newest period loaded, the newest its publisher should have
    released by today (cadence and lag in catalog/releases.yaml), the months between, and a status: current, ended,
    due (one release behind), stale (more), not judged, not loaded. Exits 0 whatever the status (scripts read the
    status column, or --format json)."""
    import json

    import pyarrow as pa

    from .. import i18n

    if lang not in ("es", "en"):
        raise UsmxError(f"--lang must be es or en; got {lang!r}.")
    rows = observatory(db).status(lang)
    if format is Format.json:
        write_text(json.dumps(rows, indent=1, ensure_ascii=False), output)
        return
    if format is Format.table:  # for people: the words of the language asked for, headers included
        keys = ("source", "table", "status", "latest", "expected", "months_behind", "vintage", "files", "label", "note")
        rows = [
            {(i18n.t(f"status_{k}", lang) if lang == "es" else k):
             (i18n.t(f"status_{r['status']}", lang) if k == "status" else r[k]) for k in keys}
            for r in rows
        ]  # fmt: skip
    emit(pa.Table.from_pylist(rows), format, output)


def unload(
    load_id: Annotated[int, typer.Argument(help="The load to revert (see `usmx loads`).")],
    db: DbOption = None,
) -> None:
    """Revert a load: its rows leave the warehouse and older releases take its place; the raw file is kept."""
    record = observatory(db).unload(load_id)
    out.print(
        f"unloaded load {load_id} ({record['kind']}, {record['row_count']:,} rows, {record['file_name']}); the raw "
        f"file stays at {record['raw_path']}. `usmx loads --history` lists it.",
        highlight=False,
    )


def snapshot(
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="A new or empty folder, or a snapshot usmx wrote before (replaced whole); a folder holding other "
            "files is refused.",
        ),
    ],
    db: DbOption = None,
) -> None:
    """Write every current core table as Parquet (zstd) with a manifest, for DuckDB, pandas, Polars, Spark or
    BigQuery, or for a web server to serve."""
    manifest = observatory(db).snapshot(output)
    total = sum(t["bytes"] for t in manifest["tables"])
    out.print(
        f"snapshot written to [bold]{output}[/]: {len(manifest['tables'])} tables, "
        f"{sum(t['rows'] for t in manifest['tables']):,} rows, {total / 1e6:,.1f} MB",
        highlight=False,
    )


def gc(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would be removed.")] = False,
    db: DbOption = None,
) -> None:
    """Free space: remove the leftovers of interrupted runs and the caches usmx rebuilds on demand.

    Removed: temporary files whose process has exited, raw files of loads that never committed, the scratch area
    (unzipped GDELT exports, DuckDB spill files) and the web server's older snapshots. Never removed: the warehouse,
    and the raw files of loads (unloaded ones included) or of fetches. Run it when no other usmx command is using
    this data folder."""
    kinds = observatory(db).gc(dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    for what, files, size in kinds:
        out.print(f"{what}: {verb} {files:,} file(s), {size / 1e6:,.1f} MB", highlight=False)
    total = sum(size for _, _, size in kinds)
    out.print(f"in all: {verb} {sum(f for _, f, _ in kinds):,} file(s), {total / 1e6:,.1f} MB", highlight=False)


def version() -> None:
    """Print the usmx version."""
    out.print(__version__)


def register(app: typer.Typer) -> None:
    for command in (ingest, tables, sql, loads, status, unload, snapshot, demo, gc, version):
        app.command()(command)
