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
    sesnsp_state_victims, conapo_state_population, conapo_municipal_population, inegi_homicide_deaths,
    cbp_drug_seizures, cbp_amo_drug_seizures, cbp_encounters_state, cbp_encounters_aor, cdc_vsrr_overdose.
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
    _emit(tbl, format, None)


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if v != v:
            return ""
        return f"{v:,.2f}" if abs(v) >= 1 else f"{v:.3g}"
    return str(v)


def _print_aligned(tbl: pa.Table, max_text: int = 60, console: Console | None = None) -> None:
    """Plain aligned columns (numbers right-aligned); long text cells are cut, lines are never squeezed."""
    plain = {i for i, n in enumerate(tbl.column_names) if n.endswith("year") or n.endswith("_id") or n == "rank"}
    rows = [[str(v) if i in plain and isinstance(v, int) else _cell(v) for i, v in enumerate(r.values())]
            for r in tbl.to_pylist()]
    rows = [[c if len(c) <= max_text else c[: max_text - 1] + "…" for c in r] for r in rows]
    names = tbl.column_names
    numeric = [pa.types.is_integer(t) or pa.types.is_floating(t) for t in tbl.schema.types]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]

    def line(cells):
        return "  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric)).rstrip()

    console = console or out
    console.print(f"[bold]{line(names)}[/]", highlight=False, soft_wrap=True)
    for r in rows:
        console.print(line(r), highlight=False, soft_wrap=True)


def _params(by: str | None, state: str | None, param: list[str] | None) -> dict:
    out: dict = {}
    if by is not None:
        out["by"] = by
    if state is not None:
        out["state"] = state
    for item in param or []:
        if "=" not in item:
            raise UsmxError(f"--param takes KEY=VALUE; got {item!r}.")
        k, v = item.split("=", 1)
        out[k.strip().replace("-", "_")] = v.strip()
    return out


ParamOption = Annotated[list[str] | None, typer.Option(
    "--param", "-p", help="Further parameters as KEY=VALUE (e.g. -p group=extortion -p feminicide=true).")]
ByOption = Annotated[str | None, typer.Option(help="Grain: month, year, administration or state (per indicator).")]
StateOption = Annotated[str | None, typer.Option(help="One state: INEGI code (09) or abbreviation (CDMX).")]


@app.command()
def indicators(
    lang: Annotated[str, typer.Option(help="Language of labels and definitions: en or es.")] = "en",
) -> None:
    """List the indicators: name, unit, definition, sources and parameters."""
    from .indicators import registry

    for ind in sorted(registry().values(), key=lambda i: i.name):
        params = ", ".join(f"{k}={p.default!r}" for k, p in ind.params.items())
        out.print(f"[bold]{ind.name}[/]  ({ind.unit})  [dim]{params}[/]", highlight=False)
        out.print(f"  {ind.label(lang)}. {ind.definition(lang)}", highlight=False)
        out.print(f"  [dim]sources: {', '.join(ind.sources)}[/]", highlight=False)


@app.command()
def indicator(
    name: Annotated[str, typer.Argument(help="Indicator name (see `usmx indicators`).")],
    by: ByOption = None,
    state: StateOption = None,
    param: ParamOption = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
    db: DbOption = None,
) -> None:
    """Compute one indicator from the warehouse and print it (or write it with --output)."""
    tbl = _obs(db).indicator(name, **_params(by, state, param))
    _emit(tbl, format, output)
    note = (tbl.schema.metadata or {}).get(b"note")
    if note:
        err.print(f"note: {note.decode()}", highlight=False, soft_wrap=True)


@app.command()
def export(
    name: Annotated[str, typer.Argument(help="Indicator name (see `usmx indicators`).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    format: Annotated[Format, typer.Option("--format", "-f", help="csv or parquet.")] = Format.csv,
    by: ByOption = None,
    state: StateOption = None,
    param: ParamOption = None,
    db: DbOption = None,
) -> None:
    """Write an indicator to CSV or Parquet, for work in pandas, R or a spreadsheet."""
    if format not in (Format.csv, Format.parquet):
        raise UsmxError("export writes csv or parquet; use `usmx indicator` for table or json output.")
    _emit(_obs(db).indicator(name, **_params(by, state, param)), format, output)


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
    inegi-homicides (cube export: download by hand), cbp-seizures, cbp-amo-seizures, cbp-encounters (CBP renames
    its files monthly: give --url), cdc-overdoses.
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
def demo(
    db: DbOption = None,
    report_path: Annotated[Path | None, typer.Option(
        "--report", help="Where to write the report (default: usmx-report.html beside the warehouse).")] = None,
) -> None:
    """Build a warehouse offline from the real samples bundled with usmx, print what it holds, write the report."""
    from . import demo as demo_mod

    obs = _obs(db)
    t0 = time.perf_counter()
    out.print(f"[bold]usmx demo[/]: loading the bundled official samples into {obs.db}")
    with _Reporter("demo") as rep:
        results = demo_mod.run(obs, progress=rep)
    loaded = sum(r.status == "loaded" for r in results)
    out.print(f"{loaded} files loaded, {len(results) - loaded} already there, "
              f"{time.perf_counter() - t0:.1f} s.")
    summary = demo_mod.summary(obs)
    _print_aligned(pa.Table.from_pylist([
        {"table": s.table, "rows": s.rows,
         "periods": f"{s.period_min:%Y-%m} … {s.period_max:%Y-%m}" if s.period_min else "-",
         "current vintage": ", ".join(s.vintages) or "-"} for s in summary]))
    head = obs.indicator("homicide_headline").to_pylist()
    if head:
        h = head[0]
        out.print(f"\nLatest: [bold]{h['latest_value']:.1f}[/] intentional homicide victims per day in "
                  f"{h['latest_period']:%B %Y} ({h['change_pct']:+.1f}% against {h['reference']}).",
                  highlight=False, soft_wrap=True)
    path = report_path or obs.db.parent / "usmx-report.html"
    with _Reporter("report") as rep:
        rep("computing indicators and rendering charts", None, None)
        obs.report(path, "both")
    out.print(f"\nReport (Spanish and English, works offline): [bold]{path.resolve()}[/]", highlight=False,
              soft_wrap=True)
    out.print("Next: [bold]usmx indicators[/], [bold]usmx tables[/], [bold]usmx loads[/], or for example:",
              soft_wrap=True)
    out.print("  usmx sql \"SELECT period, sum(victims) AS victims FROM core_sesnsp__state_victims_monthly "
              "WHERE crime_subtype = 'Homicidio doloso' GROUP BY ALL ORDER BY period DESC LIMIT 12\"",
              soft_wrap=True, highlight=False)


@app.command()
def report(
    lang: Annotated[str, typer.Option(help="es, en, or both (one file with a language switch).")] = "both",
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")] = Path("report.html"),
    db: DbOption = None,
) -> None:
    """Write the report: one self-contained HTML file (charts, map, tables, sources) that works offline."""
    t0 = time.perf_counter()
    with _Reporter("report") as rep:
        rep("computing indicators and rendering charts", None, None)
        path = _obs(db).report(output, lang)
    out.print(f"report written to [bold]{path}[/] ({path.stat().st_size / 1e6:.1f} MB, "
              f"{time.perf_counter() - t0:.1f} s)", highlight=False)


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
        if output:
            with output.open("w", encoding="utf-8") as fh:
                _print_aligned(tbl, console=Console(file=fh, width=10_000, no_color=True))
        else:
            _print_aligned(tbl)
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
