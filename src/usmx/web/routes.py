"""One route per indicator, its query parameters typed and bounded from catalog/parameters.yaml.

``GET /api/indicators/<name>`` takes exactly the indicator's parameters that the web may set (never a path, an
engine or a raw-file glob: catalog/parameters.yaml ``cli_only``), each with its type and bounds in the OpenAPI
document, plus the answer's ``format`` and its page. Any other query parameter is refused (422, naming it); a value
out of bounds is refused before anything is computed. Answers are paged: at most :data:`PAGE_ROWS` rows each.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import Response

from ..errors import ParameterError

#: the most rows one answer holds; longer answers are paged (``page``, ``page_size``)
PAGE_ROWS = 5000
#: the answer's own parameters, besides the indicator's
OWN = ("format", "page", "page_size")


def _annotation(name: str, grains: tuple[str, ...]) -> Any:
    """The typed, bounded query parameter of one indicator parameter (catalog/parameters.yaml)."""
    from ..indicators._params import expected, specs

    s = specs()[name]
    kind = s["kind"]
    words = f"{s['en']} ({expected(name, grains)})"
    if kind in ("int", "year"):
        low, high = (1900, 2100) if kind == "year" else (s["min"], s["max"])
        return Annotated[int | None, Query(ge=low, le=high, description=words)]
    if kind == "float":
        return Annotated[float | None, Query(ge=s["min"], le=s["max"], allow_inf_nan=False, description=words)]
    if kind == "bool":
        return Annotated[bool | None, Query(description=words)]
    if kind in ("choice", "by"):
        choices = list(s["choices"]) if kind == "choice" else list(grains)
        return Annotated[str | None, Query(max_length=60, description=words,
                                           json_schema_extra={"enum": choices})]  # fmt: skip
    if kind == "date":
        return Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}(-\d{2})?$", description=words)]
    return Annotated[str | None, Query(max_length=int(s["max_length"]), pattern=s.get("pattern"),
                                       description=words)]  # fmt: skip


def web_parameters(name: str) -> list[str]:
    """The parameters of indicator ``name`` the web may set."""
    from .. import indicators
    from ..indicators._params import cli_only

    return [p for p in indicators.registry()[name].params if p not in cli_only()]


def add_indicator_routes(
    app: FastAPI,
    serve: Callable[[str, str, int, int, dict[str, Any]], Awaitable[Response]],
    responses: dict,
    response_model: Any,
) -> None:
    """A route per indicator; ``serve(name, format, page, page_size, params)`` answers it."""
    from .. import catalog, indicators

    for name, ind in sorted(indicators.registry().items()):
        grains = tuple(catalog.indicator_meta()[name].get("grains", ()))
        names = web_parameters(name)
        signature = [
            inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request),
            inspect.Parameter("format", inspect.Parameter.KEYWORD_ONLY, default="json", annotation=Annotated[
                str, Query(pattern="^(json|csv|parquet)$", description="json, csv or parquet")]),
            inspect.Parameter("page", inspect.Parameter.KEYWORD_ONLY, default=1, annotation=Annotated[
                int, Query(ge=1, le=1_000_000, description="the page of the answer (1 = the first)")]),
            inspect.Parameter("page_size", inspect.Parameter.KEYWORD_ONLY, default=PAGE_ROWS, annotation=Annotated[
                int, Query(ge=1, le=PAGE_ROWS, description=f"rows a page (at most {PAGE_ROWS:,})")]),
            *[inspect.Parameter(p, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=_annotation(p, grains))
              for p in names],
        ]  # fmt: skip
        app.add_api_route(
            f"/api/indicators/{name}",
            _endpoint(name, names, serve, inspect.Signature(signature)),
            methods=["GET"],
            response_model=response_model,
            responses={
                200: {
                    "content": {
                        "text/csv": {"schema": {"type": "string"}},
                        "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
                    },
                    "description": "The indicator's rows: JSON (below), or CSV or Parquet with format=",
                },
                **responses,
            },  # fmt: skip
            tags=["indicators"],
            summary=ind.label_en,
            description=f"{ind.definition_en} Unit: {ind.unit}.",
            name=f"indicator_{name}",
        )


def _endpoint(name: str, names: list[str], serve, signature: inspect.Signature):
    async def endpoint(request: Request, format: str, page: int, page_size: int, **params: Any) -> Response:
        extra = sorted(set(request.query_params) - set(names) - set(OWN))
        if extra:
            from .. import catalog

            hint = catalog.suggest(extra[0], names) if len(extra) == 1 else ""
            raise HTTPException(
                422,
                str(
                    ParameterError(
                        f"indicator {name!r} takes no parameter {', '.join(extra)}{hint}; it takes: "
                        f"{', '.join(names) or 'none'}."
                    )
                ),  # fmt: skip
            )
        given = {k: v for k, v in params.items() if v is not None}
        return await serve(name, format, page, page_size, given)

    endpoint.__signature__ = signature  # type: ignore[attr-defined]
    endpoint.__name__ = f"indicator_{name}"
    return endpoint
