"""How the CLI prints: consoles that never wrap piped output, aligned tables, formats, progress."""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from ..errors import UsmxError

if TYPE_CHECKING:
    import pyarrow as pa

    from ..api import Observatory


def observatory(db: Path | None) -> Observatory:
    """The façade, imported when a command runs (not when ``usmx --help`` is read)."""
    from ..api import Observatory

    return Observatory(db)


class _Console(Console):
    """Rich ends the program with exit 1 when the reader of stdout goes away; usmx treats a closed pipe (``| head``)
    as the reader having had enough (exit 0, see usmx.cli.main)."""

    def on_broken_pipe(self) -> None:
        if self.quiet:
            return
        raise BrokenPipeError


def _console(stderr: bool) -> Console:
    """A console that wraps only in a terminal: piped or captured output keeps each line whole, whatever the
    terminal's width (Rich would otherwise wrap at 80 columns, or at $COLUMNS)."""
    stream = sys.stderr if stderr else sys.stdout
    terminal = stream.isatty()
    return _Console(
        stderr=stderr, soft_wrap=True, highlight=False, width=None if terminal else 100_000, force_terminal=None
    )


class _Lazy:
    """The console is made when first used, so that it writes to the stream in place then (tests swap it)."""

    def __init__(self, stderr: bool):
        self.stderr = stderr

    def __getattr__(self, name: str):
        return getattr(_console(self.stderr), name)


out = _Lazy(stderr=False)
err = _Lazy(stderr=True)

#: the help's words for an option whose default is the strategy's start (catalog/key_dates.yaml)
STRATEGY_DEFAULT = "Default: the strategy's start (catalog/key_dates.yaml)."

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Warehouse file (default: $USMX_DB or ./usmx.duckdb).", show_default=False),
]


class Format(str, Enum):  # noqa: UP042 - Typer lists str enums' values in --help
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


class FileFormat(str, Enum):  # noqa: UP042 - Typer lists str enums' values in --help
    csv = "csv"
    json = "json"
    parquet = "parquet"


FormatOption = Annotated[
    Format,
    typer.Option("--format", "-f", help="table (rounded, for people), csv or json, or parquet (with --output)."),
]
OutputOption = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")]


class Reporter:
    """Rich progress on stderr, only in a terminal and only for work that takes more than a moment."""

    def __init__(self, label: str):
        self.label = label
        self.progress: Any = None
        self.task: Any = None
        self.started = time.perf_counter()

    def __enter__(self):
        return self

    def __call__(self, stage: str, done: int | None, total: int | None) -> None:
        if self.progress is None and time.perf_counter() - self.started > 0.3 and sys.stderr.isatty():
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[count]}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task(self.label, total=None, count="")
        if self.progress is not None:
            count = f"{done:,}/{total:,}" if done is not None and total else (f"{done:,}" if done else "")
            self.progress.update(
                self.task, description=f"{self.label}: {stage}", completed=done or 0, total=total, count=count
            )

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.stop()


