"""The claim ``criminal_reach_grew`` (catalog/claims.yaml): how its reading, direction and confidence are computed."""

from __future__ import annotations

from ... import catalog
from . import Insufficient


def evaluate(ev, lang: str) -> tuple[dict, str, str]:
    """Markets (catalog/markets.yaml) whose national count grew by more than 10% between the first and last years
    every market is measured: supports when most grew, contradicts when few did; medium confidence (records)."""
    from ...indicators.markets import markets

    yearly: dict[str, dict[int, float]] = {}
    for key, m in markets().items():
        if m.get("federal"):
            rows = ev.indicator("federal_crimes", group=m["group"], by="year").to_pylist()
        else:
            measure = catalog.crime_groups()[m["group"]].measure
            rows = ev.indicator("crime_rate_per_100k", group=m["group"], by="year", level="national",
                                 measure=measure).to_pylist()  # fmt: skip
            rows = [{**r, "value": r["total"]} for r in rows]
        yearly[key] = {r["year"]: float(r["value"]) for r in rows if r.get("months", 12) == 12}
    common = set.intersection(*(set(v) for v in yearly.values())) if yearly else set()
    if len(common) < 2:
        raise Insufficient(
            "two complete years with every criminal market measured (SESNSP state and federal)",
            "dos años completos con todos los mercados criminales medidos (SESNSP, fuero común y federal)",
        )
    first, last = min(common), max(common)
    rose = [k for k, v in yearly.items() if v[first] > 0 and v[last] / v[first] > 1.1]
    share = len(rose) / len(yearly)
    direction = "supports" if share > 0.5 else "contradicts" if share < 0.3 else "mixed"
    names = ", ".join(markets()[k][f"label_{lang}"].lower() for k in rose) or "–"
    values = {"rose": len(rose), "markets": len(yearly), "first": first, "last": last, "which": names}
    return values, direction, "medium"
