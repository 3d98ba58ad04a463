"""The cooperation scorecard: counted acts beside the news proxy, never summed, publishers side by side."""

from __future__ import annotations

from datetime import date

import pytest

from usmx.errors import UsmxError

CITE = "url: 'https://example.org/r', accessed: 2026-01-02"


def _rows(obs, **params) -> list[dict]:
    return obs.indicator("cooperation_scorecard", **params).to_pylist()


def test_on_the_demo_every_named_component_has_rows_and_the_transfers_total_92(loaded):
    rows = _rows(loaded, by="year")
    assert list(obs_cols := loaded.indicator("cooperation_scorecard", by="year").column_names)[:7] == [
        "period", "component", "value", "low", "high", "unit", "sources",
    ]  # fmt: skip
    assert "administration" not in obs_cols
    components = {r["component"] for r in rows}
    assert {"extraditions", "transfers", "designations", "reported_cooperation"} <= components
    transfers = [r for r in rows if r["component"] == "transfers"]
    assert [(r["period"], r["value"]) for r in transfers] == [(date(2025, 1, 1), 55.0), (date(2026, 1, 1), 37.0)]
    assert sum(r["value"] for r in transfers if r["covers_to"] <= date(2026, 1, 31)) == 92
    assert all(r["basis"] == "count" for r in transfers)  # the counts, not the events' persons again
    # no yearly extradition count is bundled: the persons named in the ledger's events, marked as a floor
    ext = [r for r in rows if r["component"] == "extraditions"]
    assert ext and all(r["basis"] == "named_events" for r in ext)
    # OFAC's additions cover the time since the previous list: longer than the year they are placed in
    (sdn,) = [r for r in rows if r["component"] == "designations"]
    assert (
        sdn["spans_periods"] and sdn["covers_from"] < sdn["period"] and sdn["value"] == 186
    )  # entities new on the 2024 list, each once
    for r in rows:
        if r["basis"] == "too_few_events":  # a news share of too few events: blank, and the sources say why
            assert r["value"] is r["low"] is r["high"] is None and "too few" in r["sources"]
        else:
            assert r["low"] <= r["value"] <= r["high"], r
        assert r["sources"]


def test_by_month_and_by_administration(loaded):
    months = [r for r in _rows(loaded, by="month") if r["component"] == "transfers"]
    assert [(r["period"], r["value"]) for r in months] == [
        (date(2025, 2, 1), 29.0), (date(2025, 8, 1), 26.0), (date(2026, 1, 1), 37.0),
    ]  # fmt: skip
    terms = _rows(loaded, by="administration")
    (sheinbaum,) = [r for r in terms if r["component"] == "transfers"]
    assert (sheinbaum["administration"], sheinbaum["period"], sheinbaum["value"]) == (
        "sheinbaum",
        date(2024, 10, 1),
        92,
    )
    coop = [r for r in terms if r["component"] == "reported_cooperation"]
    assert {r["administration"] for r in coop} == {"pena_nieto"}
    with pytest.raises(UsmxError, match="by must be one of year, month, administration"):
        _rows(loaded, by="week")
    assert [r["component"] for r in _rows(loaded, by="sexenio")] == [r["component"] for r in terms]


def test_publishers_that_disagree_are_shown_side_by_side_not_averaged_away(loaded, tmp_path):
    mine = tmp_path / "extraditions.yaml"
    mine.write_text(
        "counts:\n"
        f"  - {{id: e19a, quantity: extraditions, period: 2019, value: 58, unit: persons, "
        f"publisher: Publisher A, {CITE}}}\n"
        f"  - {{id: e19b, quantity: extraditions, period: 2019, value: 66, unit: persons, "
        f"publisher: Publisher B, {CITE}}}\n"
        f"  - {{id: e19c, quantity: extraditions, period: 2019, value: 60, unit: persons, "
        f"publisher: Publisher C, {CITE}}}\n"
        f"  - {{id: e17a, quantity: extraditions, period: 2017, value: 57, unit: persons, "
        f"publisher: Publisher A, {CITE}}}\n",
        encoding="utf-8",
    )
    loaded.ingest(mine)
    rows = {r["period"].year: r for r in _rows(loaded, by="year") if r["component"] == "extraditions"}
    y19 = rows[2019]
    assert (y19["value"], y19["low"], y19["high"], y19["publishers"]) == (60, 58, 66, 3)
    assert y19["sources"] == "Publisher A: 58; Publisher B: 66; Publisher C: 60"
    assert y19["basis"] == "count"
    # a count replaces the events' floor for its period: Guzmán's extradition is inside the 57 of 2017
    assert (rows[2017]["value"], rows[2017]["basis"]) == (57, "count")
    assert rows[2023]["basis"] == "named_events"
    # a yearly count read by month sits in its last month, flagged as longer than it
    (dec,) = [r for r in _rows(loaded, by="month") if r["component"] == "extraditions" and r["period"].year == 2019]
    assert dec["period"] == date(2019, 12, 1) and dec["spans_periods"]


def test_reported_cooperation_carries_a_wilson_interval_and_says_too_few(loaded, monkeypatch):
    """A share of one news event drew a 0-80% bar: below MIN_EVENTS events a period has no share, and says why."""
    from usmx.indicators import scorecard

    coop = [r for r in _rows(loaded, by="year") if r["component"] == "reported_cooperation"]
    assert coop and all(r["value"] is None and r["basis"] == "too_few_events" for r in coop)  # 1 and 21 events
    assert [r["sources"] for r in coop if r["period"].year == 2016] == [
        "GDELT: 0 of 1 events in 1 month (too few: a share needs 30 events or more)"
    ]
    monkeypatch.setattr(scorecard, "MIN_EVENTS", 1)
    coop = [r for r in _rows(loaded, by="year") if r["component"] == "reported_cooperation"]
    for r in coop:
        assert 0 <= r["low"] <= r["value"] <= r["high"] <= 1
        assert r["high"] > r["low"]  # even with no cooperation events, the interval is not a point
        assert r["basis"] == "news_events"
    assert [r["sources"] for r in coop if r["period"].year == 2017] == ["GDELT: 0 of 21 events in 3 months"]


def test_the_evaluation_prints_intervals_and_its_limits(loaded, capsys):
    from typer.testing import CliRunner

    from usmx.cli import app

    res = CliRunner().invoke(app, ["evaluate", "cooperation", "--db", str(loaded.db)])
    assert res.exit_code == 0, res.output
    assert "2024-10-01  Sheinbaum takes office" in res.output
    assert "transfers" in res.output and "rose from none" in res.output
    assert "What this can and cannot say" in res.output
    js = CliRunner().invoke(app, ["evaluate", "cooperation", "--db", str(loaded.db), "--format", "json"])
    import json

    doc = json.loads(js.output)
    assert set(doc) == {"event_studies", "correlation"}
    sheinbaum = [r for r in doc["event_studies"] if r["key_date"] == "2024-10" and r["component"] == "transfers"]
    assert sheinbaum[0]["after_low"] > 0 and sheinbaum[0]["before"] == 0
