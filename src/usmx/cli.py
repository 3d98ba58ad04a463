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
import pyarrow.compute  # noqa: F401  (pa.compute)
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from . import __version__, catalog
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
                                     TextColumn("{task.fields[count]}"), TimeElapsedColumn(), console=err,
                                     transient=True)
            self.progress.start()
            self.task = self.progress.add_task(self.label, total=None, count="")
        if self.progress is not None:
            count = f"{done:,}/{total:,}" if done is not None and total else (f"{done:,}" if done else "")
            self.progress.update(self.task, description=f"{self.label}: {stage}", completed=done or 0, total=total,
                                 count=count)

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
EngineOption = Annotated[str, typer.Option(help="duckdb (the warehouse) or pyspark (needs the spark extra).")]
EventsOption = Annotated[str | None, typer.Option(
    help="Read raw GDELT export files matching this glob in place instead of the warehouse's events.")]


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
    engine: EngineOption = "duckdb",
    events: EventsOption = None,
    db: DbOption = None,
) -> None:
    """Compute one indicator from the warehouse and print it (or write it with --output)."""
    tbl = _obs(db).indicator(name, engine=engine, events=events, **_params(by, state, param))
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
    engine: EngineOption = "duckdb",
    events: EventsOption = None,
    db: DbOption = None,
) -> None:
    """Write an indicator to CSV or Parquet, for work in pandas, R or a spreadsheet."""
    if format not in (Format.csv, Format.parquet):
        raise UsmxError("export writes csv or parquet; use `usmx indicator` for table or json output.")
    _emit(_obs(db).indicator(name, engine=engine, events=events, **_params(by, state, param)), format, output)


