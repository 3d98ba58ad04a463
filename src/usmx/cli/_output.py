"""How the CLI prints: consoles that never wrap piped output, aligned tables, formats, progress."""

from __future__ import annotations

import json
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import typer
from rich.console import Console

from ..errors import UsmxError


def _console(stderr: bool) -> Console:
    """A console that wraps only in a terminal: piped or captured output keeps each line whole, whatever the
    terminal's width (Rich would otherwise wrap at 80 columns, or at $COLUMNS)."""
    stream = sys.stderr if stderr else sys.stdout
    terminal = stream.isatty()
    return Console(
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

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Warehouse file (default: $USMX_DB or ./usmx.duckdb).", show_default=False),
]


class Format(str, Enum):  # noqa: UP042 - Typer lists str enums' values in --help
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
JsonFormat = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv.")]
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


def print_aligned(tbl: pa.Table, max_text: int = 60, console=None) -> None:
    """Plain aligned columns (numbers right-aligned); long text cells are cut, lines are never squeezed."""
    plain = {i for i, n in enumerate(tbl.column_names) if n.endswith(("year", "_id")) or n == "rank"}
    rows = [
        [str(v) if i in plain and isinstance(v, int) else cell(v) for i, v in enumerate(r.values())]
        for r in tbl.to_pylist()
    ]
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


def emit(tbl: pa.Table, format: Format, output: Path | None) -> None:
    """Print or write a table in the requested format; Parquet needs a file."""
    if format is Format.parquet:
        if output is None:
            raise UsmxError("--format parquet needs --output FILE (Parquet is binary).")
        import pyarrow.parquet as pq

        pq.write_table(tbl, output)
    elif format is Format.csv:
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
    elif output:
        with output.open("w", encoding="utf-8") as fh:
            print_aligned(tbl, console=Console(file=fh, width=100_000, no_color=True))
    else:
        print_aligned(tbl)
    if output:
        err.print(f"wrote {tbl.num_rows:,} rows to {output}")


def print_loads(results: list) -> None:
    for r in results:
        style = "green" if r.status == "loaded" else "yellow"
        out.print(f"[{style}]{r.status.replace('_', ' ')}[/]  {r.message}", highlight=False)
