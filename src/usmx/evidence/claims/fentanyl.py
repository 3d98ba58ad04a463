"""The claim ``fentanyl`` (catalog/claims.yaml): how its reading, direction and confidence are computed."""

from __future__ import annotations

from ... import i18n
from . import Insufficient


def evaluate(ev, lang: str) -> tuple[dict, str, str]:
    """Supports co-movement when the largest cross-correlation lies outside the 95% band and is positive;
    contradicts when no lag does; low confidence (trending series)."""
    rows = [r for r in ev.indicator("fentanyl_seizures_vs_overdoses").to_pylist() if r["value"] is not None]
    if not rows:
        raise Insufficient(
            "CBP fentanyl seizures and CDC overdose deaths over the same months",
            "decomisos de fentanilo de la CBP y muertes por sobredosis de los CDC en los mismos meses",
        )
    top = max(rows, key=lambda r: abs(r["value"]))
    outside = sum(1 for r in rows if r["outside_band"])
    direction = "supports" if top["outside_band"] and top["value"] > 0 else "contradicts" if not outside else "mixed"
    lag = int(top["lag_months"])
    unit = {"es": ("mes", "meses"), "en": ("month", "months")}[lang][abs(lag) != 1]
    values = {"r": i18n.number(top["value"], lang, 2), "lag": f"{lag} {unit}",
              "band": i18n.number(top["band_high"], lang, 2), "outside": outside, "lags": len(rows)}  # fmt: skip
    return values, direction, "low"
