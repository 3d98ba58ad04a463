"""The ``usmx`` command: a thin layer over :class:`usmx.Observatory`.

Exit codes: 0 success; 2 bad input or a refused request (the message says which file, row and column, what was
expected and what to do); 1 an internal error (a bug: please report it with the traceback from ``--debug``).
"""

from __future__ import annotations

import json
import os
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .api import LoadResult, Observatory
from .errors import UsmxError

app = typer.Typer(
    name="usmx",
    help="usmx: an open observatory of Mexico's organized crime and US-Mexico security cooperation.\n\n"
    "Official files go into a DuckDB warehouse (raw copy, checks, provenance on every row); query it with "
    "`usmx sql`. Start with `usmx demo`.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Warehouse file (default: $USMX_DB or ./usmx.duckdb).", show_default=False),
]


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


def _obs(db: Path | None) -> Observatory:
    return Observatory(db)


class _Reporter:
    """Rich progress that appears only for work that takes more than a moment."""

    def __init__(self, label: str):
        self.label = label
        self.progress: Progress | None = None
        self.task = None
        self.started = time.perf_counter()

    def __enter__(self):
        return self

    def __call__(self, stage: str, done: int | None, total: int | None) -> None:
        if self.progress is None and time.perf_counter() - self.started > 0.3 and err.is_terminal:
            self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                     DownloadColumn(), TimeElapsedColumn(), console=err, transient=True)
            self.progress.start()
            self.task = self.progress.add_task(self.label, total=None)
        if self.progress is not None:
            self.progress.update(self.task, description=f"{self.label}: {stage}", completed=done or 0, total=total)

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.stop()


def _print_results(results: list[LoadResult]) -> None:
    for r in results:
        style = "green" if r.status == "loaded" else "yellow"
        out.print(f"[{style}]{r.status.replace('_', ' ')}[/]  {r.message}", highlight=False)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Official files (CSV, optionally .gz/.bz2/.zip).")],
    kind: Annotated[str | None, typer.Option(help="Skip detection and read the files as this kind.")] = None,
    db: DbOption = None,
) -> None:
    """Load official files into the warehouse (the kind is detected from each file's header).

    Each file is one transaction: a file that fails a check loads nothing, and files before it stay loaded.
    A file already loaded (same sha256) is skipped. Kinds: sesnsp_state_crimes, sesnsp_municipal_crimes,
    sesnsp_state_victims, conapo_state_population, conapo_municipal_population, inegi_homicide_deaths.
    """
    obs = _obs(db)
    for p in paths:
        with _Reporter(p.name) as rep:
            results = obs.ingest(p, kind=kind, progress=rep)
        _print_results(results)


@app.command()
def tables(db: DbOption = None) -> None:
    """List the warehouse's tables and views with row counts."""
    infos = _obs(db).tables()
    width = max(len(i.name) for i in infos)
    room = max(20, out.width - width - 22)
    out.print(f"[bold]{'name':<{width}}  {'type':<5}  {'rows':>11}  description[/]", highlight=False)
    for info in infos:
        desc = info.description if len(info.description) <= room else info.description[: room - 1] + "…"
        out.print(f"{info.name:<{width}}  {info.type:<5}  {info.rows:>11,}  {desc}", highlight=False,
                  soft_wrap=True)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="One read-only statement (SELECT/WITH/EXPLAIN).")],
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    db: DbOption = None,
) -> None:
    """Run a read-only SQL query against the warehouse. Statements that write are refused."""
    result = _obs(db).sql(query)
    _emit(result, format, output)


@app.command()
def loads(db: DbOption = None,
          format: Annotated[Format, typer.Option("--format", "-f")] = Format.table) -> None:
    """Show the load ledger: every file loaded, its sha256, vintage, rows and whether it is current."""
    tbl = _obs(db).sql(
        "SELECT load_id, kind, strftime(vintage, '%Y-%m') AS vintage, row_count AS rows, "
        "CASE WHEN is_current THEN 'yes' ELSE 'no' END AS current, left(sha256, 12) AS sha256, "
        "strftime(loaded_at, '%Y-%m-%d %H:%M') AS loaded_at, file_name FROM loads ORDER BY load_id"
    )
    if format is Format.table:
        _print_aligned(tbl)
    else:
        _emit(tbl, format, None)


def _print_aligned(tbl: pa.Table) -> None:
    """Plain aligned columns; the last column is cut to the terminal width rather than wrapped."""
    rows = [["" if v is None else f"{v:,}" if isinstance(v, int) else str(v) for v in r.values()]
            for r in tbl.to_pylist()]
    names = tbl.column_names
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names[:-1])]
    room = max(20, out.width - sum(widths) - 2 * len(widths))

    def line(cells):
        head = "  ".join(c.rjust(w) if c[:1].isdigit() else c.ljust(w) for c, w in zip(cells[:-1], widths))
        last = cells[-1] if len(cells[-1]) <= room else cells[-1][: room - 1] + "…"
        return f"{head}  {last}"

    out.print(f"[bold]{line(names)}[/]", highlight=False, soft_wrap=True)
    for r in rows:
        out.print(line(r), highlight=False, soft_wrap=True)


