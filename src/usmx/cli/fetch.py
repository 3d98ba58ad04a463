"""``usmx fetch``: download an official file into the raw store, verify it, and ingest it."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from .. import catalog
from ..errors import UsmxError
from ._output import DbOption, Reporter, err, observatory, out, print_loads


def _targets() -> str:
    return "; ".join(
        f"{name} ({t['kind']}{'' if t.get('url') else ', needs --url'})" for name, t in catalog.fetch_targets().items()
    )


def _date(text: str | None, option: str) -> date:
    if not text:
        raise UsmxError(f"this source needs {option} YYYY-MM-DD.")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsmxError(f"{option} {text!r} is not a date; write it as YYYY-MM-DD (e.g. 2024-01-31).") from None


def fetch(
    source: Annotated[str, typer.Argument(help="What to download: " + _targets() + ".")],
    url: Annotated[str | None, typer.Option(help="Download from this URL instead of the default.")] = None,
    sha256: Annotated[str | None, typer.Option(help="Refuse the file unless its sha256 matches.")] = None,
    no_ingest: Annotated[bool, typer.Option("--no-ingest", help="Only store the raw file.")] = False,
    retries: Annotated[int, typer.Option(help="Retries for transient failures.")] = 4,
    date_from: Annotated[
        str | None, typer.Option("--from", help="gdelt/acled/doj-press-releases: first date, YYYY-MM-DD.")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="gdelt/acled/doj-press-releases: last date, YYYY-MM-DD.")
    ] = None,
    country: Annotated[str, typer.Option(help="acled: country to download.")] = "Mexico",
    workers: Annotated[int, typer.Option(help="gdelt: parallel downloads.")] = 4,
    db: DbOption = None,
) -> None:
    """Download an official file into the raw store, verify it, and ingest it.

    Publishers without a stable link (SESNSP, INEGI cube exports, CBP's monthly renamed files) take --url, or
    download the file by hand and use `usmx ingest`.
    """
    obs = observatory(db)
    if source == "gdelt":
        start, end = _date(date_from, "--from"), _date(date_to, "--to")
        with Reporter("gdelt") as rep:
            res = obs.fetch_gdelt(
                start,
                end,
                master_url=url or catalog.fetch_targets()["gdelt"]["url"],
                workers=workers,
                ingest=not no_ingest,
                progress=rep,
                retries=retries,
            )
        out.print(
            f"GDELT: {res['listed']} export files listed, {res['skipped']} already stored, "
            f"{res['downloaded']} downloaded, {len(res['failed'])} failed.",
            highlight=False,
        )
        for f in res["failed"]:
            err.print(f"failed: {f}", highlight=False)
        print_loads(res["loads"])
        if res["failed"]:
            raise UsmxError(f"{len(res['failed'])} GDELT files failed; run the same command again to resume.")
        return
    if source == "acled":
        with Reporter("acled") as rep:
            res = obs.fetch_acled(
                country=country,
                start=date_from,
                end=date_to,
                base_url=url or catalog.fetch_targets()["acled"]["url"],
                ingest=not no_ingest,
                progress=rep,
            )
        out.print(
            f"ACLED: {res['events']:,} events in {res['pages']} page(s); {res['deleted_dropped']} listed by "
            "ACLED as deleted were dropped.",
            highlight=False,
        )
        print_loads(res["loads"])
        return
    dated: dict[str, object] = {}
    if source == "doj-press-releases":  # the months of press releases to page back to
        dated = {"since": _date(date_from, "--from"), "until": _date(date_to, "--to") if date_to else None,
                 "retries": retries}  # fmt: skip
    with Reporter(source) as rep:
        options: dict[str, object] = dated or {"sha256": sha256, "retries": retries}
        results = obs.fetch(source, url=url, ingest=not no_ingest, progress=rep, **options)
    if no_ingest:
        for p in results:
            out.print(f"stored  {p}")
    else:
        print_loads(results)


def register(app: typer.Typer) -> None:
    app.command()(fetch)
