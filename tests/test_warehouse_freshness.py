"""How current each table is: the publisher's cadence and lag (catalog/releases.yaml) against the ledger."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import pytest
from typer.testing import CliRunner

from usmx import Observatory, catalog, cli
from usmx.cli import app
from usmx.warehouse import freshness

TODAY = date(2026, 12, 6)


def _load(table: str, period_max: date, vintage: date | None = None) -> dict:
    return {
        "table_name": table,
        "is_current": True,
        "period_max": period_max,
        "vintage": vintage,
        "loaded_at": datetime(2026, 12, 1, 12),
    }


def _status(table: str, period_max: date, today: date = TODAY, vintage: date | None = None) -> dict:
    rows = freshness.status([_load(table, period_max, vintage)], today)
    return next(r for r in rows if r["table"] == table)


def test_every_core_table_has_a_release_cadence_and_notes_in_both_languages():
    releases = catalog.releases()
    assert set(releases) == set(catalog.tables())
    for r in releases.values():
        assert r.note_en and r.note_es and r.note_en != r.note_es
        assert r.label_en and r.label_es and r.label_en != r.label_es


@pytest.mark.parametrize(
    "latest, status, behind",
    [
        (date(2026, 10, 1), "current", 0),  # October is out by 20 November: current on 6 December
        (date(2026, 11, 1), "current", 0),  # ahead of the usual lag is current too
        (date(2026, 9, 1), "due", 1),  # one release behind
        (date(2026, 8, 1), "stale", 2),
        (date(2026, 3, 1), "stale", 7),
    ],
)
def test_a_monthly_table_is_current_due_or_stale_by_the_releases_it_lacks(latest, status, behind):
    r = _status("core_sesnsp__state_crimes_2026_monthly", latest)
    assert (r["status"], r["months_behind"], r["expected"]) == (status, behind, "2026-10")


def test_the_lag_moves_the_month_expected():
    # SESNSP publishes November around 20 December: on the 21st, October is still what is due (a month's lag is
    # judged by the month, not the day), and on 1 January November is
    assert _status("core_sesnsp__state_crimes_2026_monthly", date(2026, 10, 1), date(2026, 12, 31))["status"] == (
        "current"
    )
    r = _status("core_sesnsp__state_crimes_2026_monthly", date(2026, 10, 1), date(2027, 1, 2))
    assert (r["status"], r["expected"]) == ("due", "2026-11")
    # CDC's provisional counts are five months behind: June is what is due in December
    assert _status("core_cdc__overdose_deaths_monthly", date(2026, 6, 1))["status"] == "current"


def test_a_closed_series_is_ended_when_complete_and_stale_when_it_stops_short():
    assert _status("core_sesnsp__state_crimes_monthly", date(2025, 12, 1))["status"] == "ended"
    r = _status("core_sesnsp__state_crimes_monthly", date(2023, 12, 1))
    assert (r["status"], r["expected"], r["months_behind"]) == ("stale", "2025-12", 24)
    assert _status("core_sesnsp__state_crimes_monthly", date(2025, 11, 1))["status"] == "due"


def test_a_yearly_table_waits_for_its_publication_month():
    # INEGI publishes a year by September of the next: on 6 December 2026 the year 2025 is due
    assert _status("core_inegi__homicide_deaths_occurrence_monthly", date(2025, 12, 1))["status"] == "current"
    r = _status("core_inegi__homicide_deaths_occurrence_monthly", date(2024, 12, 1))
    assert (r["status"], r["latest"], r["expected"]) == ("due", "2024", "2025")
    assert _status("core_inegi__homicide_deaths_occurrence_monthly", date(2022, 12, 1))["status"] == "stale"
    # in August 2026, 2025 is not out yet: 2024 is current
    august = _status("core_inegi__homicide_deaths_occurrence_monthly", date(2024, 12, 1), date(2026, 8, 15))
    assert (august["status"], august["expected"]) == ("current", "2024")


def test_a_biennial_edition_follows_the_publishers_calendar():
    # GI-TOC: odd-year editions published around September; a yearly table's period is the year's first day
    table = "core_gitoc__country_scores_yearly"
    assert _status(table, date(2025, 1, 1))["status"] == "current"
    r = _status(table, date(2023, 1, 1))
    assert (r["status"], r["expected"]) == ("due", "2025")
    assert _status(table, date(2021, 1, 1))["status"] == "stale"
    assert _status(table, date(2023, 1, 1), date(2025, 6, 1))["status"] == "current"  # 2025's not out in June


def test_a_list_is_judged_by_its_date_not_by_its_newest_entry():
    table = "core_ofac__sdn_entries"
    # a list of 28 November 2026 whose newest Mexico-tied entry is from February 2025 is current
    assert _status(table, date(2025, 2, 1), vintage=date(2026, 11, 28))["status"] == "current"
    r = _status(table, date(2024, 5, 1), vintage=date(2024, 5, 3))
    assert (r["status"], r["months_behind"]) == ("stale", 30)


def test_tables_without_a_cadence_or_without_loads_are_not_judged():
    rows = {r["table"]: r for r in freshness.status([_load("core_conapo__state_population_yearly", date(2070, 1, 1))],
                                                    TODAY)}  # fmt: skip
    assert rows["core_conapo__state_population_yearly"]["status"] == "not_judged"
    assert rows["core_conapo__state_population_yearly"]["latest"] == "2070"  # projections show their end
    assert rows["core_sesnsp__state_victims_monthly"]["status"] == "not_loaded"
    # a superseded load does not count
    old = {**_load("core_cbp__encounters_monthly", date(2026, 10, 1)), "is_current": False}
    assert freshness.status([old], TODAY)[1]["status"] == "not_loaded"


def test_the_oldest_evidence_is_the_earliest_end_among_the_tables_read():
    rows = freshness.status(
        [
            _load("core_sesnsp__state_victims_monthly", date(2025, 6, 1)),
            _load("core_inegi__homicide_deaths_occurrence_monthly", date(2022, 12, 1)),
            _load("core_conapo__state_population_yearly", date(2070, 1, 1)),
        ],
        TODAY,
    )
    assert freshness.oldest(rows)["table"] == "core_inegi__homicide_deaths_occurrence_monthly"
    assert freshness.oldest(rows, {"core_sesnsp__state_victims_monthly"})["table"] == (
        "core_sesnsp__state_victims_monthly"
    )
    assert freshness.oldest(rows, {"core_conapo__state_population_yearly"}) is None  # not judged: not evidence


def test_usmx_status_on_the_demo(loaded_db, monkeypatch):
    monkeypatch.setenv("USMX_TODAY", "2026-12-06")
    rows = {r["table"]: r for r in Observatory(loaded_db).status()}
    # recomputed from the bundled files: victims end June 2025, the 2015 methodology closes December 2025
    victims = rows["core_sesnsp__state_victims_monthly"]
    assert (victims["latest"], victims["expected"], victims["months_behind"], victims["status"]) == (
        "2025-06", "2025-12", 6, "stale")  # fmt: skip
    assert rows["core_ofac__sdn_entries"]["vintage"] == "2024-05-03"
    assert rows["core_cbp__encounters_monthly"]["latest"] == "2024-09"
    assert rows["core_acled__events"]["status"] == "not_loaded"
    result = CliRunner().invoke(app, ["status", "--db", str(loaded_db), "--format", "json", "--lang", "es"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert {r["table"] for r in doc} == set(catalog.tables())
    assert doc[0]["note"] == catalog.releases()[doc[0]["table"]].note_es
    table = CliRunner().invoke(app, ["status", "--db", str(loaded_db)])
    assert table.exit_code == 0 and re.search(r"core_sesnsp__state_victims_monthly\s+stale\s+2025-06", table.output)
    spanish = CliRunner().invoke(app, ["status", "--db", str(loaded_db), "--lang", "es"])
    assert "desactualizada" in spanish.output and " stale " not in spanish.output
    assert spanish.output.split()[0] == "fuente" and "meses de atraso" in spanish.output.splitlines()[0]
    assert cli.main(["status", "--db", str(loaded_db), "--lang", "fr"]) == 2


def test_the_status_follows_today(loaded_db, monkeypatch):
    monkeypatch.setenv("USMX_TODAY", "2025-08-01")  # in August 2025, June's victims were current
    rows = {r["table"]: r for r in Observatory(loaded_db).status()}
    assert rows["core_sesnsp__state_victims_monthly"]["status"] == "current"
