"""The indicator registry: named, documented, pure functions of warehouse tables.

Each indicator is written once as an Ibis expression, so the same definition runs on the DuckDB warehouse and on
another engine an Ibis backend reaches (PySpark, BigQuery). Statistical steps that are not queries (a robust
seasonal decomposition for anomalies) take the expression's result and are done in Python, documented beside the
indicator. Labels, units and definitions in Spanish and English live in ``catalog/indicators.yaml``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from .. import catalog
from ..errors import ParameterError, UnknownNameError
from ..i18n import Bilingual


@dataclass(frozen=True)
class Indicator(Bilingual):
    name: str
    func: Callable[..., pa.Table]
    unit: str
    label_en: str
    label_es: str
    definition_en: str
    definition_es: str
    sources: tuple[str, ...]
    module: str

    @property
    def params(self) -> dict[str, inspect.Parameter]:
        sig = inspect.signature(self.func)
        return dict(list(sig.parameters.items())[1:])

    @property
    def keys(self) -> tuple[str, ...]:
        """The grain columns an output can have, in order (catalog/indicators.yaml)."""
        return tuple(catalog.indicator_meta()[self.name].get("keys", ()))

    @property
    def grains(self) -> tuple[str, ...]:
        """The values ``by`` takes (the first is the default); empty when the indicator has no ``by``."""
        return tuple(catalog.indicator_meta()[self.name].get("grains", ()))

    def definition(self, lang: str) -> str:
        return self.text("definition", lang)


_REGISTRY: dict[str, Indicator] = {}


def indicator(name: str) -> Callable:
    """Register ``func(con, **params) -> pyarrow.Table`` under ``name`` with its metadata from the catalogue."""

    def wrap(func: Callable) -> Callable:
        meta = catalog.indicator_meta()[name]
        _REGISTRY[name] = Indicator(
            name=name,
            func=func,
            unit=meta["unit"],
            label_en=meta["label_en"],
            label_es=meta["label_es"],
            definition_en=" ".join(meta["definition_en"].split()),
            definition_es=" ".join(meta["definition_es"].split()),
            sources=tuple(meta["sources"]),
            module=func.__module__,
        )
        return func

    return wrap


def registry() -> dict[str, Indicator]:
    from . import (  # noqa: F401
        bridge,
        cooperation,
        crime,
        daily,
        designations,
        disappearances,
        doj,
        federal,
        gitoc,
        hotspots,
        indices,
        inegi,
        lethal,
        markets,
        scorecard,
        us,
        victims,
    )

    return dict(_REGISTRY)


def run(con: Any, name: str, **params: Any) -> pa.Table:
    """Evaluate an indicator on an Ibis backend, validating parameter names first."""
    reg = registry()
    if name not in reg:
        raise UnknownNameError(
            f"unknown indicator {name!r}{catalog.suggest(name, reg)}; `usmx indicators` lists them: "
            f"{', '.join(sorted(reg))}."
        )
    ind = reg[name]
    allowed = ind.params
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        hint = catalog.suggest(unknown[0], allowed) if len(unknown) == 1 else ""
        raise ParameterError(
            f"indicator {name!r} takes no parameter {', '.join(unknown)}{hint}; it takes: "
            f"{', '.join(allowed) or 'none'}."
        )
    from ._params import coerce

    grains = tuple(catalog.indicator_meta().get(name, {}).get("grains", ()))
    # each value read as its kind and held to its bounds (catalog/parameters.yaml); Spanish grain names resolve
    clean = {k: coerce(k, v, grains) for k, v in params.items() if v is not None}
    return _named_state(contract(ind.func(con, **clean), ind), clean.get("state"))


def _named_state(table: pa.Table, state: Any) -> pa.Table:
    """A table filtered to one state keeps the state in its rows (``state_code`` and ``state`` after the grain), so
    that an export or a copied table still says whose figures they are."""
    if not state or "state_code" in table.column_names:
        return table
    code = catalog.state_code(state)
    if code is None:
        return table
    at = 1 if table.column_names and table.column_names[0] in ("period", "year", "fiscal_year", "month") else 0
    n = table.num_rows
    table = table.add_column(at, "state_code", pa.array([code] * n, pa.string()))
    return table.add_column(at + 1, "state", pa.array([catalog.state_names().get(code, code)] * n, pa.string()))


def contract(table: pa.Table, ind: Indicator) -> pa.Table:
    """Order an indicator's output as documented: its grain keys, a state's name after ``state_code``, then
    ``value``, then supporting columns (catalog/indicators.yaml, ``keys``)."""
    names = table.column_names
    if not names and table.num_rows == 0:  # nothing to read: rows built from nothing have no columns either
        return pa.table({"value": pa.array([], pa.float64())})
    if "value" not in names:
        raise RuntimeError(f"indicator {ind.name} broke the output contract: it has no `value` column ({names}).")
    keys = [k for k in ind.keys if k in names]
    if "state_code" in keys and "state" in names:
        keys.insert(keys.index("state_code") + 1, "state")
    lead = [*keys, "value"]
    return table.select(lead + [n for n in names if n not in lead])


def why_empty(con: Any, sources: tuple[str, ...], params: dict, events: str | None) -> str:
    """Why an indicator came out empty, in words a user can act on."""
    specs = catalog.tables()
    empty = []
    for table in sources:
        if events and table == "core_gdelt__events":
            continue
        try:
            n = int(con.table(table).count().execute())
        except Exception:  # a table this warehouse does not have (an older schema) counts as empty
            n = 0
        if n == 0:
            empty.append(table)
    given = ", ".join(f"{k}={v}" for k, v in params.items() if v is not None)
    nothing = "no rows match " + (f"these parameters ({given})" if given else "it")
    if not empty:
        return f"the tables it reads hold data, but {nothing}."
    hints = []
    for table in empty:
        kind = specs[table].kind if table in specs else None
        targets = [k for k, t in catalog.fetch_targets().items() if t["kind"] == kind]
        if "gdelt" in table:
            targets = ["gdelt --from YYYY-MM-DD --to YYYY-MM-DD"]
        elif "acled" in table:
            targets = ["acled"]
        hints.append(f"`usmx fetch {targets[0]}`" if targets else "`usmx ingest FILE`")
    what = f"{', '.join(empty)} {'is' if len(empty) == 1 else 'are'} empty in this warehouse"
    load = f"load {'it' if len(empty) == 1 else 'them'} with {' or '.join(dict.fromkeys(hints))}"
    if len(empty) == len([t for t in sources if not (events and t == "core_gdelt__events")]):
        return f"{what}; {load}."
    return f"{what} ({load}); in the other tables it reads, {nothing}."
