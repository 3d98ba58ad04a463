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
from ..errors import UsmxError


@dataclass(frozen=True)
class Indicator:
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

    def label(self, lang: str) -> str:
        return self.label_es if lang == "es" else self.label_en

    def definition(self, lang: str) -> str:
        return self.definition_es if lang == "es" else self.definition_en


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
    from . import bridge, cooperation, crime, designations, disappearances, federal, inegi, us  # noqa: F401

    return dict(_REGISTRY)


def run(con: Any, name: str, **params: Any) -> pa.Table:
    """Evaluate an indicator on an Ibis backend, validating parameter names first."""
    reg = registry()
    if name not in reg:
        raise UsmxError(
            f"unknown indicator {name!r}{catalog.suggest(name, reg)}; `usmx indicators` lists them: "
            f"{', '.join(sorted(reg))}."
        )
    ind = reg[name]
    allowed = ind.params
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        hint = catalog.suggest(unknown[0], allowed) if len(unknown) == 1 else ""
        raise UsmxError(
            f"indicator {name!r} takes no parameter {', '.join(unknown)}{hint}; it takes: "
            f"{', '.join(allowed) or 'none'}."
        )
    clean = {k: v for k, v in params.items() if v is not None}
    grains = tuple(catalog.indicator_meta().get(name, {}).get("grains", ()))
    if grains and isinstance(clean.get("by"), str):  # Spanish grain names: --by sexenio, --by año
        clean["by"] = catalog.resolve_choice("by", clean["by"], grains) or clean["by"]
    return contract(ind.func(con, **clean), ind)


def contract(table: pa.Table, ind: Indicator) -> pa.Table:
    """Order an indicator's output as documented: its grain keys, a state's name after ``state_code``, then
    ``value``, then supporting columns (catalog/indicators.yaml, ``keys``)."""
    names = table.column_names
    if "value" not in names:
        raise RuntimeError(f"indicator {ind.name} broke the output contract: it has no `value` column ({names}).")
    keys = [k for k in ind.keys if k in names]
    if "state_code" in keys and "state" in names:
        keys.insert(keys.index("state_code") + 1, "state")
    lead = [*keys, "value"]
    return table.select(lead + [n for n in names if n not in lead])
