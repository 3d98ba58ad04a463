"""The CLI does what its help says: every format offered works, --output is honoured, bad values exit 2, reading
never creates a warehouse, empty results say why, Spanish names work, people get rounded numbers and months."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from usmx import cli
from usmx.cli._output import cell, print_aligned


def run(capsys, *args):
    code = cli.main([str(a) for a in args])
    c = capsys.readouterr()
    return code, c.out, c.err


#: every command that prints a table, with the arguments it needs
TABULAR = [
    ("sql", "SELECT 1 AS a, 2.5 AS b"),
    ("tables",),
    ("loads",),
    ("status",),
    ("indicator", "homicide_victims", "--by", "year"),
    ("audit", "reclassification"),
    ("audit", "breaks"),
    ("evaluate", "changepoints", "--state", "25"),
    ("evaluate", "its", "--state", "SIN"),
    ("evaluate", "synth", "--treated", "SIN", "--intervention", "2024-09"),
]


def _check_file(path, fmt):
    data = path.read_bytes()
    assert data, path
    if fmt == "csv":
        assert data.splitlines()[0].startswith(b'"')
    elif fmt == "json":
        json.loads(data)
    elif fmt == "parquet":
        assert pq.read_table(path).num_rows > 0
    else:
        assert len(data.splitlines()) >= 2


@pytest.mark.slow
@pytest.mark.parametrize("command", TABULAR, ids=lambda c: " ".join(c[:2]))
def test_every_format_offered_writes_the_file_named_by_output(loaded, tmp_path, capsys, command):
    code, out, _ = run(capsys, *command, "--help")
    assert code == 0 and "--output" in out and "parquet" in out
    for fmt in ("table", "csv", "json", "parquet"):
        target = tmp_path / f"out.{fmt}"
        code, out, err = run(capsys, *command, "--format", fmt, "--output", target, "--db", loaded.db)
        assert code == 0, (command, fmt, err)
        assert out == "", (command, fmt, "--output must take the output off stdout")
        _check_file(target, fmt)


def test_export_offers_only_what_it_writes(loaded, tmp_path, capsys):
    code, out, _ = run(capsys, "export", "--help")
    assert "csv" in out and "parquet" in out and "table" not in out.split("--format")[1].split("\n")[0]
    for fmt in ("csv", "json", "parquet"):
        target = tmp_path / f"t.{fmt}"
        code, _, err = run(capsys, "export", "records", "-f", fmt, "-o", target, "--db", loaded.db)
        assert code == 0, err
        _check_file(target, fmt)
    code, _, err = run(capsys, "export", "records", "-f", "table", "-o", tmp_path / "x", "--db", loaded.db)
    assert code == 2 and "table" in err


@pytest.mark.parametrize(
    "command",
    [
        ("tables",),
        ("sql", "SELECT 1"),
        ("loads",),
        ("indicator", "homicide_victims"),
        ("export", "records", "-o", "x.csv"),
        ("report",),
        ("evaluate", "its"),
        ("audit", "breaks"),
        ("snapshot", "-o", "snap"),
        ("unload", "1"),
        ("status",),
    ],
    ids=lambda c: c[0],
)
def test_reading_a_missing_warehouse_exits_2_and_creates_nothing(tmp_path, capsys, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "typo.duckdb"
    code, _, err = run(capsys, *command, "--db", db)
    assert code == 2 and "no warehouse here" in err, err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "command",
    [
        ("evaluate", "its", "--intervention", "2024-13"),
        ("evaluate", "its", "--intervention", "octubre"),
        ("evaluate", "synth", "--treated", "SIN", "--intervention", "2024-02-30"),
        ("audit", "reclassification", "--intervention", "2024-00"),
    ],
)
def test_bad_dates_exit_2_with_what_was_expected(loaded, capsys, command):
    code, _, err = run(capsys, *command, "--db", loaded.db)
    assert code == 2 and "expected YYYY-MM" in err, err


def test_empty_results_say_why(loaded, capsys):
    code, out, err = run(capsys, "indicator", "criminal_group_presence", "--db", loaded.db)
    assert code == 0 and "no rows: core_acled__events is empty" in err and "usmx fetch acled" in err, err
    code, out, err = run(capsys, "sql", "SELECT 1 AS a WHERE false", "--db", loaded.db)
    assert code == 0 and "no rows" in err
    code, out, err = run(capsys, "indicator", "anomalies", "-p", "since=2030-01-01", "--db", loaded.db)
    assert code == 0 and "no rows match these parameters (since=2030-01-01)" in err, err


def test_spanish_names_are_accepted(loaded, capsys):
    code, en, _ = run(capsys, "indicator", "homicide_victims", "--by", "administration", "--db", loaded.db)
    code_es, es, _ = run(capsys, "indicator", "homicide_victims", "--by", "sexenio", "--db", loaded.db)
    assert code == code_es == 0 and en == es
    _, a, _ = run(capsys, "indicator", "homicide_victims", "--by", "year", "--state", "Nuevo León", "--db", loaded.db)
    _, b, _ = run(capsys, "indicator", "homicide_victims", "--by", "año", "--state", "nuevo leon", "--db", loaded.db)
    assert a == b and re.search(r"^2024  19 +Nuevo León +1,539 ", a, re.M)  # the state stays in the rows
    _, a, _ = run(capsys, "indicator", "crime_rate_per_100k", "-p", "group=extortion", "--db", loaded.db)
    _, b, _ = run(capsys, "indicator", "crime_rate_per_100k", "-p", "group=Extorsión", "--db", loaded.db)
    assert a == b


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (("indicator", "homicide_victims", "--by", "sexnio"), "did you mean sexenio"),
        (("indicator", "homicide_victims", "--state", "Sinaloaa"), "did you mean Sinaloa"),
        (("indicator", "crime_rate_per_100k", "-p", "group=extorion"), "did you mean extortion"),
        (("indicator", "homicide_victim"), "did you mean homicide_victims"),
        (("indicator", "homicide_victims", "-p", "feminicid=true"), "did you mean feminicide"),
    ],
)
def test_mistyped_names_get_did_you_mean(loaded, capsys, args, hint):
    code, _, err = run(capsys, *args, "--db", loaded.db)
    assert code == 2 and hint in err, err


def test_months_print_as_year_month_and_numbers_are_rounded_for_people(loaded, capsys):
    code, out, _ = run(capsys, "indicator", "homicide_victims_daily_average", "--by", "month", "--db", loaded.db)
    assert code == 0
    last = out.strip().splitlines()[-1]
    assert last.startswith("2025-06 ") and "2025-06-01" not in out
    assert last.split()[1] == "65.60", last  # two decimals in the table
    code, out, _ = run(capsys, "indicator", "homicide_victims", "--by", "month", "-f", "csv", "--db", loaded.db)
    assert "2025-06-01" in out  # ISO dates in CSV, for machines


def test_years_print_as_years_and_a_lone_january_stays_a_month(capsys):
    from datetime import date

    print_aligned(pa.table({"period": [date(2024, 1, 1), date(2025, 1, 1)], "value": [1, 2]}))
    print_aligned(pa.table({"period": [date(2025, 1, 1)], "value": [3]}))
    print_aligned(pa.table({"period": [date(2024, 12, 1), date(2025, 1, 1)], "value": [4, 5]}))
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split()[0] for ln in lines if ln.split()[-1] in "12345"] == [
        "2024", "2025", "2025-01", "2024-12", "2025-01"
    ]  # fmt: skip


def test_decimals_are_rounded_in_tables_and_exact_elsewhere(capsys):
    assert cell(Decimal("0E-30")) == "0"
    assert cell(Decimal("1234.567890123456789012345678")) == "1,234.57"
    assert cell(0.000123456) == "0.000123"
    t = pa.table({"delta": pa.array([Decimal("0E-30"), Decimal("12.345678901234567890")], pa.decimal128(38, 30))})
    print_aligned(t)
    out = capsys.readouterr().out
    assert "E-30" not in out and "12.35" in out


def test_the_api_takes_indicator_output_and_reports_missing_files(loaded, tmp_path):
    table = loaded.indicator("homicide_victims", by="month")
    res = loaded.evaluate("its", indicator=table, intervention="2024-10", sims=300, placebo=False)
    assert res.observed_total == 20_055
    gap = loaded.audit("inegi-gap", loaded.indicator("inegi_vs_sesnsp", by="state"))
    assert gap.num_rows == loaded.audit("inegi-gap").num_rows  # the table given is the one it would read
    panel = loaded.indicator(
        "crime_rate_per_100k", group="intentional_homicide", by="month", level="state", measure="victims"
    )
    synth = loaded.evaluate("synth", indicator=panel, treated="Sinaloa", intervention="2024-09")
    assert synth.treated == "25"
    with pytest.raises(FileNotFoundError, match="missing.csv"):
        loaded.ingest(tmp_path / "missing.csv")


def test_exit_codes_follow_the_error_class():
    from usmx.cli import exit_code
    from usmx.errors import OutputError, ParameterError, UsmxError

    assert exit_code(UsmxError("x")) == exit_code(ParameterError("x")) == exit_code(OutputError("x")) == 2
    assert exit_code(RuntimeError("a bug")) is None


def test_whole_counts_held_as_decimals_print_as_counts_and_changepoint_months_as_months(capsys):
    from datetime import date

    print_aligned(pa.table({"year": [2017, 2018], "extraditions": [1.0, 58.0], "share": [0.25, 1.0]}))
    print_aligned(pa.table({"date": [date(2016, 1, 1)], "lower": [date(2015, 12, 1)], "upper": [date(2016, 1, 1)]}))
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ["2017", "1", "0.25"] and out[2].split() == ["2018", "58", "1.00"], out
    assert out[4].split() == ["2016-01", "2015-12", "2016-01"], out  # it printed 2016-01-01 2015-12-01 2016-01-01


def test_output_into_a_missing_folder_is_bad_input_not_a_bug(loaded, tmp_path, capsys):
    target = tmp_path / "no" / "such" / "folder" / "x.csv"
    for args in (("indicator", "homicide_victims", "-f", "csv"), ("evaluate", "its", "-f", "json")):
        code, _, err = run(capsys, *args, "--output", target, "--db", loaded.db)
        assert code == 2 and "the folder" in err and "does not exist; create it first" in err, err
        assert not target.parent.exists()


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_a_reader_that_stops_early_is_not_an_error(loaded, fmt):
    """`usmx ... | head -1`: Unix tools end quietly with 0 when the reader has had enough; usmx said exit 1."""
    import subprocess
    import sys

    cmd = (
        f"{sys.executable} -c 'from usmx.cli import run; run()' indicator homicide_victims --by month "
        f"-f {fmt} --db {loaded.db} | head -c 20 > /dev/null; echo ${{PIPESTATUS[0]}}"
    )
    done = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "0" and "Error" not in done.stderr, (done.stdout, done.stderr)


def test_a_filtered_table_keeps_whose_figures_they_are(loaded, capsys):
    code, out, _ = run(capsys, "indicator", "homicide_victims", "--state", "Sinaloa", "-f", "json", "--db", loaded.db)
    rows = json.loads(out)
    assert code == 0 and {(r["state_code"], r["state"]) for r in rows} == {("25", "Sinaloa")}
    code, out, _ = run(capsys, "evaluate", "its", "--state", "Sinaloa", "-f", "json", "--db", loaded.db)
    doc = json.loads(out)
    assert (doc["indicator"], doc["state_code"], doc["state"]) == ("homicide_victims", "25", "Sinaloa")
    code, out, _ = run(capsys, "evaluate", "its", "-f", "json", "--db", loaded.db)
    assert json.loads(out)["state"] == "National"


def test_a_rate_names_its_basis_and_defaults_to_the_groups_measure(loaded, capsys):
    """'Rate per 100,000' meant victims on the dashboard and crimes in the CLI, and neither said which."""
    code, out, _ = run(capsys, "indicator", "crime_rate_per_100k", "-f", "json", "--db", loaded.db)
    assert code == 0 and {r["measure"] for r in json.loads(out)} == {
        "victims"
    }  # homicide: victims, as on the dashboard
    code, out, _ = run(
        capsys, "indicator", "crime_rate_per_100k", "-p", "group=violent_robbery", "-f", "json", "--db", loaded.db
    )
    assert {r["measure"] for r in json.loads(out)} == {"crimes"}


def test_nowcast_and_its_backtest_say_why_they_are_empty(loaded, capsys):
    code, out, err = run(capsys, "indicator", "homicide_nowcast", "--db", loaded.db)
    err = " ".join(err.split())
    assert code == 0 and "a nowcast needs 6 whole months with both the daily count" in err, err
    assert "the daily count covers" in err and "usmx fetch sspc-daily-homicides" in err
    code, out, err = run(capsys, "evaluate", "nowcast-backtest", "--db", loaded.db)
    assert code == 0 and out == "" and "nothing to score: " in err  # stdout holds results only
