"""Evidence: the evaluations, audits and claims that read the indicators, computed in one place.

This layer sits above the indicators (pure Ibis expressions over the warehouse) and the estimators
(:mod:`usmx.evaluate`), and below what people use (the façade, the report, the web app and the CLI), which each call
into it in one line:

- :class:`Evidence` (``base.py``): one memo of indicator tables, evaluations and audits per warehouse state;
- the registry (``base.py``): named evaluations (``evaluations.py``) and audits (``audits.py``), each declaring the
  indicator tables it reads and which options default to a key date of the catalogue (catalog/key_dates.yaml);
- the claims (``claims/``, one module per claim: where a claim's reading is computed and from which inputs);
- the cooperation event studies (``cooperation.py``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from .. import catalog
from ..errors import UnknownNameError, UsmxError
from . import audits, evaluations  # noqa: F401 - they register themselves
from .base import REGISTRY, Input, Spec, _key

__all__ = ["Evidence", "Input", "Spec", "on_warehouse", "spec", "specs"]


def specs(kind: str | None = None) -> dict[str, Spec]:
    """Every registered evaluation and audit (or those of one ``kind``)."""
    return {n: s for n, s in REGISTRY.items() if kind is None or s.kind == kind}


def spec(name: str, kind: str | None = None) -> Spec:
    """A registered evaluation or audit by name (folded: 'INEGI gap' finds inegi-gap)."""
    known = specs(kind)
    found = catalog.resolve_choice(kind or "evidence", name, list(known))
    if found is None:
        what = {"evaluation": "evaluation", "audit": "audit"}.get(kind or "", "evaluation or audit")
        raise UnknownNameError(f"unknown {what} {name!r}{catalog.suggest(name, known)}; {what}s: {', '.join(known)}.")
    return known[found]


class Evidence:
    """What one warehouse state shows, each piece computed once: indicator tables, evaluations and audits.

    ``con`` is an Ibis backend with the warehouse's tables. A refusal (a :class:`~usmx.errors.UsmxError`: data not
    loaded, a bad parameter) is remembered too, so that every claim that needs the same missing table says so
    without asking again.
    """

    def __init__(self, con: Any) -> None:
        self.con = con
        self._tables: dict[tuple, pa.Table | UsmxError] = {}
        self._results: dict[tuple, Any] = {}

    def indicator(self, name: str, **params: Any) -> pa.Table:
        """An indicator's table (``usmx.indicators.run``), computed once per name and parameters."""
        from .. import indicators

        key = (name, _key(params))
        if key[1] is None:
            return indicators.run(self.con, name, **params)
        if key not in self._tables:
            try:
                self._tables[key] = indicators.run(self.con, name, **params)
            except UsmxError as exc:
                self._tables[key] = exc
        found = self._tables[key]
        if isinstance(found, UsmxError):
            raise found
        return found

    def run(self, name: str, kind: str | None = None, /, **options: Any) -> Any:
        """The evaluation or audit ``name`` with ``options`` (its key-date options default to the catalogue's)."""
        s = spec(name, kind)
        options = {**s.defaults(), **{k: v for k, v in options.items() if v is not None}}
        key = (s.name, _key(options))
        if key[1] is None:
            return s.compute(self, options)
        if key not in self._results:
            try:
                self._results[key] = s.compute(self, options)
            except UsmxError as exc:
                self._results[key] = exc
        found = self._results[key]
        if isinstance(found, UsmxError):
            raise found
        return found


@contextlib.contextmanager
def on_warehouse(db: Path, memory: str | None = None) -> Iterator[Evidence]:
    """An :class:`Evidence` on a read-only connection to the warehouse file ``db`` (closed on exit); ``memory``:
    DuckDB's memory limit on it."""
    from .. import engines

    con = engines.warehouse_backend(db, memory)
    try:
        yield Evidence(con)
    finally:
        con.disconnect()
