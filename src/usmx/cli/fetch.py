"""``usmx fetch``: download an official file into the raw store, verify it, and ingest it."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from .. import catalog
from ..errors import FetchError, UsmxError
from ._output import DbOption, Reporter, err, observatory, out, print_loads


def _targets() -> str:
    return "; ".join(
        f"{name} ({t['kind']}{'' if t.get('url') else ', needs --url'})" for name, t in catalog.fetch_targets().items()
    )


def _date(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsmxError(f"{option} {text!r} is not a date; write it as YYYY-MM-DD (e.g. 2024-01-31).") from None


def fetch(
    source: Annotated[str, typer.Argument(help="What to download: " + _targets() + ".")],
    url: Annotated[str | None, typer.Option(help="Download from this URL instead of the default.")] = None,
    sha256: Annotated[str | None, typer.Option(help="Refuse the file unless its sha256 matches.")] = None,
    no_ingest: Annotated[bool, typer.Option("--no-ingest", help="Only store the raw file.")] = False,
    retries: Annotated[int | None, typer.Option(help="Retries for transient failures (default 4).")] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="gdelt/acled/doj-press-releases: first date, YYYY-MM-DD.")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="gdelt/acled/doj-press-releases: last date, YYYY-MM-DD.")
    ] = None,
    country: Annotated[str | None, typer.Option(help="acled: country to download (default Mexico).")] = None,
    workers: Annotated[int | None, typer.Option(help="gdelt: parallel downloads (default 4).")] = None,
    db: DbOption = None,
) -> None:
    """Download an official file into the raw store, verify it, and ingest it.

    Publishers without a stable link (SESNSP, INEGI cube exports, CBP's monthly renamed files) take --url, or
    download the file by hand and use `usmx ingest`. A target refuses options it does not take, naming those it
    takes.
    """
    obs = observatory(db)
    with Reporter(source) as rep:
        res = obs.fetch(
            source,
            url=url,
            sha256=sha256,
            retries=retries,
            since=_date(date_from, "--from"),
            until=_date(date_to, "--to"),
            country=country,
            workers=workers,
            ingest=not no_ingest,
            progress=rep,
        )
    out.print(res.summary, highlight=False)
    for f in res.failed:
        err.print(f"failed: {f}", highlight=False)
    if no_ingest:
        for f in res.stored:
            out.print(f"stored  {f.path}", highlight=False)
    else:
        print_loads(res.loads)
    if res.failed:
        raise FetchError(f"{len(res.failed)} files failed; run the same command again to resume.")


def update(
    sources: Annotated[
        list[str] | None,
        typer.Argument(help="Sources to check (default: every one usmx can discover): " + _sources() + "."),
    ] = None,
    page: Annotated[
        str | None,
        typer.Option(help="With one source: read its page (or API) at this address instead of the publisher's."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Check each source for a newer release and load what is new.

    Each source's page or API is read for the links of its current files (catalog/updates.yaml); a release the
    warehouse already holds is left alone, a new one is downloaded (resumable, checked) and loaded like `usmx
    fetch`. A load changes only the months and places the release covers. One source that cannot be checked is
    reported and the others go on; the exit code is then 2.
    """
    if page and (not sources or len(sources) != 1):
        raise UsmxError("--page takes exactly one source (the page is that source's).")
    obs = observatory(db)
    bases = {sources[0]: {"page": page}} if page and sources else None
    with Reporter("update") as rep:
        results = obs.update(
            sources or None, bases=bases, progress=rep, report=lambda r: out.print(r.line, highlight=False)
        )
    failed = [r.source for r in results if r.failed]
    if failed:
        raise FetchError(f"{len(failed)} of {len(results)} sources could not be checked: {', '.join(failed)}.")


def _sources() -> str:
    from ..fetch.discover import sources

    return ", ".join(sources())


def register(app: typer.Typer) -> None:
    app.command()(fetch)
    app.command()(update)
