"""The check engine: checks built from the catalogue's field constraints, run in order, one error format."""

from __future__ import annotations

import duckdb
import pytest

from usmx import catalog, checks
from usmx.errors import CheckError
from usmx.warehouse import ensure_schema


@pytest.fixture
def con():
    c = duckdb.connect()
    ensure_schema(c)
    return c


def _stage(con, rows):
    con.execute(
        "CREATE OR REPLACE TEMP TABLE t (period DATE, state_code VARCHAR, municipality_code VARCHAR, "
        "crime_key VARCHAR, crimes BIGINT)"
    )
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", rows)


GOOD = [("2024-01-01", "01", "01001", "a", 3), ("2024-01-01", "01", "01002", "a", 0)]


def test_the_catalogue_names_each_check_and_a_good_table_passes(con):
    spec = catalog.tables()["core_sesnsp__municipal_crimes_monthly"]
    _stage(con, GOOD)
    todo = checks.for_table(spec, "t", ["period", "state_code", "municipality_code", "crime_key", "crimes"])
    names = [c.name for c in todo]
    assert names[:2] == ["has_rows", "keys_unique"]
    assert {"state_code_known", "municipality_code_known", "municipality_code_within_state", "crimes_in_range"} <= set(
        names
    )
    assert checks.run(con, "f.csv", todo) == names


@pytest.mark.parametrize(
    "bad, check, words",
    [
        (("2024-01-01", "33", "33001", "a", 1), "state_code_known", r"\['33'\] are not INEGI state codes"),
        (("2024-01-01", "01", "01999", "a", 1), None, None),  # 999: the publishers' 'unspecified' municipality
        (("2024-01-01", "01", "01998", "a", 1), None, None),
        (("2024-01-01", "01", "01900", "a", 1), "municipality_code_known", r"\['01900'\] are not in INEGI"),
        (("2024-01-01", "01", "02001", "a", 1), "municipality_code_within_state", "differ from their state code"),
        (("2024-01-01", "01", "01003", "a", -1), "crimes_in_range", r"crimes values \[-1\] are not at least 0"),
        (("2024-01-01", "01", "01001", "a", 9), "keys_unique", r"appears 2 times"),
    ],
)
def test_each_constraint_fails_with_its_name(con, bad, check, words):
    spec = catalog.tables()["core_sesnsp__municipal_crimes_monthly"]
    _stage(con, [*GOOD, bad])
    todo = checks.for_table(
        spec,
        "t",
        ["period", "state_code", "municipality_code", "crime_key", "crimes"],
        grain=["period", "municipality_code", "crime_key"],
    )
    if check is None:
        checks.run(con, "f.csv", todo)
        return
    with pytest.raises(CheckError, match=rf"f\.csv: check '{check}' failed: .*{words}"):
        checks.run(con, "f.csv", todo)


def test_source_checks_run_early_or_late_around_the_catalogue(con):
    spec = catalog.tables()["core_cbp__drug_seizures_monthly"]
    early = checks.Check("e", "SELECT 1 WHERE false", str, early=True)
    late = checks.Check("l", "SELECT 1 WHERE false", str)
    names = [c.name for c in checks.for_table(spec, "t", ["period"], source_checks=[late, early])]
    assert names[:3] == ["has_rows", "e", "keys_unique"] and names[-1] == "l"


def test_a_table_override_replaces_the_field_constraint():
    conapo = catalog.tables()["core_conapo__state_population_yearly"]
    field = next(f for f in conapo.fields if f.name == "state_code")
    assert field.rules == {"references": "states", "also": ("00",)}
    default = catalog.fields()["state_code"]
    assert default.rules == {"references": "states"}


def _check(name: str, sql: str) -> checks.Check:
    return checks.Check(name, sql, lambda rows: f"{name} failed on {rows}")


def test_checks_run_as_one_query_but_the_first_failure_in_order_is_named():
    con = duckdb.connect()
    todo = [
        _check("passes", "SELECT 1 WHERE false"),
        _check("second", "SELECT 2"),
        _check("third", "SELECT 3"),
    ]
    with pytest.raises(CheckError) as err:
        checks.run(con, "f.csv", todo)
    assert err.value.check == "second" and "[(2,)]" in str(err.value)
    assert checks.run(con, "f.csv", todo[:1]) == ["passes"]
    assert checks.run(con, "f.csv", []) == []


def test_a_check_whose_sql_fails_does_not_hide_an_earlier_failure():
    """An earlier check guards a later one (rows that do not parse make a later cast fail): the combined query
    errors, the checks then run one by one, and the earlier check's message is what the user reads."""
    con = duckdb.connect()
    guard = _check("guard", "SELECT 'x'")
    breaks = _check("breaks", "SELECT CAST('x' AS INTEGER)")
    with pytest.raises(CheckError) as err:
        checks.run(con, "f.csv", [guard, breaks])
    assert err.value.check == "guard"
    with pytest.raises(duckdb.ConversionException):  # alone, its own error surfaces (a bug in the check)
        checks.run(con, "f.csv", [_check("ok", "SELECT 1 WHERE false"), breaks])


def test_ctrl_c_during_the_combined_query_is_not_taken_for_a_failing_check():
    """The combined query falls back to one check at a time when its SQL fails; an interrupt must not: it stops the
    load (the loader rolls back), as a kill during a load would."""
    import duckdb
    import pytest

    from usmx.checks import Check, run

    class Interrupted:
        calls = 0

        def execute(self, sql):
            Interrupted.calls += 1
            raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")

    with pytest.raises(duckdb.InterruptException):
        run(Interrupted(), "f.csv", [Check("a", "SELECT 1 WHERE false", str), Check("b", "SELECT 1", str)])
    assert Interrupted.calls == 1  # nothing ran after the interrupt
