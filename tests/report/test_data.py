"""The report's plan of figures: bundles of jobs that read the same series, and the memo that shares them."""

from __future__ import annotations

from collections import Counter

from usmx import engines, indicators, warehouse
from usmx.evidence import Evidence
from usmx.evidence.claims import claim_keys
from usmx.report import data as report_data


def _loads(db) -> list[dict]:
    with warehouse.opened(db, read_only=True) as con:
        return warehouse.ledger_rows(con)


def test_the_plan_lists_every_figure_once_and_bundles_the_claims_with_the_audit_they_read(loaded_db):
    jobs = report_data.plan(_loads(loaded_db))
    keys = [j.key for j in report_data.flat(jobs)]
    assert len(keys) == len(set(keys))
    bundles = [j for j in jobs if j.name == "bundle"]
    assert [j.key for j in bundles] == [
        "evaluation.reclassification+claims.strategy_working+claims.narco_state_risk+measures.capture"
    ]
    assert {f"claims.{k}" for k in claim_keys()} <= set(keys)
    assert {"evaluation.its", "evaluation.reclassification", "administrations"} <= set(keys)


def test_a_bundle_computes_each_series_once_and_returns_each_figure(loaded_db, monkeypatch):
    calls: Counter = Counter()
    real = indicators.run

    def counting(con, name, **params):
        calls[(name, tuple(sorted(params.items())))] += 1
        return real(con, name, **params)

    monkeypatch.setattr(indicators, "run", counting)
    bundle = next(j for j in report_data.plan(_loads(loaded_db)) if j.name == "bundle")
    backend = engines.warehouse_backend(loaded_db)
    try:
        out = report_data.run_serial(Evidence(backend), [bundle])
    finally:
        backend.disconnect()
    assert set(out) == {j.key for j in report_data.flat([bundle])}
    assert all(seconds >= 0 for _, seconds in out.values())
    # the state homicide rates: read by the reclassification audit, the strategy claim and the substitution audit
    homicide = ("crime_rate_per_100k", (("by", "month"), ("group", "intentional_homicide"), ("level", "state"),
                                        ("measure", "victims")))  # fmt: skip
    assert calls[homicide] == 1
    assert max(calls.values()) == 1
    assert out["claims.strategy_working"][0]["en"]["claim"]


def _ledger(*tables: str, last: str = "2025-06-01") -> list[dict]:
    """Ledger rows of a warehouse holding these tables (current, with rows)."""
    from datetime import date

    return [
        {"load_id": i, "table_name": t, "kind": "not read by the plan", "is_current": True, "row_count": 10,
         "period_max": date.fromisoformat(last)}
        for i, t in enumerate(tables, 1)
    ]  # fmt: skip


def test_the_plan_follows_what_each_figure_declares_it_reads_not_file_kinds():
    """A warehouse with only CBP seizures and CDC deaths gets the US figures (and the claims, which say what they
    lack); one with victims but no population gets no rates; data that end before the strategy get no ITS."""
    us = {j.key for j in report_data.flat(report_data.plan(_ledger(
        "core_cbp__drug_seizures_monthly", "core_cdc__overdose_deaths_monthly")))}  # fmt: skip
    assert {"us.seizures_fy", "us.deaths_all", "us.ccf"} <= us
    assert not any(k.startswith(("panel.", "measures.", "evaluation.", "federal.")) for k in us)
    assert {k for k in us if k.startswith("claims.")} == {f"claims.{k}" for k in claim_keys()}
    seizures_only = {j.key for j in report_data.flat(report_data.plan(_ledger("core_cbp__drug_seizures_monthly")))}
    assert "us.seizures_fy" in seizures_only and "us.ccf" not in seizures_only  # the correlation needs both
    victims = {j.key for j in report_data.flat(report_data.plan(_ledger("core_sesnsp__state_victims_monthly")))}
    assert {"monthly", "headline", "records", "evaluation.its"} <= victims
    assert not any(
        k.startswith(("panel.", "last12", "administrations", "evaluation.reclassification")) for k in victims
    )
    old = {j.key for j in report_data.flat(report_data.plan(_ledger(
        "core_sesnsp__state_victims_monthly", "core_conapo__state_population_yearly", last="2023-12-01")))}  # fmt: skip
    assert "monthly" in old and "evaluation.its" not in old and "evaluation.reclassification" not in old
    assert "claims.strategy_working" in old  # it runs alone and says what it lacks


def test_the_plan_names_no_file_kind():
    import inspect

    source = inspect.getsource(report_data.plan) + inspect.getsource(report_data._candidates)
    assert '"kind"' not in source and "has = " not in source
