"""What the web server reads: a read-only copy of the warehouse that the server publishes itself.

A DuckDB file has one writer, and a process that holds it open (even read-only) keeps ``usmx ingest`` from writing.
So the server never keeps the warehouse open: when the file changes (its size or modification time), it opens the
warehouse read-only for as long as one ``COPY FROM DATABASE`` takes, writes the copy to a temporary file in
``<data dir>/serve/``, and renames it into place; requests that start afterwards read the new copy, those already
running finish on the old one (an open file survives its removal on POSIX systems). While an ingest holds the
warehouse, the copy cannot be taken: the server goes on answering from the last consistent copy and tries again
on a later request. A warehouse is always consistent between loads (each load is one transaction), so every copy
is a state some command left.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..errors import MissingFileError, UsmxError
from ..warehouse import check_warehouse
from ..warehouse.schema import quiet


@dataclass(frozen=True)
class Snapshot:
    path: Path
    key: str  # the warehouse state it copies: its loads (id, sha256, current) hashed
    published: float


def _state_key(con: duckdb.DuckDBPyConnection, schema: str) -> str:
    try:
        rows = con.execute(f"SELECT load_id, sha256, is_current FROM {schema}.loads ORDER BY load_id").fetchall()
    except duckdb.CatalogException:  # a warehouse with no loads table yet
        rows = []
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


class Publisher:
    """Publishes and hands out snapshots of one warehouse (thread-safe)."""

    def __init__(
        self,
        db: Path,
        folder: Path,
        *,
        recheck: float = 1.0,
        warm: Callable[[Snapshot, Callable[[], None]], bool] | None = None,
        published: Callable[[Snapshot], None] | None = None,
    ) -> None:
        """``warm(snapshot, done)``: prepare a new snapshot and call ``done`` to publish it (True), or decline
        (False: it is published at once); ``published(snapshot)``: told when a snapshot becomes current."""
        self.db = Path(db)
        self.folder = Path(folder)
        self.recheck = recheck
        self.warm = warm
        self.published = published
        self.pending: Snapshot | None = None  # copied, being warmed, not yet handed out
        self._lock = threading.RLock()
        self._current: Snapshot | None = None
        self._stat: tuple[int, int] | None = None
        self._checked = 0.0
        self.failures = 0  # copies that could not be taken (an ingest was writing): the old copy kept serving

    def _stat_now(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.db)
        except FileNotFoundError:
            return None
        return st.st_mtime_ns, st.st_size

    def current_key(self) -> str:
        """The key of the snapshot handed out now ('' before the first)."""
        return self._current.key if self._current is not None else ""

    def due(self) -> bool:
        """Whether the next :meth:`current` will look at the warehouse (and may copy it)."""
        return self._current is None or time.monotonic() - self._checked >= self.recheck

    def current(self) -> Snapshot:
        """The newest consistent snapshot, publishing a new one first when the warehouse changed."""
        now = time.monotonic()
        if self._current is not None and now - self._checked < self.recheck:
            return self._current
        with self._lock:
            self._checked = time.monotonic()
            stat = self._stat_now()
            if stat is None and self._current is None:
                raise MissingFileError(f"{self.db}: no warehouse here; build one with `usmx demo` or `usmx ingest`.")
            if stat is not None and self.pending is None and (self._current is None or stat != self._stat):
                self._publish(stat)
            assert self._current is not None
            return self._current

    def _publish(self, stat: tuple[int, int]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        n = int(time.time() * 1000)
        tmp = self.folder / f".snapshot-{n}-{os.getpid()}.part"
        try:
            check_warehouse(self.db)  # a warehouse cut short is not copied: the last good copy keeps being served
        except UsmxError:
            self.failures += 1
            if self._current is None:
                raise
            return
        try:
            con = quiet(duckdb.connect(":memory:"))
            try:
                con.execute(f"ATTACH {_literal(self.db)} AS w (READ_ONLY)")
                key = _state_key(con, "w")
                if self._current is not None and key == self._current.key:
                    self._stat = stat  # touched (a checkpoint, a refused load) but the same state
                    return
                con.execute(f"ATTACH {_literal(tmp)} AS s")
                con.execute("COPY FROM DATABASE w TO s")
                con.execute("DETACH s")
                con.execute("DETACH w")
            finally:
                con.close()
        except duckdb.Error:
            # the warehouse is being written (its lock is held) or is mid-checkpoint: keep serving the last copy
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            self.failures += 1
            if self._current is None:
                raise
            return
        path = self.folder / f"snapshot-{key}-{n}.duckdb"
        os.replace(tmp, path)
        fresh = Snapshot(path, key, time.time())
        if self._current is None or self.warm is None:
            self._swap(fresh, stat)
            return
        self.pending = fresh

        def done() -> None:
            with self._lock:
                self.pending = None
                self._swap(fresh, stat)

        if not self.warm(fresh, done):
            done()

    def _swap(self, fresh: Snapshot, stat: tuple[int, int]) -> None:
        """Hand out ``fresh`` from now on; the old copy's file goes (requests still reading it keep it open)."""
        old, self._current, self._stat = self._current, fresh, stat
        if old is not None:
            with contextlib.suppress(FileNotFoundError):
                old.path.unlink()
        for stale in self.folder.glob("snapshot-*.duckdb"):  # copies left by an earlier server
            if stale != fresh.path and (self.pending is None or stale != self.pending.path):
                with contextlib.suppress(OSError):
                    stale.unlink()
        if self.published is not None:
            self.published(fresh)


def _literal(path: Path) -> str:
    """A path as an SQL string literal (a quote in a folder's name is data, not the end of the string)."""
    return "'" + str(path).replace("'", "''") + "'"
