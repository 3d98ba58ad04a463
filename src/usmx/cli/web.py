"""``usmx serve``: the read-only API and dashboard over a warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._output import DbOption, Reporter, err, observatory, out


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            help="A Host name the server answers besides this machine's loopback names (repeat for more; * for "
            "any). Needed when serving behind a proxy or on a public address.",
        ),
    ] = None,
) -> None:
    """Serve the dashboard and a read-only JSON API (/api/..., OpenAPI at /openapi.json, docs at /docs) over the
    warehouse. The server reads its own read-only copy of the warehouse and publishes a new one after each load, so
    `usmx ingest` can run while it serves; it never writes to the warehouse. It answers only the Host names it is
    told (loopback by default, --allow-host for more), sends a strict Content-Security-Policy, and gives each
    request a time budget."""
    import uvicorn

    from ..web.app import create_app

    obs = observatory(db)
    obs._require()
    app = create_app(obs.db, data_dir=obs.data_dir, allowed_hosts=tuple(allow_host or ()), warm=True)
    app.state.publisher.current()  # the first copy now: a bad warehouse fails here, not on the first request
    err.print(f"usmx serving {obs.db} on http://{host}:{port}/ (API docs: http://{host}:{port}/docs); Ctrl-C stops")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def site(
    output: Annotated[
        Path,
        typer.Option(
            help="A new or empty folder, or a site usmx wrote before (replaced whole); a folder holding other files "
            "is refused."
        ),
    ],
    db: DbOption = None,
) -> None:
    """Export the dashboard as static files (HTML, JavaScript, JSON data) that any static host can publish, with
    no server: every view the dashboard offers, answered now from the warehouse."""
    from ..web.site import export

    obs = observatory(db)
    obs._require()
    with Reporter("site") as rep:
        res = export(obs.db, output, data_dir=obs.data_dir, progress=rep)
    out.print(
        f"wrote {res['path']}: {res['written']} of {res['queries']} views with data "
        f"({res['missing']} the warehouse cannot fill show 'no data'). Open index.html through any web server.",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(site)
