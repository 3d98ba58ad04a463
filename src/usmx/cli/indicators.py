"""Commands that compute and publish: indicators, indicator, export, report, claims."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from .. import catalog
from ..errors import UsmxError
from ._output import (
    DbOption,
    FileFormat,
    Format,
    FormatOption,
    OutputOption,
    Reporter,
    emit,
    err,
    observatory,
    out,
    write_text,
)


def _grains() -> str:
    meta = catalog.indicator_meta()
    return "; ".join(f"{name}: {', '.join(m['grains'])}" for name, m in sorted(meta.items()) if m.get("grains"))


def params(by: str | None, state: str | None, param: list[str] | None) -> dict:
    """Indicator parameters from --by, --state and -p KEY=VALUE."""
    found: dict = {}
    if by is not None:
        found["by"] = by
    if state is not None:
        found["state"] = state
    for item in param or []:
        if "=" not in item:
            raise UsmxError(f"--param takes KEY=VALUE; got {item!r}.")
        k, v = item.split("=", 1)
        found[k.strip().replace("-", "_")] = v.strip()
    return found


ParamOption = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="Further parameters as KEY=VALUE (e.g. -p group=extortion -p feminicide=true)."),
]
ByOption = Annotated[str | None, typer.Option(help="Grain, per indicator (the first is the default): " + _grains())]
StateOption = Annotated[str | None, typer.Option(help="One state: INEGI code (09), abbreviation (CDMX) or name.")]
EngineOption = Annotated[str, typer.Option(help="duckdb (the warehouse) or pyspark (needs the spark extra).")]
EventsOption = Annotated[
    str | None,
    typer.Option(help="Read raw GDELT export files matching this glob in place instead of the warehouse's events."),
]


def indicators(
    lang: Annotated[str, typer.Option(help="Language of labels and definitions: en or es.")] = "en",
) -> None:
    """List the indicators: name, unit, grains, definition, sources and parameters."""
    from ..indicators import registry

    for ind in sorted(registry().values(), key=lambda i: i.name):
        ps = ", ".join(f"{k}={p.default!r}" for k, p in ind.params.items())
        out.print(f"[bold]{ind.name}[/]  ({ind.unit})  [dim]{ps}[/]", highlight=False)
        out.print(f"  {ind.label(lang)}. {ind.definition(lang)}", highlight=False)
        out.print(f"  [dim]sources: {', '.join(ind.sources)}[/]", highlight=False)


def indicator(
    name: Annotated[str, typer.Argument(help="Indicator name (see `usmx indicators`).")],
    by: ByOption = None,
    state: StateOption = None,
    param: ParamOption = None,
    format: FormatOption = Format.table,
    output: OutputOption = None,
    engine: EngineOption = "duckdb",
    events: EventsOption = None,
    db: DbOption = None,
) -> None:
    """Compute one indicator from the warehouse and print it (or write it with --output)."""
    tbl = observatory(db).indicator(name, engine=engine, events=events, **params(by, state, param))
    emit(tbl, format, output)
    note = (tbl.schema.metadata or {}).get(b"note")
    if note and tbl.num_rows:
        err.print(f"note: {note.decode()}", highlight=False)


def export(
    name: Annotated[str, typer.Argument(help="Indicator name (see `usmx indicators`).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    format: Annotated[FileFormat, typer.Option("--format", "-f", help="csv, json or parquet.")] = FileFormat.csv,
    by: ByOption = None,
    state: StateOption = None,
    param: ParamOption = None,
    engine: EngineOption = "duckdb",
    events: EventsOption = None,
    db: DbOption = None,
) -> None:
    """Write an indicator to CSV, JSON or Parquet (exact values), for work in pandas, R or a spreadsheet."""
    emit(observatory(db).indicator(name, engine=engine, events=events, **params(by, state, param)), format, output)


def report(
    lang: Annotated[str, typer.Option(help="es, en, or both (one file with a language switch).")] = "both",
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")] = Path("report.html"),
    db: DbOption = None,
) -> None:
    """Write the report: one self-contained HTML file (charts, map, tables, sources) that works offline."""
    from ..report.workers import default_count

    t0 = time.perf_counter()
    with Reporter("report") as rep:
        rep("computing indicators and rendering charts", None, None)
        path = observatory(db).report(output, lang, workers=default_count())
    out.print(
        f"report written to [bold]{path}[/] ({path.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - t0:.1f} s)",
        highlight=False,
    )


def claims(
    lang: Annotated[str, typer.Option(help="es or en.")] = "en",
    explain: Annotated[
        bool, typer.Option("--explain", help="Also how each claim is read: evidence, test, facts found and the rule.")
    ] = False,
    format: FormatOption = Format.table,
    output: OutputOption = None,
    db: DbOption = None,
) -> None:
    """Each claim of the security debate read against the warehouse by the rule in catalog/claims.yaml: the
    reading, the direction the evidence points (supports, contradicts, mixed, no clear change, no evidence, not
    measurable), a confidence (capped at low where the evidence is more than 12 months old), notes and caveats."""
    import json

    from .. import i18n

    if lang not in ("es", "en"):
        raise UsmxError(f"--lang must be es or en; got {lang!r}.")
    rows = observatory(db).claims(lang, explain=explain)
    if format is Format.json:
        write_text(json.dumps(rows, indent=1, ensure_ascii=False), output)
        return
    if format is not Format.table:
        import pyarrow as pa

        flat = [
            {**{k: v for k, v in r.items() if k not in ("facts", "rule")}, "indicators": ", ".join(r["indicators"]),
             "notes": " ".join(r["notes"]), "facts": json.dumps(r["facts"], ensure_ascii=False)}
            for r in rows
        ]  # fmt: skip
        emit(pa.Table.from_pylist(flat), format, output)
        return

    def t(key: str, **fields) -> str:
        return i18n.t(key, lang, **fields)

    lines = []
    for r in rows:
        verdict = t("direction_" + r["direction"].replace(" ", "_"))
        end = f"; {t('claims_evidence_end').lower()} {r['evidence_end']}" if r["evidence_end"] else ""
        lines += [
            f"{r['claim']}",
            f"  {t('claims_cli_evidence')}: {verdict} ({t('confidence_' + r['confidence'])}){end}; "
            f"{t('claims_cli_tested')} {', '.join(r['indicators'])}",
            f"  {t('claims_cli_reading')}: {r['reading']}",
            *[f"  {t('claims_cli_note')}: {n}" for n in r["notes"]],
            f"  {t('claims_cli_caveats')}: {r['caveats']}",
        ]
        if explain:
            e = r["rule"]
            lines.append(f"  {t('claims_test')}: {e['test']}")
            lines += [f"    - {x}" for x in e["evidence"]]
            if e["parameters"]:
                lines.append(
                    f"  {t('claims_parameters')}: " + "; ".join(f"{k} = {v}" for k, v in e["parameters"].items())
                )
            if r["facts"]:
                lines.append(f"  {t('claims_facts')}:")
                lines += [f"    {k} = {r['facts'].get(k)}  ({text})" for k, text in e["facts"].items()]
            if e["thresholds"]:
                lines.append("  " + "; ".join(f"{k} = {v}" for k, v in e["thresholds"].items()))
            lines.append(f"  {t('claims_rule')}:")
            lines += [f"    {t('direction_' + d.replace(' ', '_'))}: {c}" for d, c in e["directions"].items()]
            lines.append(f"  {t('claims_confidence_rule', months=e['staleness_months'])}:")
            lines += [f"    {t('confidence_' + k)}: {c}" for k, c in e["confidence"].items()]
        lines.append("")
    write_text("\n".join(lines).rstrip("\n"), output)


def register(app: typer.Typer) -> None:
    for command in (indicators, indicator, export, report, claims):
        app.command()(command)
