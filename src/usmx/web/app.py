"""``usmx serve``: a read-only JSON API over a warehouse, with its OpenAPI document, and the dashboard.

Every answer is computed from the newest published snapshot (:mod:`usmx.web.snapshots`) through the same
:class:`~usmx.api.Observatory` calls as the CLI, so the API validates parameters and words its errors as the CLI
does: an unknown indicator is a 404, an unknown or malformed parameter a 422, never a 500. Answers are cached per
snapshot (an indicator, an evaluation or the claims are computed once per warehouse state, not per request). No
endpoint writes, and there is no SQL endpoint.
"""

from __future__ import annotations

import io
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel

from .. import catalog, warehouse
from .._version import __version__
from ..api import Observatory
from ..errors import MissingFileError, UnknownNameError, UsmxError
from .snapshots import Publisher, Snapshot

#: HTTP status of each kind of refusal (usmx.errors), the most specific class first; a class not listed takes its
#: nearest listed base's status, and anything that is not a UsmxError is a 500 (a bug)
STATUS: dict[type[Exception], int] = {UnknownNameError: 404, MissingFileError: 503, UsmxError: 422}


def status_of(exc: UsmxError) -> int:
    """The HTTP status of a usmx refusal, by its class."""
    return next(STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS)


#: parameters of /api/indicators/{name} that are not the indicator's own
RESERVED = {"format"}
CACHE_ENTRIES = 2048


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


