"""``usmx demo``: build a warehouse offline from the real samples bundled in ``usmx/data``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from . import catalog
from .api import LoadResult, Observatory, Progress


def bundled_files() -> list[Path]:
    """The bundled sample files, in load order (catalogue-independent sources first)."""
    root = Path(str(resources.files("usmx") / "data"))
    order = ["conapo", "sesnsp", "inegi", "cbp", "cdc", "ledger"]
    out: list[Path] = []
    for folder in order:
        out += sorted(p for p in (root / folder).iterdir() if p.name.endswith((".csv", ".gz", ".yaml")))
    return out


@dataclass(frozen=True)
class TableSummary:
    table: str
    rows: int
    period_min: date | None
    period_max: date | None
    vintages: list[str]
    loads: int


def summary(obs: Observatory) -> list[TableSummary]:
    """Rows, periods covered and current vintages of every core table."""
    out = []
    for spec in catalog.tables().values():
        period = next((f.name for f in spec.fields if f.type == "DATE"), None)
        span = f"min({period}), max({period})" if period else "make_date(min(year), 1, 1), make_date(max(year), 1, 1)"
        rows, pmin, pmax = obs.sql(f"SELECT count(*), {span} FROM {spec.name}").to_pylist()[0].values()
        loads = obs.sql(
            "SELECT vintage, count(*) AS n FROM loads WHERE table_name = ? AND is_current GROUP BY vintage "
            "ORDER BY vintage", [spec.name]
        ).to_pylist()
        vint = [f"{r['vintage']:%Y-%m}" if r["vintage"] else "n/a" for r in loads]
        if len(vint) > 3:
            vint = [f"{len(vint)} yearly files"]
        out.append(TableSummary(spec.name, rows, pmin, pmax, vint, sum(r["n"] for r in loads)))
    return out


def run(obs: Observatory, progress: Progress | None = None) -> list[LoadResult]:
    """Ingest every bundled sample (already-loaded files are skipped)."""
    results = []
    for path in bundled_files():
        results += obs.ingest(path, origin=f"usmx bundled sample: {path.parent.name}/{path.name}", progress=progress)
    return results
