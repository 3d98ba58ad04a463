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

from .. import catalog, config
from ..evidence import Evidence, Input, spec

#: crime groups in the "other crimes" panel: those compared across administrations, homicide apart (each counted
#: in its catalogue measure: victims or crimes)
PANEL_GROUPS = [g for g in catalog.comparison_groups() if g != "intentional_homicide"]

VICTIMS = "core_sesnsp__state_victims_monthly"

#: the strategy evaluated in the report (catalog/key_dates.yaml)
STRATEGY = catalog.key_date("strategy").date

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
    daily: list[dict] = field(default_factory=list)  # the daily preliminary count by month, beside SESNSP
    nowcast: list[dict] = field(default_factory=list)  # SESNSP homicide victims nowcast from the daily count
    claims: dict[str, list[dict]] = field(default_factory=dict)  # language -> the claims tracker's rows
    measures: dict[str, list[dict]] = field(default_factory=dict)  # lethal envelope, indices, market breadth
    cooperation: dict[str, list[dict]] = field(default_factory=dict)  # scorecard, key-date studies, correlation
    hotspots: list[dict] = field(default_factory=list)  # municipal homicide hot spots (municipal_hotspots)
    relies_on: list[str] = field(default_factory=list)  # the warehouse tables the report's figures read

    def freshness(self) -> list[dict]:
        """How current each core table is (:mod:`usmx.warehouse.freshness`), from the ledger, as of today."""
        from ..warehouse import freshness

        return freshness.status(self.loads, config.today())

    def oldest_evidence(self) -> dict | None:
        """Of the tables the report's figures read, the one whose evidence ends earliest, with its status."""
        from ..warehouse import freshness

        return freshness.oldest(self.freshness(), set(self.relies_on))

    def vintage(self, kind: str) -> date | None:
        v = [r["vintage"] for r in self.loads if r["kind"] == kind and r["is_current"] and r["vintage"]]
        return max(v) if v else None

    def table_end(self, kind: str) -> date | None:
        """The last observed month of the table(s) a kind of file feeds, from any of its current files: an older file
        whose months a newer file of another kind continues is not behind (CDC's 2018 sample beside its 2025 file)."""
        names = {r.get("table_name") for r in self.loads if r["kind"] == kind}
        today = config.today()
        v = [
            r["period_max"]
            for r in self.loads
            if r["is_current"] and r.get("period_max") and r.get("table_name") in names and r["period_max"] <= today
        ]
        return max(v) if v else None

    def data_end(self, kind: str | None = None) -> date | None:
        """The last month a kind of file covers, or (``kind`` None) the newest month observed in any of them (population
        projections, which reach 2070, left out)."""
        today = config.today()
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


@dataclass(frozen=True)
class Job:
    """One figure the report needs: an indicator call (``name`` and ``params``), an evaluation or audit of
    :mod:`usmx.evidence`, a claim, or a bundle of jobs; ``key`` says where its result goes; ``reads`` what it reads
    (indicator :class:`~usmx.evidence.Input` s, or warehouse tables by name), from which the plan decides whether
    the warehouse can fill it. Jobs are independent of each other, so they can run in any order and in any process
    (see :mod:`usmx.report.workers`)."""

    key: str
    name: str
    params: tuple[tuple[str, Any], ...] = ()
    reads: tuple[Input | str, ...] = ()


def _job(key: str, name: str, **params: Any) -> Job:
    """An indicator's figure: it reads the indicator with these parameters."""
    return Job(key, name, tuple(sorted(params.items())), (Input.of(name, **params),))


def _evidence(key: str, name: str, *, also: tuple[Input | str, ...] = ()) -> Job:
    """An evaluation or audit with its report options: it reads what the registry declares it reads."""
    return Job(key, name, (), (*spec(name).reads().values(), *also))


def _bundle(*jobs: Job) -> Job:
    """Jobs that read the same series, run one after another in one process so that the later ones find the
    series in the process's :class:`~usmx.evidence.Evidence` (the claims read what the evaluation and the audits
    read)."""
    return Job("+".join(j.key for j in jobs), "bundle", (("jobs", jobs),), tuple(r for j in jobs for r in j.reads))