def cell(v) -> str:
    """A value as people read it: thousands separators, numbers rounded (2 decimals, or 3 significant digits
    below 1), exact zeros as 0; the exact values are in csv, json and parquet."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, Decimal):
        if v == v.to_integral_value():  # a sum of whole counts (DuckDB's HUGEINT arrives as a decimal)
            return f"{int(v):,}"
        v = float(v)
    if isinstance(v, float):
        if v != v:
            return ""
        if v == 0:
            return "0"
        return f"{v:,.2f}" if abs(v) >= 1 else f"{v:.3g}"
    return str(v)


def _whole(column) -> bool:
    """A floating-point column whose values are all whole numbers (and not all zero or empty)."""
    import pyarrow as pa

    if not pa.types.is_floating(column.type):
        return False
    values = [v for v in column.to_pylist() if v is not None and v == v]
    return any(values) and all(float(v).is_integer() for v in values)


def _monthly(name: str, values: list) -> bool:
    """A date column of months (every value the first of a month, named as a period): printed as YYYY-MM."""
    named = (
        name in ("period", "month", "vintage", "date", "lower", "upper")  # changepoints: a month and its interval
        or name.startswith("period_")
        or name.endswith("_period")
    )
    dates = [v for v in values if v is not None]
    return named and bool(dates) and all(isinstance(v, date) and v.day == 1 for v in dates)


def _yearly(values: list) -> bool:
    """Periods that are all 1 January of two or more years (a yearly grain such as ``--by year``): printed YYYY."""
    dates = [v for v in values if v is not None]
    return len({d.year for d in dates}) >= 2 and all(d.month == 1 for d in dates)


def print_aligned(tbl: pa.Table, max_text: int = 60, console=None) -> None:
    """Plain aligned columns (numbers right-aligned); long text cells are cut, lines are never squeezed."""
    import pyarrow as pa

    plain = {i for i, n in enumerate(tbl.column_names) if n.endswith(("year", "_id")) or n == "rank"}
    monthly = {i for i, n in enumerate(tbl.column_names) if _monthly(n, tbl.column(n).to_pylist())}
    stamp = {i: "%Y" if _yearly(tbl.column(i).to_pylist()) else "%Y-%m" for i in monthly}
    # a float column of whole numbers (counts summed as doubles: extraditions, adjusted totals) prints as counts
    whole = {i for i, n in enumerate(tbl.column_names) if _whole(tbl.column(n))}
    rows = [
        [
            str(v) if i in plain and isinstance(v, int)
            else v.strftime(stamp[i]) if i in monthly
            else cell(round(v)) if i in whole and isinstance(v, float)
            else cell(v)
            for i, v in enumerate(r.values())
        ]
        for r in tbl.to_pylist()
    ]  # fmt: skip
    rows = [[c if len(c) <= max_text else c[: max_text - 1] + "…" for c in r] for r in rows]
    names = tbl.column_names
    numeric = [pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t) for t in tbl.schema.types]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]

    def line(cells):
        return "  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric)).rstrip()

    console = console or out
    console.print(f"[bold]{line(names)}[/]", highlight=False, soft_wrap=True)
    for r in rows:
        console.print(line(r), highlight=False, soft_wrap=True)


def _json_value(v):
    if isinstance(v, Decimal):
        return float(v)
    return str(v)


def emit(tbl: pa.Table, format: Format | FileFormat, output: Path | None, empty: str | None = None) -> None:
    """Print or write a table in the requested format; Parquet needs a file. An empty result says why on stderr
    (``empty``, or the table's ``note`` metadata)."""
    format = Format(format.value)
    check_output(output)
    if format is Format.parquet:
        if output is None:
            raise UsmxError("--format parquet needs --output FILE (Parquet is binary).")
        import pyarrow.parquet as pq

        pq.write_table(tbl, output)
    elif format is Format.csv:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        if output:
            pacsv.write_csv(tbl, output)
        else:
            sink = pa.BufferOutputStream()
            pacsv.write_csv(tbl, sink)
            sys.stdout.write(sink.getvalue().to_pybytes().decode("utf-8"))
    elif format is Format.json:
        text = json.dumps(tbl.to_pylist(), default=_json_value, ensure_ascii=False, indent=1)
        if output:
            output.write_text(text + "\n", encoding="utf-8")
        else:
            sys.stdout.write(text + "\n")
    elif output:
        with output.open("w", encoding="utf-8") as fh:
            print_aligned(tbl, console=Console(file=fh, width=100_000, no_color=True))
    else:
        print_aligned(tbl)
    if output:
        err.print(f"wrote {tbl.num_rows:,} rows to {output}")
    if tbl.num_rows == 0:
        why = empty or (tbl.schema.metadata or {}).get(b"empty", b"").decode() or "nothing matched."
        err.print(f"no rows: {why}", highlight=False, soft_wrap=True)


def check_output(output: Path | None) -> None:
    """An --output file can be written: not a folder, and in a folder that exists (usmx does not create folders
    for a file; a mistyped path would scatter output)."""
    if output is None:
        return
    if output.is_dir():
        raise UsmxError(f"--output {output}: is a folder; give a file name.")
    folder = output.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise UsmxError(f"--output {output}: the folder {folder} {what}; create it first, or write somewhere else.")


def write_text(text: str, output: Path | None) -> None:
    """Print text, or write it to ``output`` (and say so on stderr)."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    check_output(output)
    output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    err.print(f"wrote {output}")


def print_loads(results: list) -> None:
    for r in results:
        style = "green" if r.status == "loaded" else "yellow"
        out.print(f"[{style}]{r.status.replace('_', ' ')}[/]  {r.message}", highlight=False)
        for note in r.notes:  # what the parser noticed and kept as published (gaps, repeated rows, sentinels)
            out.print(f"        note: {note}", highlight=False, markup=False)
