"""The claim ``migration_fell`` (catalog/claims.yaml): how its reading, direction and confidence are computed."""

from __future__ import annotations

from . import Insufficient, _num, _pct


def evaluate(ev, lang: str) -> tuple[dict, str, str]:
    """The newest complete fiscal year's southwest border encounters against the peak year: supports when below
    half the peak, contradicts when within a tenth of it; high confidence (counted by CBP)."""
    rows = [r for r in ev.indicator("southwest_border_encounters", by="fiscal_year").to_pylist() if r["months"] == 12]
    if len(rows) < 2:
        raise Insufficient(
            "two complete fiscal years of CBP encounters", "dos años fiscales completos de encuentros de la CBP"
        )
    peak, last = max(rows, key=lambda r: r["value"]), rows[-1]
    change = (last["value"] / peak["value"] - 1) * 100
    direction = "supports" if change <= -50 else "contradicts" if change > -10 else "mixed"
    values = {
        "last_value": _num(last["value"], lang, 0),
        "last": last["fiscal_year"],
        "peak_value": _num(peak["value"], lang, 0),
        "peak": peak["fiscal_year"],
        "change": _pct(change, lang),
    }
    return values, direction, "high"  # fmt: skip
