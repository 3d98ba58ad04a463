"""The claim ``migration_fell``: Mexico's enforcement and crossings at the US southwest border.

Rule, thresholds and words: catalog/claims.yaml. Reads ``southwest_border_encounters`` by fiscal year: a fall is
necessary for the claim, but what caused it is not in the data (Mexico's own enforcement counts are not loaded), so
the rule can only contradict the claim (no fall) or call it not measurable.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ... import i18n
from . import Finding, NotMeasurable


def evaluate(ev, lang: str, parameters: dict[str, Any]) -> Finding:
    rows = [r for r in ev.indicator("southwest_border_encounters", by="fiscal_year").to_pylist() if r["months"] == 12]
    if len(rows) < 2:
        raise NotMeasurable(
            "two complete fiscal years of CBP southwest border encounters",
            "dos años fiscales completos de encuentros de la CBP en la frontera suroeste",
        )
    peak, last = max(rows, key=lambda r: r["value"]), rows[-1]
    change = (last["value"] / peak["value"] - 1) * 100
    values = {
        "last_value": i18n.number(last["value"], lang, 0),
        "last": last["fiscal_year"],
        "peak_value": i18n.number(peak["value"], lang, 0),
        "peak": peak["fiscal_year"],
        "change": i18n.pct(change, lang),
    }
    # a fiscal year ends in September
    return Finding({"change_from_peak": change}, values, date(int(last["fiscal_year"]), 9, 1))
