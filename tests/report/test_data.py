"""The report's plan of figures: bundles of jobs that read the same series, and the memo that shares them."""

from __future__ import annotations

from collections import Counter

from usmx import engines, indicators, warehouse
from usmx.evidence import Evidence
from usmx.report import data as report_data


def _loads(db) -> list[dict]:
    with warehouse.opened(db, read_only=True) as con:
        return warehouse.ledger_rows(con)


def test_the_plan_lists_every_figure_once_and_bundles_the_claims_with_the_audit_they_read(loaded_db):
    jobs = report_data.plan(_loads(loaded_db))
    keys = [j.key for j in report_data.flat(jobs)]
    assert len(keys) == len(set(keys))
    bundles = [j for j in jobs if j.name == "bundle"]
    assert [j.key for j in bundles] == ["evaluation.reclassification+claims.strategy_working+claims.narco_state_risk"]
    from usmx.evidence.claims import keys as claim_keys

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
