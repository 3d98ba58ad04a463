"""A process killed in the middle of a load leaves a warehouse that opens and holds no partial load."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from usmx import Observatory

from .conftest import CONAPO_STATE, STATE_VICTIMS, snapshot

CHILD = textwrap.dedent(
    """
    import sys, time
    from usmx import Observatory, warehouse

    real = warehouse.load._insert

    def slow_insert(con, **kw):
        out = real(con, **kw)          # rows are written inside the open transaction ...
        print("INSERTED", out[1], flush=True)
        time.sleep(60)                 # ... and the process dies before it commits
        return out

    warehouse.load._insert = slow_insert
    Observatory(sys.argv[1]).ingest(sys.argv[2])
    """
)


@pytest.mark.slow
def test_kill_mid_load_leaves_no_partial_load(tmp_path):
    db = tmp_path / "w.duckdb"
    obs = Observatory(db)
    obs.ingest(CONAPO_STATE)
    before = snapshot(obs)
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(STATE_VICTIMS)], stdout=subprocess.PIPE, text=True
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("INSERTED"), line
        assert int(line.split()[1]) == 927_360  # the rows really were written before the kill
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    reopened = Observatory(db)
    assert snapshot(reopened) == before
    # and the warehouse still takes the same file afterwards
    (res,) = reopened.ingest(STATE_VICTIMS)
    assert res.status == "loaded" and res.rows == 927_360


def test_a_signal_just_after_the_commit_keeps_the_loads_raw_file(obs):
    """A Ctrl-C that lands between the commit and the next line: the load is in the warehouse, so its stored copy
    must stay (the rollback finds no transaction; the ledger says the load is there)."""
    from usmx import warehouse

    class SignalAfterCommit:
        def __init__(self, con):
            self._con = con

        def commit(self):
            self._con.commit()
            raise KeyboardInterrupt

        def __getattr__(self, name):
            return getattr(self._con, name)

    with warehouse.opened(obs.db) as con, pytest.raises(KeyboardInterrupt):
        warehouse.load_file(
            SignalAfterCommit(con), CONAPO_STATE, store=obs.raw, scratch=obs.scratch, kind=None, origin=None
        )
    (record,) = obs.loads().to_pylist()
    assert record["kind"] == "conapo_state_population"
    assert Path(record["raw_path"]).is_file()
