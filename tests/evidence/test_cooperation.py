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


def test_event_study_finds_a_fall_in_yearly_counts_and_none_in_a_flat_series(monkeypatch):
    from usmx.evidence import cooperation as studies
    from usmx.indicators import cooperation

    monkeypatch.setattr(cooperation, "cooperation_expr", lambda con: (_ for _ in ()).throw(KeyError("no GDELT")))
    counts = _extraditions({2015: 70, 2016: 70, 2017: 70, 2018: 70, 2019: 30, 2020: 30, 2021: 30, 2022: 30})
    events = [
        {"event_date": day, "kind": "administration", "persons": None, "publisher": "P"}
        for day in (date(2015, 1, 1), date(2022, 12, 31))
    ]
    rows = {(r["key_date"], r["component"]): r for r in studies.event_studies(_Ledger(counts, events)).to_pylist()}
    dec18 = rows[("2018-12", "extraditions")]
    assert dec18["basis"] == "count" and dec18["before"] == pytest.approx(70, rel=1e-3)
    assert dec18["after"] == pytest.approx((70 / 12 + 30 + 30 * 11 / 12) / 2, rel=1e-2)
    assert dec18["finding"] == "fell" and dec18["ratio_high"] < 1
    dec20 = rows[("2020-12", "extraditions")]  # 30 a year on both sides
    assert dec20["finding"] == "no clear change" and dec20["ratio_low"] < 1 < dec20["ratio_high"]
    # after the ledger ends nothing is observed: not measurable, never a zero
    assert rows[("2024-10", "extraditions")]["finding"] == "not measurable"
    with pytest.raises(UsmxError, match="window must be 1 to 120 months"):
        studies.event_studies(_Ledger(counts, events), window=0)


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