def flat(jobs: list[Job]) -> list[Job]:
    """The jobs with every bundle opened: one per figure."""
    return [sub for job in jobs for sub in (dict(job.params)["jobs"] if job.name == "bundle" else (job,))]


def _loaded(loads: list[dict]) -> tuple[set[str], dict[str, date]]:
    """The tables that hold current data, and the last period each covers, from the ledger."""
    current = [r for r in loads if r["is_current"] and r.get("row_count")]
    last: dict[str, date] = {}
    for r in current:
        if r.get("period_max") and r["period_max"] > last.get(r["table_name"], date.min):
            last[r["table_name"]] = r["period_max"]
    return {r["table_name"] for r in current}, last


def _ready(job: Job, loaded: set[str]) -> bool:
    return all(r in loaded if isinstance(r, str) else r.ready(loaded) for r in job.reads)


def _candidates(last: dict[str, date]) -> list[Job]:
    """Every figure the report can show, the slowest first."""
    from ..evidence.claims import claim_keys as keys

    victims = last.get(VICTIMS)
    since = date(victims.year - 3, victims.month, 1).isoformat() if victims else None
    # one job per claim, so that the slow ones (an ITS, the audits) run side by side; the strategy's claim reads the
    # evaluation's series and the reclassification audit's state rates, the narco-state claim the same homicide
    # rates and the capture index: they run beside that audit, in one process, which computes each once
    claims = {k: Job(f"claims.{k}", "claim", (("claim", k),)) for k in keys()}
    shared = [claims.pop(k) for k in ("strategy_working", "narco_state_risk")]
    capture = _job("measures.capture", "capture_index")  # the narco-state claim describes it too
    jobs = [
        _bundle(_evidence("evaluation.reclassification", "reclassification"), *shared, capture),
        *shared,  # where the audit cannot run, the claims run on their own
        capture,
        _job("measures.peace", "peace_index"),
        _job("measures.breadth", "market_breadth"),
        *claims.values(),
        _evidence("evaluation.its", "its"),
        _job("administrations", "administration_comparison", groups=",".join(ADMIN_GROUPS)),
        _job("anomalies", "anomalies", since=since),
        _job("monthly", "homicide_victims_daily_average", by="month"),
        _job("headline", "homicide_headline"),
        _job("records", "records"),
        _job("last12", "crime_rate_per_100k", by="last_12_months", measure="victims"),
    ]
    for g in PANEL_GROUPS:
        measure = catalog.crime_groups()[g].measure
        jobs.append(_job(f"panel.{g}", "crime_rate_per_100k", group=g, by="month", level="national", measure=measure))
    jobs += [
        _job("inegi", "inegi_vs_sesnsp"),
        _job("hotspots", "municipal_hotspots"),
        _job("us.seizures_fy", "fentanyl_seizures_lbs", by="fiscal_year"),
        _job("us.seizures_fy_region", "fentanyl_seizures_lbs", by="fiscal_year", split="region"),
        _job("us.events_fy", "fentanyl_seizure_events", by="fiscal_year"),
        _job("us.seizures_month_region", "fentanyl_seizures_lbs", by="month", split="region"),
        _job("us.deaths_all", "overdose_deaths", drug="all_drugs"),
        _job("us.deaths_synthetic", "overdose_deaths", drug="synthetic_opioids"),
        Job("us.ccf", "ccf", (), (Input.of("fentanyl_seizures_vs_overdoses"),)),
        _job("us.encounters_fy", "southwest_border_encounters", by="fiscal_year"),
        _job("us.encounters_month_demo", "southwest_border_encounters", by="month", split="demographic"),
        _job("us.encounters_fy_citizenship", "southwest_border_encounters", by="fiscal_year", split="citizenship"),
        _job("events.cooperation", "cooperation_index", smooth=3),
        Job("events.ledger", "ledger", (), ("core_ledger__events",)),
        _job("cooperation.scorecard", "cooperation_scorecard", by="year"),
        # the key dates' studies read what the scorecard reads
        Job("cooperation.evidence", "cooperation_evidence", (), (Input.of("cooperation_scorecard", by="year"),)),
        _job("events.designations", "designations"),
        _job("events.designations_program", "designations", by="program"),
        _job("events.reach", "criminal_group_presence"),
        _job("events.reach_state", "criminal_group_presence", by="state", group="any"),
        _job("events.reach_country", "criminal_group_presence", by="country"),
        *[_job(f"federal.{g}", "federal_crimes", group=g, by="month") for g in FEDERAL_GROUPS],
        _job("measures.lethal", "lethal_violence", by="year"),
        _job("daily", "daily_homicides", by="month"),
        _job("nowcast", "homicide_nowcast"),
        _job("disappearances", "disappearances", by="month", status="not_located"),
        # victims beside the disappearances: only where the register is loaded
        Job("homicides_monthly", "homicide_victims", (("by", "month"),),
            (Input.of("homicide_victims", by="month"), "core_rnpdno__municipal_persons_monthly")),
    ]  # fmt: skip
    return jobs