@app.command()
def fetch(
    source: Annotated[str, typer.Argument(help="What to download: see the list below.")],
    url: Annotated[str | None, typer.Option(help="Download from this URL instead of the default.")] = None,
    sha256: Annotated[str | None, typer.Option(help="Refuse the file unless its sha256 matches.")] = None,
    no_ingest: Annotated[bool, typer.Option("--no-ingest", help="Only store the raw file.")] = False,
    retries: Annotated[int, typer.Option(help="Retries for transient failures.")] = 4,
    date_from: Annotated[str | None, typer.Option("--from", help="gdelt/acled: first date, YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="gdelt/acled: last date, YYYY-MM-DD.")] = None,
    country: Annotated[str, typer.Option(help="acled: country to download.")] = "Mexico",
    workers: Annotated[int, typer.Option(help="gdelt: parallel downloads.")] = 4,
    db: DbOption = None,
) -> None:
    """Download an official file into the raw store, verify it, and ingest it.

    Sources: sesnsp-state-crimes, sesnsp-municipal-crimes, sesnsp-state-victims (no stable link: give --url or
    download by hand and use `usmx ingest`), conapo-state-population, conapo-municipal-population,
    inegi-homicides (cube export: download by hand), cbp-seizures, cbp-amo-seizures, cbp-encounters (CBP renames
    its files monthly: give --url), cdc-overdoses, gdelt (--from/--to; reads the master file list, downloads in
    parallel, skips files it has), acled (credentials from ACLED_USERNAME/ACLED_PASSWORD or ACLED_ACCESS_TOKEN).
    """
    from .fetch import fetch as do_fetch

    obs = _obs(db)
    if source == "gdelt":
        from datetime import date as _date

        from .fetch import GDELT_MASTER, fetch_gdelt

        if not date_from or not date_to:
            raise UsmxError("usmx fetch gdelt needs --from YYYY-MM-DD and --to YYYY-MM-DD.")
        with _Reporter("gdelt") as rep:
            res = fetch_gdelt(obs, _date.fromisoformat(date_from), _date.fromisoformat(date_to),
                              master_url=url or GDELT_MASTER, workers=workers, ingest=not no_ingest, progress=rep,
                              retries=retries)
        out.print(f"GDELT: {res['listed']} export files listed, {res['skipped']} already stored, "
                  f"{res['downloaded']} downloaded, {len(res['failed'])} failed.", highlight=False)
        for f in res["failed"]:
            err.print(f"failed: {f}", highlight=False, soft_wrap=True)
        _print_results(res["loads"])
        if res["failed"]:
            raise UsmxError(f"{len(res['failed'])} GDELT files failed; run the same command again to resume.")
        return
    if source == "acled":
        from .fetch import ACLED_BASE, fetch_acled

        with _Reporter("acled") as rep:
            res = fetch_acled(obs, country=country, start=date_from, end=date_to, base_url=url or ACLED_BASE,
                              ingest=not no_ingest, progress=rep)
        out.print(f"ACLED: {res['events']:,} events in {res['pages']} page(s); {res['deleted_dropped']} listed by "
                  "ACLED as deleted were dropped.", highlight=False)
        _print_results(res["loads"])
        return
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


evaluate_app = typer.Typer(help="Policy evaluation: interrupted time series, changepoints, synthetic control.",
                           no_args_is_help=True)
audit_app = typer.Typer(help="Data-integrity audit: reclassification, revisions, INEGI gap, series breaks.",
                        no_args_is_help=True)
app.add_typer(evaluate_app, name="evaluate")
app.add_typer(audit_app, name="audit")

JsonFormat = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv.")]


def _series_args(indicator: str, state: str | None, param: list[str] | None) -> dict:
    return {k: v for k, v in _params(None, None, param).items()} | ({"state": state} if state else {})


@evaluate_app.command("its")
def evaluate_its(
    indicator: Annotated[str, typer.Option(help="A monthly indicator (e.g. homicide_victims).")] = "homicide_victims",
    intervention: Annotated[str, typer.Option(help="First treated month, YYYY-MM.")] = "2024-10",
    state: StateOption = None,
    param: ParamOption = None,
    seed: Annotated[int, typer.Option(help="Seed of the simulations.")] = 0,
    pre_window: Annotated[int | None, typer.Option(help="Fit on this many months before the intervention only.")] = 60,
    format: JsonFormat = Format.table,
    db: DbOption = None,
) -> None:
    """Interrupted time series: the post-intervention change against a counterfactual, with a 95% interval, a
    state-space check and placebo-in-time ranking."""
    from .evaluate import interrupted_time_series, monthly_series

    obs = _obs(db)
    series = monthly_series(obs, indicator, **_series_args(indicator, state, param))
    res = interrupted_time_series(series, intervention, seed=seed, pre_window=pre_window or None)
    if format is Format.json:
        sys.stdout.write(json.dumps(res.to_dict(), indent=1, default=str) + "\n")
        return
    if format is Format.csv:
        _emit(pa.Table.from_pandas(res.counterfactual.reset_index(names="period")), Format.csv, None)
        return
    lo, hi = res.effect_pct_ci
    where = f"state {state}" if state else "national"
    out.print(f"[bold]{indicator}[/] ({where}), intervention {res.intervention:%Y-%m}: {res.pre_months} months "
              f"before, {res.post_months} after", highlight=False)
    out.print(f"  {res.model}: effect [bold]{res.effect_pct:+.1f}%[/] (95% interval {lo:+.1f}% to {hi:+.1f}%), "
              f"p = {res.p_value:.3g}; observed {res.observed_total:,.0f} vs expected {res.expected_total:,.0f}",
              highlight=False)
    if res.second_model:
        s2 = res.second_model
        out.print(f"  {s2.model}: effect {s2.effect_pct:+.1f}% ({s2.effect_pct_ci[0]:+.1f}% to "
                  f"{s2.effect_pct_ci[1]:+.1f}%)", highlight=False)
    if res.placebo_rank is not None:
        out.print(f"  placebo in time: the real effect ranks {res.placebo_rank} of {len(res.placebo_effects) + 1} by "
                  f"absolute size (placebo p = {res.placebo_p_value:.2f})", highlight=False)
    for n in res.notes:
        out.print(f"  note: {n}", highlight=False)
    out.print(f"  assumptions: {res.assumptions}", highlight=False, soft_wrap=True)


@evaluate_app.command("changepoints")
def evaluate_changepoints(
    indicator: Annotated[str, typer.Option(help="A monthly indicator.")] = "homicide_victims",
    state: Annotated[str | None, typer.Option(help="One state; default: the nation and every state.")] = None,
    param: ParamOption = None,
    penalty_factor: Annotated[float, typer.Option(help="Penalty = factor x log(n) (2 = BIC; 3, the default, is stricter).")] = 3.0,
    format: JsonFormat = Format.table,
    db: DbOption = None,
) -> None:
    """Changepoints (PELT, penalty 3 log n on the deseasonalised log series) with bootstrap intervals for dates."""
    from .evaluate import monthly_series
    from .evaluate.changepoints import detect_changepoints

    obs = _obs(db)
    units = [state] if state else [None, *catalog.states()]
    rows = []
    for u in units:
        series = monthly_series(obs, indicator, **_series_args(indicator, u, param))
        for c in detect_changepoints(series, penalty_factor=penalty_factor):
            rows.append({"state_code": (f"{int(u):02d}" if u and str(u).isdigit() else u) or "00",
                         "date": c.date.date(), "lower": c.lower.date(), "upper": c.upper.date(),
                         "support": c.support, "level_before": c.level_before, "level_after": c.level_after,
                         "change_pct": c.change_pct})
    _emit(pa.Table.from_pylist(rows) if rows else pa.table({"state_code": pa.array([], pa.string())}), format, None)


@evaluate_app.command("synth")
def evaluate_synth(
    treated: Annotated[str, typer.Option(help="The treated state (code or abbreviation).")],
    intervention: Annotated[str, typer.Option(help="First treated month, YYYY-MM.")],
    group: Annotated[str, typer.Option(help="Crime group whose rate per 100,000 is the outcome.")] = "intentional_homicide",
    format: JsonFormat = Format.table,
    db: DbOption = None,
) -> None:
    """Synthetic control with the other states as donors, placebo-in-space inference and the donor weights."""
    from .evaluate import state_panel
    from .evaluate.synth import synthetic_control
    from .indicators._common import check_state

    code = check_state(treated)
    res = synthetic_control(state_panel(_obs(db), group), code, intervention)
    if format is Format.json:
        sys.stdout.write(json.dumps(res.to_dict(), indent=1, default=str) + "\n")
        return
    names = catalog.state_names()
    out.print(f"[bold]Synthetic {names[code]}[/], {group} rate per 100,000, intervention {res.intervention:%Y-%m}",
              highlight=False)
    out.print(f"  effect {res.effect_pct:+.1f}% (average gap {res.avg_gap:+.2f}); pre-period RMSPE {res.pre_rmspe:.2f}, "
              f"post {res.post_rmspe:.2f}", highlight=False)
    if res.p_value is not None:
        out.print(f"  placebo in space: rank {res.rank} of {int(res.placebo['included'].sum())} units, "
                  f"p = {res.p_value:.2f}", highlight=False)
    weights = sorted(((names[k], v) for k, v in res.weights.items() if v > 0.005), key=lambda kv: -kv[1])
    out.print("  donor weights: " + ", ".join(f"{n} {w:.2f}" for n, w in weights), highlight=False, soft_wrap=True)
    for n in res.notes:
        out.print(f"  note: {n}", highlight=False)
    out.print(f"  assumptions: {res.assumptions}", highlight=False, soft_wrap=True)


@audit_app.command("reclassification")
def audit_reclassification(
    intervention: Annotated[str, typer.Option(help="First month of the period examined.")] = "2024-10",
    window: Annotated[int, typer.Option(help="Months before the intervention used as each state's history.")] = 36,
    flagged_only: Annotated[bool, typer.Option("--flagged-only", help="Only flagged rows.")] = False,
    format: JsonFormat = Format.table,
    db: DbOption = None,
) -> None:
    """Do other categories rise where homicides fall? Ratios per 100 homicide victims, tested per state."""
    from .evaluate import integrity

    t = integrity.reclassification(_obs(db), intervention, window)
    if flagged_only:
        t = t.filter(pa.compute.equal(t["flagged"], True))
    cols = ["state_code", "state", "candidate", "homicide_change_pct", "ratio_pre", "ratio_post", "p_value",
            "p_holm", "flagged"]
    _emit(t.select(cols) if format is Format.table else t, format, None)


@audit_app.command("revisions")
def audit_revisions(
    table: Annotated[str, typer.Option(help="Core table.")] = "core_sesnsp__state_victims_monthly",
    old: Annotated[int | None, typer.Option(help="load_id of the older release (default: second newest).")] = None,
    new: Annotated[int | None, typer.Option(help="load_id of the newer release (default: newest).")] = None,
    format: JsonFormat = Format.table,
    db: DbOption = None,
) -> None:
    """What changed between two releases of the same table: months and states, net and gross."""
    from .evaluate import integrity

    _emit(integrity.revisions(_obs(db), table, old, new), format, None)


@audit_app.command("inegi-gap")
def audit_inegi_gap(format: JsonFormat = Format.table, db: DbOption = None) -> None:
    """INEGI death-record homicides against SESNSP victims, by state and year, where both exist."""
    from .evaluate import integrity

    t = integrity.inegi_gap(_obs(db))
    _emit(t, format, None)
    if t.num_rows == 0:
        err.print("note: no year has both sources loaded (the bundled INEGI files end in 2012, SESNSP starts in "
                  "2015); ingest INEGI exports for 2015 or later.", highlight=False, soft_wrap=True)


@audit_app.command("breaks")
def audit_breaks(format: JsonFormat = Format.table, db: DbOption = None) -> None:
    """Series breaks (January 2015 method start, January 2026 attempted-homicide split) each series crosses."""
    from .evaluate import integrity

    _emit(integrity.breaks(_obs(db)), format, None)


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
