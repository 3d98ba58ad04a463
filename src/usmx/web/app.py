"""``usmx serve``: a read-only JSON API over a warehouse, with its OpenAPI document, and the dashboard.

Every answer is computed from the newest published snapshot (:mod:`usmx.web.snapshots`) through the same
:class:`~usmx.api.Observatory` calls as the CLI, so the API validates parameters and words its errors as the CLI
does: an unknown indicator is a 404, an unknown or malformed parameter a 422, never a 500. Answers are cached per
snapshot (an indicator, an evaluation or the claims are computed once per warehouse state, not per request). No
endpoint writes, and there is no SQL endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi import Path as Path_
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel

from .. import catalog, config, warehouse
from .._version import __version__
from ..api import Observatory
from ..errors import MissingFileError, UnknownNameError, UsmxError
from .guard import BUDGET_SECONDS, LOOPBACK, Budget, Cache, Guard
from .routes import add_indicator_routes
from .snapshots import Publisher, Snapshot
from .warm import URL, Context, Warmer, dashboard_urls

#: the indicators /api/evaluate/its may evaluate: those with a monthly grain
MONTHLY = ["homicide_victims", "homicide_victims_daily_average", "daily_homicides", "disappearances",
           "federal_crimes", "fentanyl_seizures_lbs", "fentanyl_seizure_events", "southwest_border_encounters",
           "overdose_deaths", "lethal_violence"]  # fmt: skip

#: HTTP status of each kind of refusal (usmx.errors), the most specific class first; a class not listed takes its
#: nearest listed base's status, and anything that is not a UsmxError is a 500 (a bug)
STATUS: dict[type[Exception], int] = {UnknownNameError: 404, MissingFileError: 503, UsmxError: 422}


def status_of(exc: UsmxError) -> int:
    """The HTTP status of a usmx refusal, by its class."""
    return next(STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS)


class Health(BaseModel):
    status: str
    snapshot: str
    loads: int
    version: str


class IndicatorInfo(BaseModel):
    name: str
    unit: str
    label_en: str
    label_es: str
    definition_en: str
    definition_es: str
    sources: list[str]
    parameters: dict[str, str | int | float | bool | None]
    grains: list[str]


class TableItem(BaseModel):
    name: str
    type: str
    rows: int
    description: str


class Problem(BaseModel):
    """Why a request was refused, in the words the CLI uses."""

    detail: str


#: the refusals every operation documents: the same shape whether FastAPI or usmx refused the request
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such indicator"},
    422: {"model": Problem, "description": "A parameter usmx does not accept, with the reason"},
    503: {"model": Problem, "description": "No warehouse to read"},
}


class Frame(BaseModel):
    """An indicator's (or a listing's) rows: ``columns`` in order, ``rows`` as objects (dates as ISO text)."""

    name: str
    columns: list[str]
    rows: list[dict[str, Any]]
    note: str | None = None
    snapshot: str


def _plain(v: Any) -> Any:
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def _note(table: pa.Table) -> str | None:
    meta = table.schema.metadata or {}
    text = meta.get(b"note") or meta.get(b"empty")
    return text.decode() if text else None


def _frame(name: str, table: pa.Table, key: str) -> dict:
    rows = [{k: _plain(v) for k, v in r.items()} for r in table.to_pylist()]
    return {"name": name, "columns": table.column_names, "rows": rows, "note": _note(table), "snapshot": key}


@dataclass(frozen=True)
class _Answer:
    body: bytes
    media_type: str
    headers: dict[str, str]

    def response(self) -> Response:
        return Response(self.body, media_type=self.media_type, headers=self.headers)


def _json(value: Any, headers: dict[str, str] | None = None) -> _Answer:
    return _Answer(json.dumps(_plain(value), ensure_ascii=False).encode(), "application/json", headers or {})


def create_app(
    db: str | Path,
    *,
    data_dir: str | Path | None = None,
    allowed_hosts: tuple[str, ...] = (),
    budget_seconds: float = BUDGET_SECONDS,
    warm: bool = False,
) -> FastAPI:
    """The ASGI app over warehouse ``db`` (read-only). ``allowed_hosts``: Host names answered besides this machine's
    loopback names (``*``: any); ``budget_seconds``: how long a request may wait and compute (usmx.web.guard);
    ``warm``: compute the dashboard's answers at start-up and a new warehouse state's answers before it is handed
    out (usmx.web.warm; `usmx serve` does)."""
    home = Observatory(db, data_dir)
    cache = Cache()
    budget = Budget(seconds=budget_seconds)
    observatories: dict[str, Observatory] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm:
            warmer.start(asyncio.get_running_loop())
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="usmx",
        version=__version__,
        description="Read-only API of a usmx warehouse: Mexico's organized crime and US-Mexico security cooperation "
        "from official sources. Every answer names the warehouse state (`snapshot`) it was computed from. Every "
        "parameter is typed and bounded; answers are paged; each request has a time budget (503 past it).",
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(Context)
    app.add_middleware(Guard, allowed_hosts=(*LOOPBACK, *allowed_hosts))
    warmer = Warmer(app, lambda: list(dashboard_urls(dashboard_catalog()).values()))
    publisher = Publisher(
        home.db,
        home.data_dir / "serve",
        warm=(lambda fresh, done: warmer.warm(fresh.key, cache.urls(publisher.current_key()), done)) if warm else None,
        published=lambda snap: cache.retire(snap.key),
    )

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = [f"{'.'.join(str(x) for x in e.get('loc', ())[1:])}: {e.get('msg')}" for e in exc.errors()]
        return JSONResponse({"detail": "; ".join(parts) or "invalid request"}, status_code=422)

    async def snapshot() -> Snapshot:
        pending = publisher.pending
        if pending is not None and warmer.asks_for(pending.key):  # the warm-up's own request
            return pending
        try:  # a copy to publish blocks: done off the event loop; the usual check is a clock read
            return await run_in_threadpool(publisher.current) if publisher.due() else publisher.current()
        except MissingFileError as exc:
            raise HTTPException(503, str(exc)) from None

    def observatory(snap: Snapshot) -> Observatory:
        if snap.key not in observatories:
            observatories.clear()
            observatories[snap.key] = Observatory(
                snap.path, home.data_dir / "serve" / "work", memory=config.get("USMX_SERVE_MEMORY")
            )
        return observatories[snap.key]

    async def answer(key: tuple, compute: Callable[[Observatory, str], _Answer]) -> Response:
        """The answer for ``key`` on the current snapshot: from the cache (encoded once), or computed off the event
        loop; usmx's refusals become 404 (no such indicator) or 422 (a bad parameter), with the CLI's words."""
        snap = await snapshot()
        found = cache.get(snap.key, key)
        if found is None:

            def run() -> _Answer:
                try:
                    return compute(observatory(snap), snap.key)
                except UsmxError as exc:
                    raise HTTPException(status_of(exc), str(exc)) from None
                except duckdb.OutOfMemoryException:
                    raise HTTPException(
                        503,
                        "the answer needs more memory than this server gives one request (USMX_SERVE_MEMORY, "
                        f"{config.get('USMX_SERVE_MEMORY')}); the server goes on answering others.",
                    ) from None

            try:
                url = URL.get()
                found = await budget.run(run, lambda result: cache.put(snap.key, key, result, url))
            except TimeoutError:
                raise HTTPException(
                    503,
                    f"the answer takes longer than this server's budget of {budget.seconds:g} s a request; it goes on "
                    "being computed: ask again shortly.",
                ) from None
        return found.response()

    @app.get("/healthz", response_model=Health, responses=ERRORS, tags=["service"])
    async def healthz() -> Response:
        return await answer(("healthz",), lambda o, s: _json(
            {"status": "ok", "snapshot": s, "loads": o.loads().num_rows, "version": __version__}))  # fmt: skip

    @app.get("/api/indicators", response_model=list[IndicatorInfo], responses=ERRORS, tags=["indicators"])
    async def indicators() -> Response:
        def compute(o: Observatory, s: str) -> _Answer:
            meta = catalog.indicator_meta()
            return _json([
                {
                    "name": i.name, "unit": i.unit, "label_en": i.label_en, "label_es": i.label_es,
                    "definition_en": i.definition_en, "definition_es": i.definition_es, "sources": list(i.sources),
                    "parameters": {k: _param_default(p.default) for k, p in i.params.items()},
                    "grains": list(meta.get(i.name, {}).get("grains", ())),
                }
                for i in home.indicators()
            ])  # fmt: skip

        return await answer(("indicators",), compute)

    async def serve_indicator(name: str, format: str, page: int, page_size: int, params: dict) -> Response:
        """An indicator's table, one page of it (the parameters already typed and bounded: usmx.web.routes)."""

        def compute(o: Observatory, s: str) -> _Answer:
            whole = o.indicator(name, **params)
            pages = max(1, -(-whole.num_rows // page_size))
            if page > pages:
                raise HTTPException(404, f"page {page} of {name}: the answer has {pages} page(s) of {page_size} rows.")
            table = whole.slice((page - 1) * page_size, page_size)
            paging = {"X-Total-Rows": str(whole.num_rows), "X-Page": str(page), "X-Pages": str(pages)}
            if format == "csv":
                import pyarrow.csv as pacsv

                buf = io.BytesIO()
                pacsv.write_csv(table, buf)
                return _Answer(buf.getvalue(), "text/csv; charset=utf-8",
                               {"Content-Disposition": f'attachment; filename="{name}.csv"', **paging})  # fmt: skip
            if format == "parquet":
                import pyarrow.parquet as pq

                buf = io.BytesIO()
                pq.write_table(table, buf)
                return _Answer(buf.getvalue(), "application/vnd.apache.parquet",
                               {"Content-Disposition": f'attachment; filename="{name}.parquet"', **paging})  # fmt: skip
            frame = _frame(name, table, s)
            return _json({**frame, "page": page, "pages": pages, "total_rows": whole.num_rows}, paging)

        return await answer(("indicator", name, format, page, page_size, tuple(sorted(params.items()))), compute)

    add_indicator_routes(app, serve_indicator, ERRORS, Frame)

    @app.get("/api/indicators/{name}", response_model=Frame, responses=ERRORS, tags=["indicators"])
    async def unknown_indicator(name: str) -> Response:
        """An indicator usmx does not have: 404, with the names it has (and a suggestion for a typo)."""
        from .. import indicators

        reg = indicators.registry()
        raise HTTPException(
            404, f"unknown indicator {name[:80]!r}{catalog.suggest(name, reg)}; `GET /api/indicators` lists them."
        )

    @app.get("/api/tables", response_model=list[TableItem], responses=ERRORS, tags=["warehouse"])
    async def tables() -> Response:
        return await answer(("tables",), lambda o, s: _json([t.__dict__ for t in o.tables()]))

    @app.get("/api/loads", response_model=Frame, responses=ERRORS, tags=["warehouse"])
    async def loads() -> Response:
        """Every file loaded, by its name (never where it lies on the server): kind, sha256, vintage, rows."""

        def compute(o: Observatory, s: str) -> _Answer:
            table = o.loads()
            names = [Path(str(n).removeprefix("usmx bundled sample: ")).name for n in table["file_name"].to_pylist()]
            table = table.drop_columns([c for c in ("raw_path", "file_name") if c in table.column_names])
            return _json(_frame("loads", table.append_column("file_name", pa.array(names, pa.string())), s))

        return await answer(("loads",), compute)

    @app.get("/api/status", response_model=Frame, responses=ERRORS, tags=["warehouse"])
    async def status(lang: str = Query("en", pattern="^(en|es)$")) -> Response:
        """How current each core table is: its newest period loaded, the newest its publisher should have released
        by today (catalog/releases.yaml), the months between and a status (current, ended, due, stale, not_judged,
        not_loaded)."""

        def compute(o: Observatory, s: str) -> _Answer:
            rows = o.status(lang)
            return _json({"name": "status", "columns": list(rows[0]) if rows else [], "rows": rows, "snapshot": s})

        return await answer(("status", lang, config.today().isoformat()), compute)

    @app.get("/api/claims", response_model=Frame, responses=ERRORS, tags=["evidence"])
    async def claims(lang: str = Query("en", pattern="^(en|es)$")) -> Response:
        def compute(o: Observatory, s: str) -> _Answer:
            rows = [{k: _plain(v) for k, v in r.items()} for r in o.claims(lang, explain=True)]
            return _json({"name": "claims", "columns": list(rows[0]) if rows else [], "rows": rows, "snapshot": s})

        return await answer(("claims", lang), compute)

    @app.get("/api/evaluate/its", responses=ERRORS, tags=["evidence"])
    async def evaluate_its(
        indicator: str = Query(
            "homicide_victims",
            description="a monthly indicator",
            json_schema_extra={"enum": MONTHLY},
            pattern=r"^[a-z_0-9]{1,40}$",
        ),
        intervention: str | None = Query(
            None,
            pattern=r"^\d{4}-\d{2}$",
            description=f"YYYY-MM (default: the strategy's start, {catalog.key_date('strategy').month})",
        ),
        state: str | None = Query(None, max_length=60, description="a state: INEGI code, abbreviation or name"),
    ) -> Response:
        """The interrupted-time-series evaluation (as `usmx evaluate its`), computed once per warehouse state."""

        def compute(o: Observatory, s: str) -> _Answer:
            res = o.evaluate("its", indicator=indicator, state=state, intervention=intervention, pre_window=60)
            return _json({**res.to_dict(), "snapshot": s})

        return await answer(("its", indicator, intervention, state), compute)

    @app.get("/api/audit/{kind}", response_model=Frame, responses=ERRORS, tags=["evidence"])
    async def audit(kind: str = Path_(max_length=40, description="reclassification, substitution, revisions, "
                                                                 "inegi-gap or breaks")) -> Response:  # fmt: skip
        """An integrity audit (as `usmx audit KIND`): reclassification, substitution, revisions, inegi-gap, breaks."""
        return await answer(("audit", kind), lambda o, s: _json(_frame(kind, o.audit(kind), s)))

    @app.get("/api/ledger", response_model=Frame, responses=ERRORS, tags=["evidence"])
    async def ledger() -> Response:
        """The cooperation ledger's events (date, kind, titles, publisher, address) and counts, oldest first."""

        def compute(o: Observatory, s: str) -> _Answer:
            # a plain read-only connection: Observatory.sql locks the connection's settings, which in one process
            # would lock them for every other connection to the same file (DuckDB shares the database instance)
            with warehouse.opened(o.db, read_only=True) as con:
                events = con.sql(
                    "SELECT event_date, kind, persons, title_en, title_es, publisher, url FROM core_ledger__events "
                    "ORDER BY event_date, event_id"
                ).to_arrow_table()
            return _json(_frame("ledger", events, s))

        return await answer(("ledger",), compute)

    dash = dashboard_catalog()

    @app.get("/api/catalog", tags=["service"])
    async def catalogue() -> dict:
        """What the dashboard's filters offer: states, crime groups, administrations, and its queries."""
        return dash

    @app.get("/docs", include_in_schema=False)
    def docs() -> FileResponse:
        """The API's documentation (Swagger UI, vendored: it works with no network)."""
        return FileResponse(static_file("docs.html") or "", media_type="text/html; charset=utf-8")

    page = (static_file("index.html") or Path()).read_bytes()  # read once: the page is asked for most

    @app.get("/", include_in_schema=False)
    async def dashboard() -> Response:  # async: answered on the event loop, not queued for a worker thread
        return Response(page, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})

    @app.get("/static/{name}", include_in_schema=False)
    def asset(name: str) -> FileResponse:
        path = static_file(name)
        if path is None:
            raise HTTPException(404, "no such file")
        return FileResponse(path)

    app.state.publisher = publisher
    app.state.cache = cache
    app.state.warmer = warmer
    return app


def dashboard_catalog() -> dict:
    """States, crime groups (with their measure), administrations (dates and colours) and the dashboard's queries
    (static/queries.json), in both languages."""
    from .. import i18n, sources

    groups = catalog.crime_groups()
    return {
        "states": [{"code": c, "name": n} for c, n in catalog.state_names().items()],
        "groups": [
            {"key": g, "label_en": groups[g].label_en, "label_es": groups[g].label_es, "measure": groups[g].measure}
            for g in catalog.comparison_groups()
        ],
        "administrations": [
            {
                "key": a.key,
                "label_en": a.label_en,
                "label_es": a.label_es,
                "start": a.start.isoformat(),
                "end": a.end.isoformat(),
                "colour": a.colour,
            }
            for a in catalog.administrations()
        ],  # fmt: skip
        "queries": queries(),
        # labels the dashboard shares with the report: every crime group, the scorecard's components, the dataset
        # pages of the kinds of files loaded; number and date conventions per language
        "group_labels": {k: {"en": g.label_en, "es": g.label_es} for k, g in groups.items()},
        "components": {
            c: {lang: i18n.t(f"component_{c}", lang) for lang in i18n.LANGS} for c in catalog.scorecard_order()
        },
        "kind_pages": {k: catalog.kind_page(k) for k in sources.kinds()},
        # each core table's dataset page (of its kind), where a newer release is found
        "source_pages": {n: page for n, s in catalog.tables().items() if (page := catalog.kind_page(s.kind))},
        "locales": {lang: {"number": i18n.FORMAT_LOCALE[lang], "time": i18n.time_locale(lang)} for lang in i18n.LANGS},
    }


def queries() -> list[dict]:
    """The dashboard's requests (static/queries.json); ``{group}`` and ``{measure}`` expand per crime group."""
    text = resources.files("usmx.web").joinpath("static/queries.json").read_text("utf-8")
    return json.loads(text)["queries"]


def static_file(name: str) -> Path | None:
    """A file the dashboard loads: its own (web/static) or a map of the catalogue (catalog/geo); None for any name
    that is not a plain file name there (a path, a NUL, a dot file)."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", name):
        return None
    for folder in (resources.files("usmx.web") / "static", resources.files("usmx.catalog") / "geo"):
        base = Path(str(folder)).resolve()
        path = (base / name).resolve()
        if path.parent == base and path.is_file():
            return path
    return None


def _param_default(v: Any) -> Any:
    import inspect

    if v is inspect.Parameter.empty:
        return None
    return v if isinstance(v, (str, int, float, bool)) or v is None else json.dumps(v, default=str)