class _Cache:
    """Answers per (snapshot, request), least recently used first out; a new snapshot empties it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.key = ""
        self.items: OrderedDict[tuple, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, snapshot: str, key: tuple) -> Any:
        with self.lock:
            if snapshot != self.key:
                self.items.clear()
                self.key = snapshot
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, snapshot: str, key: tuple, value: Any) -> None:
        with self.lock:
            if snapshot == self.key:
                self.items[key] = value
                while len(self.items) > self.size:
                    self.items.popitem(last=False)


@dataclass(frozen=True)
class _Answer:
    body: bytes
    media_type: str
    headers: dict[str, str]

    def response(self) -> Response:
        return Response(self.body, media_type=self.media_type, headers=self.headers)


def _json(value: Any) -> _Answer:
    return _Answer(json.dumps(_plain(value), ensure_ascii=False).encode(), "application/json", {})


def create_app(db: str | Path, *, data_dir: str | Path | None = None) -> FastAPI:
    """The ASGI app over warehouse ``db`` (read-only)."""
    home = Observatory(db, data_dir)
    publisher = Publisher(home.db, home.data_dir / "serve")
    cache = _Cache(CACHE_ENTRIES)
    observatories: dict[str, Observatory] = {}
    app = FastAPI(
        title="usmx",
        version=__version__,
        description="Read-only API of a usmx warehouse: Mexico's organized crime and US-Mexico security cooperation "
        "from official sources. Every answer names the warehouse state (`snapshot`) it was computed from.",
    )

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = [f"{'.'.join(str(x) for x in e.get('loc', ())[1:])}: {e.get('msg')}" for e in exc.errors()]
        return JSONResponse({"detail": "; ".join(parts) or "invalid request"}, status_code=422)

    async def snapshot() -> Snapshot:
        try:  # a copy to publish blocks: done off the event loop; the usual check is a clock read
            return await run_in_threadpool(publisher.current) if publisher.due() else publisher.current()
        except MissingFileError as exc:
            raise HTTPException(503, str(exc)) from None

    def observatory(snap: Snapshot) -> Observatory:
        if snap.key not in observatories:
            observatories.clear()
            observatories[snap.key] = Observatory(snap.path, home.data_dir / "serve" / "work")
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

            found = await run_in_threadpool(run)
            cache.put(snap.key, key, found)
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

    @app.get("/api/indicators/{name}", response_model=Frame, responses=ERRORS, tags=["indicators"])
    async def indicator(
        name: str,
        request: Request,
        format: str = Query("json", pattern="^(json|csv|parquet)$", description="json, csv or parquet"),
        by: str | None = Query(None, description="the grain: month, year, state, administration…"),
        state: str | None = Query(None, description="a state code or name (Spanish names and accents accepted)"),
    ) -> Response:
        """An indicator's table; any other query parameter is one of the indicator's parameters
        (`GET /api/indicators` lists them), validated as `usmx indicator` validates them."""
        params = {k: v for k, v in request.query_params.items() if k not in RESERVED | {"by", "state"}}
        if by is not None:
            params["by"] = by
        if state is not None:
            params["state"] = state

        def compute(o: Observatory, s: str) -> _Answer:
            table = o.indicator(name, **params)
            if format == "csv":
                import pyarrow.csv as pacsv

                buf = io.BytesIO()
                pacsv.write_csv(table, buf)
                return _Answer(buf.getvalue(), "text/csv; charset=utf-8",
                               {"Content-Disposition": f'attachment; filename="{name}.csv"'})  # fmt: skip
            if format == "parquet":
                import pyarrow.parquet as pq

                buf = io.BytesIO()
                pq.write_table(table, buf)
                return _Answer(buf.getvalue(), "application/vnd.apache.parquet",
                               {"Content-Disposition": f'attachment; filename="{name}.parquet"'})  # fmt: skip
            return _json(_frame(name, table, s))

        return await answer(("indicator", name, format, tuple(sorted(params.items()))), compute)

    @app.get("/api/tables", response_model=list[TableItem], responses=ERRORS, tags=["warehouse"])
    async def tables() -> Response:
        return await answer(("tables",), lambda o, s: _json([t.__dict__ for t in o.tables()]))

    @app.get("/api/loads", response_model=Frame, responses=ERRORS, tags=["warehouse"])
    async def loads() -> Response:
        return await answer(("loads",), lambda o, s: _json(_frame("loads", o.loads(), s)))

    @app.get("/api/claims", response_model=Frame, responses=ERRORS, tags=["evidence"])
    async def claims(lang: str = Query("en", pattern="^(en|es)$")) -> Response:
        def compute(o: Observatory, s: str) -> _Answer:
            rows = [{k: _plain(v) for k, v in r.items()} for r in o.claims(lang, explain=True)]
            return _json({"name": "claims", "columns": list(rows[0]) if rows else [], "rows": rows, "snapshot": s})

        return await answer(("claims", lang), compute)

    @app.get("/api/evaluate/its", responses=ERRORS, tags=["evidence"])
    async def evaluate_its(
        indicator: str = Query("homicide_victims", description="a monthly indicator"),
        intervention: str | None = Query(
            None,
            pattern=r"^\d{4}-\d{2}$",
            description=f"YYYY-MM (default: the strategy's start, {catalog.key_date('strategy').month})",
        ),
        state: str | None = Query(None),
    ) -> Response:
        """The interrupted-time-series evaluation (as `usmx evaluate its`), computed once per warehouse state."""

        def compute(o: Observatory, s: str) -> _Answer:
            res = o.evaluate("its", indicator=indicator, state=state, intervention=intervention, pre_window=60)
            return _json({**res.to_dict(), "snapshot": s})

        return await answer(("its", indicator, intervention, state), compute)

    @app.get("/api/audit/{kind}", response_model=Frame, responses=ERRORS, tags=["evidence"])
    async def audit(kind: str) -> Response:
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

    @app.get("/api/catalog", tags=["service"])
    def catalogue() -> dict:
        """What the dashboard's filters offer: states, crime groups, administrations, and its queries."""
        return dashboard_catalog()

    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        return FileResponse(static_file("index.html") or "", media_type="text/html; charset=utf-8")

    @app.get("/static/{name}", include_in_schema=False)
    def asset(name: str) -> FileResponse:
        path = static_file(name)
        if path is None:
            raise HTTPException(404, "no such file")
        return FileResponse(path)

    app.state.publisher = publisher
    app.state.cache = cache
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
        "locales": {lang: {"number": i18n.FORMAT_LOCALE[lang], "time": i18n.time_locale(lang)} for lang in i18n.LANGS},
    }


def queries() -> list[dict]:
    """The dashboard's requests (static/queries.json); ``{group}`` and ``{measure}`` expand per crime group."""
    text = resources.files("usmx.web").joinpath("static/queries.json").read_text("utf-8")
    return json.loads(text)["queries"]


def static_file(name: str) -> Path | None:
    """A file the dashboard loads: its own (web/static) or the state map the report draws too."""
    for folder in (resources.files("usmx.web") / "static", resources.files("usmx.report") / "assets"):
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
