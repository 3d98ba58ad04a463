"""The catalogue's maps (catalog/geo): simplified TopoJSON of Mexico's states and municipalities."""

from __future__ import annotations

from functools import cache
from typing import Any

from ._files import _PKG


@cache
def topology(name: str) -> dict[str, Any]:
    """A map of the catalogue (catalog/geo/<name>.topojson.json): ``mx_states`` (object ``collection``, properties
    ``CVEGEO``) or ``mx_municipalities`` (object ``municipios``, properties ``id``: the 5-digit INEGI code)."""
    import json

    if name not in ("mx_states", "mx_municipalities"):
        raise ValueError(f"no map named {name!r} in catalog/geo")
    return json.loads(_PKG.joinpath(f"geo/{name}.topojson.json").read_text(encoding="utf-8"))
