"""A Ctrl-C that a DuckDB query swallowed (the query finished before it looked) still rolls the load back."""

from __future__ import annotations

import pytest

from usmx import _signals

from .conftest import CONAPO_STATE, snapshot


def test_a_recorded_signal_stops_the_load_before_it_commits(obs):
    before = snapshot(obs)
    _signals.record(2)  # as the CLI's handler does when Ctrl-C arrives
    try:
        with pytest.raises(KeyboardInterrupt):
            obs.ingest(CONAPO_STATE)
    finally:
        _signals.RECEIVED.clear()
    assert snapshot(obs) == before
    leftovers = [p for p in (obs.data_dir / "raw").rglob("*") if p.is_file()]
    assert leftovers == []  # the raw copy was not kept either
    (res,) = obs.ingest(CONAPO_STATE)  # and the next load, without a signal, goes through
    assert res.status == "loaded"
