"""The evaluate and audit commands on the demo warehouse."""

from __future__ import annotations

import json

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
    code, out, _ = run(capsys, "audit", "reclassification", "--flagged-only", "--db", str(loaded.db))
    assert code == 0 and "Zacatecas" in out
    code, out, _ = run(capsys, "audit", "breaks", "--db", str(loaded.db))
    assert code == 0 and "sesnsp_attempted_homicide_split" in out
    code, _, err = run(capsys, "audit", "inegi-gap", "--db", str(loaded.db))
    assert code == 0 and "no year has both sources" in err
    code, _, err = run(capsys, "audit", "revisions", "--db", str(loaded.db))
    assert code == 2 and "revisions need two" in " ".join(err.split())