def _covers(job: Job, last: dict[str, date]) -> bool:
    """An evaluation or audit read at a key date needs data past it: its tables' last period is on or after it."""
    if job.name not in ("its", "reclassification"):
        return True
    day = catalog.key_date(dict(spec(job.name).dates)["intervention"]).date
    tables = {t for r in job.reads if isinstance(r, Input) for t in r.sources}
    return any(last.get(t, date.min) >= day for t in tables)


def plan(loads: list[dict]) -> list[Job]:
    """Every figure the report needs from a warehouse with these loads, the slowest first: the figures whose
    declared reads the ledger's current loads can fill (:meth:`usmx.evidence.Input.ready`)."""
    loaded, last = _loaded(loads)
    jobs, taken = [], set()
    for job in _candidates(last):
        parts = flat([job])
        if any(p.key in taken for p in parts):
            continue
        if _ready(job, loaded) and all(_covers(p, last) for p in parts):
            jobs.append(job)
            taken |= {p.key for p in parts}
    return jobs


def run_job(ev: Evidence, job: Job) -> Any:
    """Compute one job on the evidence of an Ibis backend; returns rows (a list of dicts) or, for the evaluation, a
    dict; for a bundle, ``{key: (result, seconds)}`` of its jobs."""
    params = dict(job.params)
    if job.name == "bundle":
        return run_serial(ev, list(params["jobs"]))
    if job.name == "its":
        return ev.run("its", pre_window=60, sims=2000, seed=0).to_dict()
    if job.name == "reclassification":
        return ev.run("reclassification").to_pylist()
    if job.name == "ccf":
        table = ev.indicator("fentanyl_seizures_vs_overdoses")
        meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
        return {"rows": table.to_pylist(), "meta": meta}
    if job.name == "claim":
        from ..evidence.claims import evaluate_one

        return evaluate_one(ev, params["claim"])
    if job.name == "cooperation_evidence":  # the key dates' before/after studies and the news against counts
        found = ev.run("cooperation")
        return {"studies": _rows(found["event_studies"]), "correlation": _rows(found["correlation"])}
    if job.name == "ledger":
        return _rows(ev.con.table("core_ledger__events").order_by("event_date").to_pyarrow())
    if job.key.startswith("measures."):  # a composite the warehouse cannot fill leaves its place empty
        import json

        from ..errors import UsmxError

        try:
            table = ev.indicator(job.name, **params)
        except UsmxError:
            return []
        sens = (table.schema.metadata or {}).get(b"sensitivity")  # an index's Sobol' indices, from the same runs
        return {"rows": _rows(table), "sensitivity": json.loads(sens)} if sens else _rows(table)
    return _rows(ev.indicator(job.name, **params))


