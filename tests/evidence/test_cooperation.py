"""Cooperation before and after the key dates: a fall in counted acts is found, a flat series is not, and the news
share is set against the counts year by year."""

from __future__ import annotations

from datetime import date

import pytest

from usmx.errors import UsmxError


class _Rel:
    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows

    def to_pyarrow(self):
        import pyarrow as pa

        return pa.Table.from_pylist(self.rows)


class _Ledger:
    """A backend with ledger tables only (no OFAC list): what the evidence functions read."""

    def __init__(self, counts: list[dict], events: list[dict]) -> None:
        self.tables = {"core_ledger__counts": counts, "core_ledger__events": events}

    def table(self, name: str) -> _Rel:
        if name not in self.tables:
            raise KeyError(name)
        return _Rel(self.tables[name])


def _extraditions(values: dict[int, float], publisher: str = "A") -> list[dict]:
    return [
        {"quantity": "extraditions", "amount": v, "period_start": date(y, 1, 1), "period_end": date(y, 12, 31),
         "publisher": publisher, "acts": None}
        for y, v in values.items()
    ]  # fmt: skip


def _studies(monkeypatch, values: dict[int, float]) -> dict:
    from usmx.evidence import cooperation as studies
    from usmx.indicators import cooperation

    monkeypatch.setattr(cooperation, "cooperation_expr", lambda con: (_ for _ in ()).throw(KeyError("no GDELT")))
    events = [
        {"event_date": day, "kind": "administration", "persons": None, "publisher": "P"}
        for day in (date(min(values), 1, 1), date(max(values), 12, 31))
    ]
    ledger = _Ledger(_extraditions(values), events)
    return {(r["key_date"], r["component"]): r for r in studies.event_studies(ledger).to_pylist()}


def test_event_study_finds_a_fall_that_stands_out_from_earlier_dates(monkeypatch):
    """70 a year for fourteen years, then 30: the fall at December 2018 departs from the trend of the years before."""
    rows = _studies(monkeypatch, {y: 70 if y < 2019 else 30 for y in range(2005, 2023)})
    dec18 = rows[("2018-12", "extraditions")]
    assert dec18["basis"] == "count" and dec18["before"] == pytest.approx(70, rel=1e-3)
    assert dec18["after"] == pytest.approx((70 / 12 + 30 + 30 * 11 / 12) / 2, rel=1e-2)
    assert dec18["finding"] == "fell" and dec18["ratio_high"] < 1
    assert dec18["trend_points"] == 13 and dec18["trend_p"] < 0.001 and dec18["trend_high"] < 1
    # 30 a year on both sides of December 2020, no change in the ratio; but the years before it are mostly the 70s,
    # so against their trend the level is still low: each study reads the trend before its date, not its breaks
    dec20 = rows[("2020-12", "extraditions")]
    assert dec20["ratio_low"] < 1 < dec20["ratio_high"] and dec20["trend_ratio"] < 1
    # after the ledger ends nothing is observed: not measurable, never a zero
    assert rows[("2024-10", "extraditions")]["finding"] == "not measurable"


def test_a_steady_decline_is_not_read_as_a_fall_at_the_date(monkeypatch):
    """A count that falls 15% every year falls across December 2018 too, but no more than its trend says."""
    rows = _studies(monkeypatch, {y: round(2000 * 0.85 ** (y - 2005)) for y in range(2005, 2023)})
    dec18 = rows[("2018-12", "extraditions")]
    assert dec18["ratio_high"] < 1  # the interval alone would call it a fall
    assert dec18["finding"] == "no clear change" and dec18["trend_p"] > 0.05


def test_too_few_years_before_is_not_measurable_and_a_bad_window_is_refused(monkeypatch):
    """Four years before the date: a fall cannot be told from a trend."""
    values = {2015: 70, 2016: 70, 2017: 70, 2018: 70, 2019: 30, 2020: 30, 2021: 30, 2022: 30}
    assert _studies(monkeypatch, values)[("2018-12", "extraditions")]["finding"] == "not measurable"
    from usmx.evidence import cooperation as studies

    with pytest.raises(UsmxError, match="window must be 1 to 120 months"):
        studies.event_studies(_Ledger(_extraditions(values), []), window=0)


def test_reported_cooperation_against_counts_year_by_year(monkeypatch):
    from usmx.evidence import cooperation as studies
    from usmx.indicators import cooperation

    values = {y: 40 + 5 * (y - 2012) for y in range(2012, 2024)}
    monthly = [
        {"period": date(y, m, 1), "dyad_events": 1000, "law_enforcement_events": int(values[y] + (y * m) % 7)}
        for y in values
        for m in range(1, 13)
    ]
    monkeypatch.setattr(cooperation, "cooperation_expr", lambda con: _Rel(monthly))
    got = {r["component"]: r for r in studies.reported_vs_counted(_Ledger(_extraditions(values), [])).to_pylist()}
    ext = got["extraditions"]
    assert ext["n"] == 12 and ext["years"].startswith("2012, 2013")
    assert ext["pearson"] > 0.99 and ext["low"] < ext["pearson"] < ext["high"] and ext["spearman"] == pytest.approx(1)
    # three years only: printed with the reason, not with a made-up interval
    few = {y: values[y] for y in (2012, 2013, 2014)}
    (only,) = studies.reported_vs_counted(_Ledger(_extraditions(few), [])).to_pylist()
    assert only["pearson"] is None and "at least 4" in only["note"]
