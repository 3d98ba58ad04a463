"""The registry of evaluations and audits: what each reads and which of its options are key dates.

Evaluations and audits are registered with :func:`evaluation` and :func:`audit`: each declares the indicator tables
it reads (:class:`Input`, a function of its options) and which of its options default to a key date of the
catalogue (catalog/key_dates.yaml), so that the strategy's date is written once and the report can plan from what
each reads. :class:`usmx.evidence.Evidence` runs them, each once per warehouse state.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from .. import catalog
from ..errors import ParameterError


@dataclass(frozen=True)
class Input:
    """An indicator table an evaluation reads: the indicator's name and its parameters."""

    indicator: str
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, indicator: str, **params: Any) -> Input:
        return cls(indicator, tuple(sorted((k, _frozen(v)) for k, v in params.items() if v is not None)))

    @property
    def sources(self) -> tuple[str, ...]:
        """The warehouse tables the indicator reads (catalog/indicators.yaml)."""
        return tuple(catalog.indicator_meta()[self.indicator]["sources"])

    def ready(self, loaded: set[str]) -> bool:
        """Whether the indicator can give rows when the tables ``loaded`` hold data (catalog/indicators.yaml): every
        table it ``requires`` with these parameters, and one of ``requires_any``; with neither, any of its
        sources."""
        meta = catalog.indicator_meta()[self.indicator]
        params = dict(self.params)
        required = set(meta.get("requires", ()))
        for param, by_value in (meta.get("requires_by") or {}).items():
            required |= set(by_value.get(params.get(param), ()))
        any_of = set(meta.get("requires_any", ()) or (() if required else self.sources))
        return required <= loaded and (not any_of or bool(any_of & loaded))


def _frozen(v: Any) -> Any:
    if isinstance(v, dict):
        return tuple(sorted((k, _frozen(x)) for k, x in v.items()))
    if isinstance(v, (list, tuple, set)):
        return tuple(_frozen(x) for x in v)
    return v


def _key(options: Mapping[str, Any]) -> tuple | None:
    """A memo key for options, or None when one of them cannot be one (a table given as data)."""
    try:
        key = tuple(sorted((k, _frozen(v)) for k, v in options.items() if v is not None))
        hash(key)
    except TypeError:
        return None
    return key


#: what an evaluation's inputs are: named indicator tables to read, or tables given by the caller
Inputs = Mapping[str, "Input | pa.Table"]


@dataclass(frozen=True)
class Spec:
    """A registered evaluation or audit."""

    name: str
    kind: str  # "evaluation" or "audit"
    func: Callable[..., Any]
    inputs: Callable[..., Inputs] | None  # its options -> the tables it reads (None: it reads the warehouse itself)
    dates: tuple[tuple[str, str], ...]  # (option, key date) pairs: the option's default comes from the catalogue

    @property
    def summary(self) -> str:
        return (inspect.getdoc(self.func) or "").split("\n\n")[0].replace("\n", " ")

    def _input_options(self) -> list[str]:
        if self.inputs is None:
            return []
        params = inspect.signature(self.inputs).parameters.values()
        return [p.name for p in params if p.kind is not p.VAR_KEYWORD]

    def _func_options(self) -> tuple[list[str], bool]:
        params = list(inspect.signature(self.func).parameters.values())[2:]  # (evidence, tables, ...)
        return [p.name for p in params if p.kind is not p.VAR_KEYWORD], any(p.kind is p.VAR_KEYWORD for p in params)

    def defaults(self) -> dict[str, Any]:
        """The options whose defaults are key dates, with the catalogue's values (``its``: ``intervention``, the
        strategy's month)."""
        return {option: catalog.key_date(key).month for option, key in self.dates}

    def reads(self, **options: Any) -> Inputs:
        """The indicator tables these options make it read."""
        if self.inputs is None:
            return {}
        own = {k: v for k, v in options.items() if k in self._input_options()}
        return self.inputs(**own)

    def compute(self, ev: Any, options: dict[str, Any]) -> Any:
        opts = {**self.defaults(), **{k: v for k, v in options.items() if v is not None}}
        data = opts.pop("data", None)
        takes, free = self._func_options()
        unknown = sorted(k for k in opts if k not in takes and k not in self._input_options() and not free)
        if unknown:
            raise ParameterError(
                f"{self.name} takes no option {', '.join(unknown)}; it takes: "
                f"{', '.join(dict.fromkeys([*self._input_options(), *takes])) or 'none'}."
            )
        if data is not None:  # tables the caller computed (an indicator's output to audit)
            tables = dict(data) if isinstance(data, Mapping) else {"data": data}
        else:
            tables = {k: v if isinstance(v, pa.Table) else ev.indicator(v.indicator, **dict(v.params))
                      for k, v in self.reads(**opts).items()}  # fmt: skip
        given = {k: v for k, v in opts.items() if k in takes or (free and k not in self._input_options())}
        return self.func(ev, tables, **given)


REGISTRY: dict[str, Spec] = {}


def _register(kind: str, name: str, inputs: Callable[..., Inputs] | None, dates: Mapping[str, str] | None):
    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        for key in (dates or {}).values():
            catalog.key_date(key)  # a typo fails at import, not when the evaluation first runs
        REGISTRY[name] = Spec(name, kind, func, inputs, tuple((dates or {}).items()))
        return func

    return wrap


def evaluation(name: str, *, inputs: Callable[..., Inputs] | None = None, dates: Mapping[str, str] | None = None):
    """Register ``func(evidence, tables, **options)`` as the evaluation ``name``."""
    return _register("evaluation", name, inputs, dates)


def audit(name: str, *, inputs: Callable[..., Inputs] | None = None, dates: Mapping[str, str] | None = None):
    """Register ``func(evidence, tables, **options)`` as the integrity audit ``name``."""
    return _register("audit", name, inputs, dates)