def run_serial(ev: Evidence, jobs: list[Job]) -> dict[str, tuple[Any, float]]:
    """Run the jobs one after another on one evidence memo: ``{key: (result, seconds)}``, bundles opened."""
    out: dict[str, tuple[Any, float]] = {}
    for job in jobs:
        t0 = time.perf_counter()
        result = run_job(ev, job)
        if job.name == "bundle":
            out.update(result)
        else:
            out[job.key] = (result, time.perf_counter() - t0)
    return out


#: what each special job's time counts towards in ``ReportData.timings`` (None: not timed)
_TIMED = {
    "its": "evaluation",
    "reclassification": "evaluation",
    "ccf": "fentanyl_seizures_vs_overdoses",
    "ledger": None,
    "cooperation_evidence": "cooperation_scorecard",
    "claim": "evaluation",  # the claims run an ITS and two audits
}


def assemble(jobs: list[Job], results: dict[str, tuple[Any, float]], loads: list[dict], indicators: list) -> ReportData:
    """The report's data from the jobs' results (a job that was not planned leaves its place empty)."""
    timings: dict[str, float] = {}
    for job in jobs:
        label = _TIMED.get(job.name, job.name)
        if label:
            timings[label] = timings.get(label, 0) + results[job.key][1]
    value = {k: r for k, (r, _) in results.items()}

    def group(prefix: str) -> dict:
        return {k[len(prefix) :]: v for k, v in value.items() if k.startswith(prefix)}

    us = group("us.")
    ccf_meta: dict[str, str] = {}
    if "ccf" in us:
        ccf = us.pop("ccf")
        us["ccf"], ccf_meta = ccf["rows"], ccf["meta"]
    return ReportData(
        headline=value.get("headline", []),
        monthly=value.get("monthly", []),
        last12=value.get("last12", []),
        panel=group("panel."),
        administrations=value.get("administrations", []),
        anomalies=value.get("anomalies", []),
        records=value.get("records", []),
        inegi=value.get("inegi", []),
        loads=loads,
        indicators=indicators,
        us=us,
        evaluation=group("evaluation."),
        events=group("events."),
        ccf_meta=ccf_meta,
        timings=timings,
        disappearances=value.get("disappearances", []),
        federal=group("federal."),
        homicides_monthly=value.get("homicides_monthly", []),
        daily=value.get("daily", []),
        nowcast=value.get("nowcast", []),
        claims=_claims(group("claims.")),
        measures=_measures(group("measures.")),
        cooperation=_cooperation(group("cooperation.")),
        hotspots=value.get("hotspots", []),
        relies_on=sorted({s for j in jobs for r in j.reads for s in (r.sources if isinstance(r, Input) else (r,))}),
    )


def _cooperation(found: dict) -> dict[str, list[dict]]:
    out = {"scorecard": found.get("scorecard", [])}
    out.update(found.get("evidence") or {})
    return out if any(out.values()) else {}


def _claims(found: dict[str, dict]) -> dict[str, list[dict]]:
    """Language -> the claims in the catalogue's order (each claim was its own job)."""
    from ..evidence.claims import claim_keys as keys

    return {lang: [found[k][lang] for k in keys() if k in found] for lang in ("es", "en") if found}


def _measures(found: dict) -> dict[str, list[dict]]:
    """The measures' rows; an index's Sobol' indices go under ``<name>_sensitivity``."""
    out: dict[str, list[dict]] = {}
    for key, v in found.items():
        if isinstance(v, dict):
            out[key], out[f"{key}_sensitivity"] = v["rows"], [v["sensitivity"]]
        else:
            out[key] = v
    return out


def collect(con: Any, loads: list[dict], indicators: list) -> ReportData:
    """Evaluate every indicator the report needs, one after another (empty lists where the warehouse lacks the data).

    ``con``: an Ibis backend with the warehouse's tables; ``loads``: the ledger's rows; ``indicators``: the registry
    (or its :class:`~usmx.report.cache.IndicatorDoc` entries). :mod:`usmx.report.workers` runs the same jobs in
    parallel processes.
    """
    jobs = plan(loads)
    return assemble(flat(jobs), run_serial(Evidence(con), jobs), loads, indicators)