@app.command()
def fetch(
    source: Annotated[str, typer.Argument(help="What to download: see the list below.")],
    url: Annotated[str | None, typer.Option(help="Download from this URL instead of the default.")] = None,
    sha256: Annotated[str | None, typer.Option(help="Refuse the file unless its sha256 matches.")] = None,
    no_ingest: Annotated[bool, typer.Option("--no-ingest", help="Only store the raw file.")] = False,
    retries: Annotated[int, typer.Option(help="Retries for transient failures.")] = 4,
    db: DbOption = None,
) -> None:
    """Download an official file into the raw store, verify it, and ingest it.

    Sources: sesnsp-state-crimes, sesnsp-municipal-crimes, sesnsp-state-victims (no stable link: give --url or
    download by hand and use `usmx ingest`), conapo-state-population, conapo-municipal-population,
    inegi-homicides (cube export: download by hand).
    """
    from .fetch import fetch as do_fetch

    obs = _obs(db)
    with _Reporter(source) as rep:
        results = do_fetch(obs, source, url=url, ingest=not no_ingest, progress=rep, sha256=sha256, retries=retries)
    if no_ingest:
        for p in results:
            out.print(f"stored  {p}")
    else:
        _print_results(results)


@app.command()
def demo(db: DbOption = None) -> None:
    """Build a warehouse offline from the real samples bundled with usmx and print what it holds."""
    from . import demo as demo_mod

    obs = _obs(db)
    t0 = time.perf_counter()
    out.print(f"[bold]usmx demo[/]: loading the bundled official samples into {obs.db}")
    with _Reporter("demo") as rep:
        results = demo_mod.run(obs, progress=rep)
    loaded = sum(r.status == "loaded" for r in results)
    out.print(f"{loaded} files loaded, {len(results) - loaded} already there, "
              f"{time.perf_counter() - t0:.1f} s.")
    t = Table(box=None, header_style="bold")
    t.add_column("table", no_wrap=True)
    t.add_column("rows", justify="right", no_wrap=True)
    t.add_column("periods", no_wrap=True)
    t.add_column("current vintage")
    for s in demo_mod.summary(obs):
        span = f"{s.period_min:%Y-%m} … {s.period_max:%Y-%m}" if s.period_min else "-"
        t.add_row(s.table, f"{s.rows:,}", span, ", ".join(s.vintages) or "-")
    out.print(t)
    out.print("Next: [bold]usmx tables[/], [bold]usmx loads[/], or for example:", soft_wrap=True)
    out.print("  usmx sql \"SELECT period, sum(victims) AS victims FROM core_sesnsp__state_victims_monthly "
              "WHERE crime_subtype = 'Homicidio doloso' GROUP BY ALL ORDER BY period DESC LIMIT 12\"",
              soft_wrap=True, highlight=False)


@app.command()
def version() -> None:
    """Print the usmx version."""
    out.print(__version__)


def _emit(tbl: pa.Table, format: Format, output: Path | None) -> None:
    if format is Format.parquet:
        if output is None:
            raise UsmxError("--format parquet needs --output FILE (Parquet is binary).")
        import pyarrow.parquet as pq

        pq.write_table(tbl, output)
        err.print(f"wrote {tbl.num_rows:,} rows to {output}")
        return
    if format is Format.csv:
        import pyarrow.csv as pacsv

        if output:
            pacsv.write_csv(tbl, output)
        else:
            sink = pa.BufferOutputStream()
            pacsv.write_csv(tbl, sink)
            sys.stdout.write(sink.getvalue().to_pybytes().decode("utf-8"))
    elif format is Format.json:
        text = json.dumps(tbl.to_pylist(), default=str, ensure_ascii=False, indent=1)
        if output:
            output.write_text(text + "\n", encoding="utf-8")
        else:
            sys.stdout.write(text + "\n")
    else:
        t = Table(*tbl.column_names, box=None, header_style="bold")
        for row in tbl.to_pylist():
            t.add_row(*("" if v is None else f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v)
                        for v in row.values()))
        if output:
            with output.open("w", encoding="utf-8") as fh:
                Console(file=fh, width=200).print(t)
        else:
            out.print(t)
    if output:
        err.print(f"wrote {tbl.num_rows:,} rows to {output}")


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, map UsmxError to exit 2 and anything unexpected to exit 1."""
    debug = os.environ.get("USMX_DEBUG") == "1"
    try:
        app(args=argv, standalone_mode=False)
    except UsmxError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2
    except (typer.Exit, SystemExit) as exc:
        code = getattr(exc, "exit_code", getattr(exc, "code", 0))
        return int(code or 0)
    except KeyboardInterrupt:
        err.print("interrupted; any load under way was rolled back.")
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        # Typer bundles its own click; recognise its usage errors by class name rather than by import.
        names = {cls.__name__ for cls in type(exc).__mro__}
        if "ClickException" in names:
            exc.show()
            return 2
        if "Abort" in names:
            return 1
        err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc}", highlight=False)
        err.print("This is a bug in usmx. Run again with USMX_DEBUG=1 for the traceback and report it.")
        if debug:
            raise
        return 1
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
