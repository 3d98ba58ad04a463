"""The claim ``us_pressure`` (catalog/claims.yaml): how its reading, direction and confidence are computed."""

from __future__ import annotations

from . import Insufficient


def evaluate(ev, lang: str) -> tuple[dict, str, str]:
    """Mexico-tied SDN entries first seen on the newest list against those dropped since the one before: supports
    when more were added than removed; medium confidence (one instrument)."""
    rows = ev.indicator("designations").to_pylist()
    lists = sorted({r["list_date"] for r in rows})
    if len(lists) < 2:
        raise Insufficient(
            "two OFAC SDN lists (vintages) to compare", "dos listas SDN de la OFAC (versiones) para comparar"
        )
    last = [r for r in rows if r["list_date"] == lists[-1]]
    new = sum(r["value"] or 0 for r in last)
    dropped = sum(r["dropped"] or 0 for r in last)
    direction = "supports" if new > dropped else "contradicts" if new < dropped else "mixed"
    values = {"new": new, "dropped": dropped, "first": lists[-2], "last": lists[-1]}
    return values, direction, "medium"
