"""What the report shows, gathered once from the indicators, the evaluation and the ledger.

:func:`collect` takes an Ibis backend (the warehouse), the ``loads`` ledger and the indicator registry; it calls
indicators and evaluations and keeps their rows. The sections only format what is here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyarrow as pa

from .. import catalog

#: crime groups in the "other crimes" panel: those compared across administrations, homicide apart (each counted
#: in its catalogue measure: victims or crimes)
PANEL_GROUPS = [g for g in catalog.comparison_groups() if g != "intentional_homicide"]

#: the strategy evaluated in the report (Estrategia Nacional de Seguridad, presented October 2024)
INTERVENTION = date(2024, 10, 1)

#: federal crime groups in the report's federal section (catalog/headers/sesnsp_federal.yaml)
FEDERAL_GROUPS = ["drugs", "firearms", "fuel_theft", "organized_crime"]

#: groups in the report's administration table (`usmx export administration_comparison` gives them all)
ADMIN_GROUPS = ["intentional_homicide", "feminicide", "kidnapping", "extortion", "other_crimes_against_life"]


@dataclass
class ReportData:
    """Everything the report shows, read once from the indicators."""

    headline: list[dict]
    monthly: list[dict]
    last12: list[dict]
    panel: dict[str, list[dict]]
    administrations: list[dict]
    anomalies: list[dict]
    records: list[dict]
    inegi: list[dict]
    loads: list[dict]
    indicators: list
    us: dict[str, list[dict]] = field(default_factory=dict)
    evaluation: dict = field(default_factory=dict)
    events: dict[str, list[dict]] = field(default_factory=dict)
    ccf_meta: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    disappearances: list[dict] = field(default_factory=list)  # RNPDNO not located, by month (when loaded)
    federal: dict[str, list[dict]] = field(default_factory=dict)  # federal crime group -> monthly national counts
    homicides_monthly: list[dict] = field(default_factory=list)  # victims per month, beside them

    def vintage(self, kind: str) -> date | None:
        v = [r["vintage"] for r in self.loads if r["kind"] == kind and r["is_current"] and r["vintage"]]
        return max(v) if v else None

    def data_end(self, kind: str | None = None) -> date | None:
        """The last month a kind of file covers, or (``kind`` None) the newest month observed in any of them (population
        projections, which reach 2070, left out)."""
        today = date.today()
        v = [
            r["period_max"]
            for r in self.loads
            if r["is_current"] and r.get("period_max") and (kind is None or r["kind"] == kind)
        ]
        if kind is None:  # the newest observed month: projections into the future do not count
            v = [d for d in v if d <= today]
        return max(v) if v else None


def _rows(table: pa.Table) -> list[dict]:
    return table.to_pylist()


def collect(con: Any, loads: list[dict], indicators: list) -> ReportData:
    """Evaluate every indicator the report needs (empty lists where the warehouse lacks the data).

    ``con``: an Ibis backend with the warehouse's tables; ``loads``: the ledger's rows; ``indicators``: the registry.
    """
    from .. import indicators as ind  # imported here: a cached report never needs Ibis, pandas or the models
    from ..evaluate import interrupted_time_series, monthly_series
    from ..evaluate.integrity import CANDIDATES, reclassification

    has = {r["kind"] for r in loads if r["is_current"]}
    victims = "sesnsp_state_victims" in has
    pop = "conapo_state_population" in has
    timings: dict[str, float] = {}

    def get(name, **params):
        t0 = time.perf_counter()
        out = _rows(ind.run(con, name, **params))
        timings[name] = timings.get(name, 0) + time.perf_counter() - t0
        return out

    monthly = get("homicide_victims_daily_average", by="month") if victims else []
    panel: dict[str, list[dict]] = {}
    if pop:
        for g in PANEL_GROUPS:
            measure = catalog.crime_groups()[g].measure
            if (measure == "victims" and victims) or (measure == "crimes" and "sesnsp_state_crimes" in has):
                panel[g] = get("crime_rate_per_100k", group=g, by="month", level="national", measure=measure)
    since = None
    if monthly:
        last = monthly[-1]["period"]
        since = date(last.year - 3, last.month, 1).isoformat()
    us: dict[str, list[dict]] = {}
    ccf_meta: dict[str, str] = {}
    if has & {"cbp_drug_seizures", "cbp_amo_drug_seizures"}:
        us["seizures_fy"] = get("fentanyl_seizures_lbs", by="fiscal_year")
        us["seizures_fy_region"] = get("fentanyl_seizures_lbs", by="fiscal_year", split="region")
        us["events_fy"] = get("fentanyl_seizure_events", by="fiscal_year")
        us["seizures_month_region"] = get("fentanyl_seizures_lbs", by="month", split="region")
    if "cdc_vsrr_overdose" in has:
        us["deaths_all"] = get("overdose_deaths", drug="all_drugs")
        us["deaths_synthetic"] = get("overdose_deaths", drug="synthetic_opioids")
    if "seizures_fy" in us and "deaths_all" in us:
        t0 = time.perf_counter()
        table = ind.run(con, "fentanyl_seizures_vs_overdoses")
        timings["fentanyl_seizures_vs_overdoses"] = time.perf_counter() - t0
        us["ccf"] = table.to_pylist()
        ccf_meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    if has & {"cbp_encounters_state", "cbp_encounters_aor"}:
        us["encounters_fy"] = get("southwest_border_encounters", by="fiscal_year")
        us["encounters_month_demo"] = get("southwest_border_encounters", by="month", split="demographic")
        us["encounters_fy_citizenship"] = get("southwest_border_encounters", by="fiscal_year", split="citizenship")
    evaluation: dict = {}
    if monthly and monthly[-1]["period"] >= INTERVENTION:
        t0 = time.perf_counter()
        series = monthly_series(ind.run(con, "homicide_victims", by="month"), "homicide_victims")
        res = interrupted_time_series(series, INTERVENTION.isoformat()[:7], pre_window=60, sims=2000, seed=0)
        evaluation["its"] = res.to_dict()
        counts = {
            g: ind.run(con, "crime_rate_per_100k", group=g, by="month", level="state", measure="victims")
            for g in ["intentional_homicide", *CANDIDATES]
        }
        evaluation["reclassification"] = reclassification(counts, INTERVENTION.isoformat()[:7]).to_pylist()
        timings["evaluation"] = time.perf_counter() - t0
    ev: dict[str, list[dict]] = {}
    if "gdelt_events" in has:
        ev["cooperation"] = get("cooperation_index", smooth=3)
    if "ledger_events" in has:
        ev["ledger"] = _rows(con.table("core_ledger__events").order_by("event_date").to_pyarrow())
    if "ofac_sdn" in has:
        ev["designations"] = get("designations")
    if "acled_events" in has:
        ev["reach"] = get("criminal_group_presence")
        ev["reach_state"] = get("criminal_group_presence", by="state", group="any")
        ev["reach_country"] = get("criminal_group_presence", by="country")
    federal: dict[str, list[dict]] = {}
    if "sesnsp_state_federal_crimes" in has:
        for g in FEDERAL_GROUPS:
            federal[g] = get("federal_crimes", group=g, by="month")
    gone: list[dict] = []
    homicides: list[dict] = []
    if "rnpdno_municipal_persons" in has:
        gone = get("disappearances", by="month", status="not_located")
        homicides = get("homicide_victims", by="month") if victims else []
    return ReportData(
        disappearances=gone,
        federal=federal,
        homicides_monthly=homicides,
        events=ev,
        evaluation=evaluation,
        us=us,
        ccf_meta=ccf_meta,
        headline=get("homicide_headline") if victims else [],
        monthly=monthly,
        last12=get("crime_rate_per_100k", by="last_12_months", measure="victims") if victims and pop else [],
        panel=panel,
        administrations=get("administration_comparison", groups=",".join(ADMIN_GROUPS))
        if pop and (victims or "inegi_homicide_deaths" in has)
        else [],
        anomalies=get("anomalies", since=since) if victims else [],
        records=get("records") if victims else [],
        inegi=get("inegi_vs_sesnsp") if victims or "inegi_homicide_deaths" in has else [],
        loads=loads,
        indicators=indicators,
        timings=timings,
    )
