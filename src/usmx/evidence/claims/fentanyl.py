"""The claim ``fentanyl``: CBP fentanyl seizures against CDC's synthetic-opioid deaths, prewhitened.

Rule, thresholds and words: catalog/claims.yaml. Reads ``fentanyl_seizures_vs_overdoses`` with the synthetic-opioid
series (T40.4) and CBP's published definition of seizures; its correlations are of prewhitened month-to-month
changes with a band that allows for every lag looked at.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ... import i18n
from . import Finding, NotMeasurable


def evaluate(ev, lang: str, parameters: dict[str, Any]) -> Finding:
    table = ev.indicator(
        "fentanyl_seizures_vs_overdoses", drug="synthetic_opioids", max_lag=int(parameters["max_lag"]),
        min_overlap=int(parameters["min_overlap"]),
    )  # fmt: skip
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    rows = [r for r in table.to_pylist() if r["value"] is not None]
    end_text = meta.get("deaths_end") or ""
    end = date(int(end_text[:4]), int(end_text[5:7]), 1) if end_text else None
    if meta.get("measurable") != "true" or not rows:
        note = meta.get("note", "").removeprefix("not measurable: ")
        raise NotMeasurable(
            note or "CBP fentanyl seizures and CDC synthetic-opioid (T40.4) deaths over the same months",
            "decomisos de fentanilo de la CBP y muertes por opioides sintéticos (T40.4) de los CDC en los mismos "
            "meses; cargue una exportación actual de los CDC con esa serie (`usmx fetch cdc-overdoses`)",
            end,
        )
    outside = [r for r in rows if r["outside_band"]]
    lead = any(r["lag_months"] > 0 and r["value"] > 0 for r in outside)
    top = max(rows, key=lambda r: abs(r["value"]))
    facts = {"lead": lead, "outside": len(outside), "overlap": int(meta.get("overlap_months", 0))}
    if lead:
        result = i18n.t("claim_fentanyl_lead", lang)
    elif outside:
        result = i18n.t("claim_fentanyl_no_lead", lang)
    else:
        result = i18n.t("claim_fentanyl_flat", lang)
    lag = int(top["lag_months"])
    unit = {"es": ("mes", "meses"), "en": ("month", "months")}[lang][abs(lag) != 1]
    values = {
        "result": result,
        "r": i18n.number(top["value"], lang, 2),
        "lag": f"{lag} {unit}",
        "band": i18n.number(top["band_high"], lang, 2),
        "outside": len(outside),
        "lags": len(rows),
        "months": facts["overlap"],
        "span": f"{meta.get('first_month')} … {meta.get('last_month')}",
    }
    last = meta.get("last_month") or ""
    return Finding(facts, values, date(int(last[:4]), int(last[5:7]), 1) if last else end)
