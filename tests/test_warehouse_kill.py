"""A process killed in the middle of a load leaves a warehouse that opens and holds no partial load."""

from __future__ import annotations

import json
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


def _raw_files(obs: Observatory) -> list[Path]:
    return sorted(p for p in (obs.data_dir / "raw").rglob("*") if p.is_file())


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.slow
def test_the_next_load_clears_what_a_killed_load_left_in_the_raw_store(tmp_path):
    """Killed after its raw file was stored but before the commit, a load left a complete raw file with no load (and
    killed while parsing, a .part of hundreds of MB that a successful re-ingest kept). The next load removes both."""
    db = tmp_path / "w.duckdb"
    obs = Observatory(db)
    obs.ingest(CONAPO_STATE)
    kept = _raw_files(obs)
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(STATE_VICTIMS)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().startswith("INSERTED")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    left = [p for p in _raw_files(obs) if p not in kept]
    assert any(p.parent.name == ".pending" for p in left) and any(p.suffix == ".gz" for p in left), left
    (res,) = Observatory(db).ingest(CONAPO_STATE)  # any later load: this one was loaded before
    assert res.status == "already_loaded"
    assert _raw_files(obs) == kept


def test_a_part_file_of_a_process_that_exited_goes_at_once_and_a_live_ones_stays(obs):
    incoming = obs.data_dir / "raw" / ".incoming"
    incoming.mkdir(parents=True)
    dead = incoming / f"abc.{_dead_pid()}.part"
    dead.write_bytes(b"x" * 1000)
    live = incoming / f"def.{os.getppid()}.part"
    live.write_bytes(b"y")
    obs.ingest(CONAPO_STATE)
    assert not dead.exists() and live.exists()


def test_a_load_that_committed_before_it_was_settled_keeps_its_file(obs, monkeypatch):
    """Killed between the commit and the removal of its marker: the load is in the warehouse, so its file stays."""
    from usmx import rawstore

    monkeypatch.setattr(rawstore.RawStore, "settle", lambda self, record: None)
    obs.ingest(CONAPO_STATE)
    (marker,) = (obs.data_dir / "raw" / ".pending").glob("*.json")
    meta = json.loads(marker.read_text())
    marker.write_text(json.dumps(meta | {"pid": _dead_pid()}))
    monkeypatch.undo()
    before = [p for p in _raw_files(obs) if p.parent.name != ".pending"]
    assert obs.gc()[0][1] == 0  # nothing removed; the marker settled
    assert _raw_files(obs) == before


def test_gc_removes_leftovers_and_caches_but_never_a_loaded_file(obs, capsys):
    from usmx import cli

    obs.ingest(CONAPO_STATE)
    loaded = _raw_files(obs)
    (obs.scratch / "gdelt_unzipped").mkdir(parents=True)
    (obs.scratch / "gdelt_unzipped" / "abc.CSV").write_bytes(b"z" * 5000)
    serve = obs.data_dir / "serve"
    serve.mkdir()
    for n in (1, 2):
        (serve / f"snapshot-k-{n}.duckdb").write_bytes(b"s" * 100)
        os.utime(serve / f"snapshot-k-{n}.duckdb", (n, n))
    (obs.data_dir / "raw" / ".incoming" / f"x.{_dead_pid()}.part").write_bytes(b"p" * 10)
    assert cli.main(["gc", "--dry-run", "--db", str(obs.db)]) == 0
    assert "in all: would remove 3 file(s)" in capsys.readouterr().out
    assert (serve / "snapshot-k-1.duckdb").exists()
    assert cli.main(["gc", "--db", str(obs.db)]) == 0
    out = capsys.readouterr().out
    assert "raw store: unfinished and uncommitted files: removed 1 file(s)" in out
    assert "in all: removed 3 file(s)" in out
    assert _raw_files(obs) == loaded
    assert [p.name for p in serve.iterdir()] == ["snapshot-k-2.duckdb"]
    assert not list((obs.scratch / "gdelt_unzipped").iterdir())
