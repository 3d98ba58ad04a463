"""The evaluate and audit commands on the demo warehouse."""

from __future__ import annotations

import json

import pytest

from usmx import cli


def run(capsys, *args):
    code = cli.main(list(args))
    c = capsys.readouterr()
    return code, c.out, c.err


def test_evaluate_its_table_and_json(loaded, capsys):
    code, out, _ = run(
        capsys,
        "evaluate",
        "its",
        "--indicator",
        "homicide_victims",
        "--intervention",
        "2024-10",
        "--db",
        str(loaded.db),
    )
    assert code == 0 and "95% interval" in out and "placebo rank" in out and "assumptions" in out
    assert "what this can and cannot say" in out
    code, out, _ = run(capsys, "evaluate", "its", "--state", "SIN", "--format", "json", "--db", str(loaded.db))
    d = json.loads(out)
    assert code == 0 and d["post_months"] == 9 and len(d["effect_pct_ci"]) == 2 and d["second_model"]


def test_evaluate_changepoints_and_synth(loaded, capsys):
    code, out, _ = run(capsys, "evaluate", "changepoints", "--state", "25", "--format", "csv", "--db", str(loaded.db))
    assert code == 0 and out.startswith('"state_code","date","lower","upper"') and "2024-09-01" in out
    code, out, _ = run(
        capsys, "evaluate", "synth", "--treated", "SIN", "--intervention", "2024-09", "--db", str(loaded.db)
    )
    assert code == 0 and "donor weights" in out and "placebo in space" in out


def test_audit_commands(loaded, capsys):
    code, out, _ = run(capsys, "audit", "reclassification", "--db", str(loaded.db))
    assert code == 0 and "Zacatecas" in out and "placebo_p" in out
    code, out, err = run(capsys, "audit", "reclassification", "--flagged-only", "--db", str(loaded.db))
    assert code == 0 and "no state and candidate is flagged" in err  # no candidate rises beyond earlier dates
    code, out, _ = run(capsys, "audit", "breaks", "--db", str(loaded.db))
    assert code == 0 and "sesnsp_attempted_homicide_split" in out
    code, out, err = run(capsys, "audit", "inegi-gap", "--db", str(loaded.db))
    # INEGI's deaths by occurrence (to 2022) meet SESNSP's victims (from 2015); it said "INEGI ends in 2012"
    assert code == 0 and "occurrence" in out and "2022" in out
    code, _, err = run(capsys, "audit", "revisions", "--db", str(loaded.db))
    err = " ".join(err.split())
    assert code == 2 and "revisions need two" in err and "give one with --table" in err
    assert "core_sesnsp__state_crimes_monthly" in err  # the fixture holds two releases of it
    code, _, err = run(
        capsys, "audit", "revisions", "--table", "core_cdc__overdose_deaths_monthly", "--db", str(loaded.db)
    )
    assert code == 2 and "revisions compare monthly counts of crimes or persons" in " ".join(err.split())


@pytest.mark.slow  # several seconds: CI runs it
def test_nowcast_backtest_prints_its_error_and_coverage(obs, capsys):
    from tests.evaluate.test_nowcast import FULL
    from tests.sources.test_sspc import SAMPLE

    from ..conftest import STATE_VICTIMS

    db = str(obs.db)
    code, _, err = run(capsys, "evaluate", "nowcast-backtest", "--db", db)
    assert code == 2 and "needs the daily count" in err and "usmx fetch sspc-daily-homicides" in err
    obs.ingest(FULL if FULL.exists() else SAMPLE, STATE_VICTIMS)
    code, _, err = run(capsys, "evaluate", "nowcast-backtest", "--as-of-day", "31", "--db", db)
    assert code == 2 and "--as-of-day must be a day from 1 to 28" in err
    code, out, _ = run(capsys, "evaluate", "nowcast-backtest", "--format", "json", "--db", db)
    d = json.loads(out)
    assert code == 0 and {"months", "median_ape_pct", "coverage_90"} <= set(d)
    if FULL.exists():
        assert d["months"] == 20 and d["median_ape_pct"] < 5 and 0.8 <= d["coverage_90"] <= 0.97
        code, out, _ = run(capsys, "evaluate", "nowcast-backtest", "--db", db)
        assert code == 0 and "20 months, 2019-08 … 2021-03: median absolute error 1.44%" in out
    else:  # three bundled months cannot fill a six-month window
        assert d["months"] == 0


def test_sensitivity_prints_the_sobol_table_and_json(loaded, capsys):
    code, out, _ = run(capsys, "evaluate", "sensitivity", "--index", "capture_index", "--db", str(loaded.db))
    assert code == 0 and "1,408 configurations" in out and "first-order" in out and "dominance check" in out
    code, out, _ = run(capsys, "evaluate", "sensitivity", "--index", "peace_index", "--format", "json", "--db",
                       str(loaded.db))  # fmt: skip
    d = json.loads(out)
    assert code == 0 and d["configurations"] >= 1000 and "weight_homicide" in d["sobol_first"]
    assert d["missing_components"] == ["detention_without_sentence"]
    code, _, err = run(capsys, "evaluate", "sensitivity", "--index", "peace", "--db", str(loaded.db))
    assert code == 2 and "unknown index 'peace'" in err and "peace_index" in err


def test_claims_as_json_for_scripts(reported_db, capsys):
    code, out, _ = run(capsys, "claims", "--format", "json", "--db", str(reported_db))
    rows = json.loads(out)
    assert code == 0 and len(rows) == 8
    assert all({"claim", "indicators", "reading", "direction", "confidence", "caveats"} <= set(r) for r in rows)
    assert all({"evidence_end", "stale", "notes", "facts"} <= set(r) for r in rows)
    code, out, _ = run(capsys, "claims", "--lang", "es", "--db", str(reported_db))
    assert (
        code == 0
        and "evidencia: mixta (confianza media)" in out
        and "La violencia criminal alcanzó niveles récord" in out
    )
    assert "evidence:" not in out and "supports" not in out  # Spanish labels and verdicts on the Spanish page
    code, out, _ = run(capsys, "claims", "--explain", "--db", str(reported_db))
    assert code == 0 and "Rule (the first condition that holds):" in out and "min_p > placebo_alpha" in out
    rows = json.loads(run(capsys, "claims", "--explain", "--format", "json", "--db", str(reported_db))[1])
    assert rows[0]["rule"]["directions"]["supports"] == "homicide_record and record_share >= record_supports"
