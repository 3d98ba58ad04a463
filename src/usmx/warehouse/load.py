"""Loading: one transaction per file, the coverage of each release, the current cells, unload."""

from __future__ import annotations

import contextlib
import functools
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from .. import _signals, catalog, checks, rawstore, sources
from .._db import one
from .._version import __version__
from ..errors import UsmxError
from ..sources._base import ParseContext, Staged
from .coverage import cover, plausible
from .ledger import known_checksum
from .schema import (
    COVERAGE,
    LEDGER_COLUMNS,
    LOAD_ID,
    LOADS,
    OBSERVATIONS,
    UNLOADED,
    ctrl_c_comes_through,
    quiet,
    refresh_current,
    rollback,
)

Progress = Callable[[str, int | None, int | None], None]
"""``progress(stage, done, total)``: called as a file moves through reading, parsing, checking and loading."""


@dataclass(frozen=True)
class LoadResult:
    """What happened to one file given to :func:`load_file`."""

    path: str
    status: str  # "loaded" or "already_loaded"
    kind: str
    table: str
    load_id: int
    rows: int
    sha256: str
    vintage: date | None
    is_current: bool
    seconds: float
    checks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.status == "already_loaded":
            return (
                f"{self.path}: already loaded as load {self.load_id} ({self.rows:,} rows in {self.table}); "
                "nothing to do."
            )
        vintage = f", vintage {self.vintage:%Y-%m}" if self.vintage else ""
        current = "" if self.is_current else " (an older vintage: kept for revisions, not current)"
        return (
            f"{self.path}: loaded {self.rows:,} rows into {self.table} as load {self.load_id}{vintage}"
            f"{current} in {self.seconds:.1f} s."
        )


def _drop_temporaries(con: duckdb.DuckDBPyConnection) -> None:
    """Parsers stage files in temporary tables and views; drop them so the next file starts clean. (Only the user's
    temporary objects: ``duckdb_views()`` also lists the system's own views as temporary.)"""
    found = con.execute(
        "SELECT table_name, table_type FROM information_schema.tables WHERE table_catalog = 'temp'"
    ).fetchall()
    for name, kind in found:
        con.execute(f'DROP {"VIEW" if kind == "VIEW" else "TABLE"} IF EXISTS temp."{name}"')


@dataclass
class _Parsed:
    """A file received, parsed and checked on its own connection, waiting for its turn to be written."""

    path: Path
    facts: rawstore.FileFacts
    origin: str | None
    t0: float
    stack: contextlib.ExitStack
    mod: Any = None
    kind: str = ""
    staged: Staged | None = None  # None: the file was loaded before (``known``)
    known: dict | None = None

    @property
    def display(self) -> str:
        """How errors name the file: a fetched file by the address it came from, a local one by its path."""
        if self.origin and self.origin.startswith(("http://", "https://")):
            return self.origin.split(" retrieved ", 1)[0]
        return str(self.path)


def load_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    store: rawstore.RawStore,
    scratch: Path,
    kind: str | None = None,
    origin: str | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Load one official file: copy it once into the raw store's incoming area (hashing it as it goes), detect its
    layout, parse and check the copy into temporary tables, then insert its rows and its ledger record in one
    transaction.

    A file whose sha256 is already in the ledger is skipped (status ``already_loaded``). Any failure rolls the
    transaction back, leaves the warehouse as it was and keeps no copy of a refused file; the raw copy stays only
    when the load commits.
    """
    report = progress or (lambda *a: None)
    report("reading, parsing and checking", None, None)
    parsed = _parse(con, path, store=store, scratch=scratch, kind=kind, origin=origin)
    # nothing was committed since the parse looked the checksum up in the ledger
    return _write(con, parsed, store, lambda: report("loading", None, None), recheck=False)


def load_files(
    con: duckdb.DuckDBPyConnection,
    items: Sequence[tuple[Path, str | None, str | None]],
    *,
    store: rawstore.RawStore,
    scratch: Path,
    progress: Progress | None = None,
    on_loaded: Callable[[LoadResult], None] | None = None,
) -> list[LoadResult]:
    """Load several files, ``(path, kind, origin)`` each, as :func:`load_file` would one after another, with the
    same results, load ids and guarantees: each commits in its own transaction, in the order given, and a failure
    leaves the files before it loaded and itself and those after it absent (the error is raised). ``on_loaded`` is
    called with each file's result as it commits (a command prints it then).

    Faster: while one file is written, the next ones are received, parsed and checked on connections of their own
    (:data:`AHEAD` at a time, in threads; DuckDB does the work outside Python's lock), so the cores that one file's
    statements leave idle are used."""
    done = on_loaded or (lambda r: None)
    sweep(con, store)
    if len(items) < 2:  # nothing to parse ahead
        single = [
            load_file(con, p, store=store, scratch=scratch, kind=k, origin=o, progress=progress) for p, k, o in items
        ]
        for r in single:
            done(r)
        return single
    report = progress or (lambda *a: None)
    results: list[LoadResult] = []
    committed: set[str] = set()  # checksums loaded by this command (a file parsed ahead could not see them)
    queue: deque[tuple[duckdb.DuckDBPyConnection, Future[_Parsed]]] = deque()
    todo = iter(items)

    def submit(pool: ThreadPoolExecutor) -> None:
        item = next(todo, None)
        if item is not None:
            cur = quiet(con.cursor())  # a connection of its own: its own settings
            path, kind, origin = item
            queue.append((cur, pool.submit(_parse, cur, path, store=store, scratch=scratch, kind=kind, origin=origin)))

    with ThreadPoolExecutor(max_workers=AHEAD, thread_name_prefix="usmx-parse") as pool:
        try:
            for _ in range(AHEAD):
                submit(pool)
            while queue:
                report("reading, parsing and checking", len(results) + 1, len(items))
                cur, future = queue[0]
                parsed = future.result()
                queue.popleft()
                submit(pool)
                try:
                    stage = functools.partial(report, "loading", len(results) + 1, len(items))
                    sha = parsed.facts.sha256
                    # the cursor's temporary tables go with it when it closes
                    results.append(_write(cur, parsed, store, stage, recheck=sha in committed, drop=False))
                finally:
                    cur.close()
                committed.add(sha)
                done(results[-1])
        except BaseException:
            _abandon(queue, store)
            raise
    return results


#: files parsed ahead of the one being written (two cores: one parses while the other writes and parses)
AHEAD = 2


def _abandon(queue: deque, store: rawstore.RawStore) -> None:
    """Stop the files still being parsed after a failure or a Ctrl-C, and drop their incoming copies."""
    for cur, future in queue:
        future.cancel()
        with contextlib.suppress(Exception):
            cur.interrupt()
    for cur, future in queue:
        try:
            parsed = future.result()
        except BaseException:  # a parse that failed or was stopped cleaned up after itself
            pass
        else:
            store.discard(parsed.facts)
            _finish(cur, parsed)
        with contextlib.suppress(Exception):
            cur.close()
    queue.clear()


def _parse(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    store: rawstore.RawStore,
    scratch: Path,
    kind: str | None,
    origin: str | None,
) -> _Parsed:
    """Receive, detect, parse and check one file into temporary tables on ``con`` (nothing of the warehouse is
    written). On failure the incoming copy and the temporary tables are dropped and the error is raised."""
    t0 = time.perf_counter()
    facts = store.receive(path)
    parsed = _Parsed(path, facts, origin, t0, contextlib.ExitStack())
    try:
        with _translated(parsed.display):
            parsed.mod, cand = sources.detect(facts, parsed.display, kind)
            parsed.kind = cand.kind
            parsed.known = known_checksum(con, facts.sha256)
            if parsed.known:
                return parsed
            readable = parsed.stack.enter_context(rawstore.readable_path(facts, scratch))
            ctx = ParseContext(con, facts, readable, parsed.display, cand, origin)
            staged = parsed.mod.parse(ctx, cand.kind)
            plausible(parsed.display, staged)
            staged.checks_passed += [*run_checks(ctx, staged), "periods_plausible"]
            parsed.staged = staged
            return parsed
    except BaseException:
        store.discard(facts)
        _finish(con, parsed)
        raise


def _write(
    con: duckdb.DuckDBPyConnection,
    parsed: _Parsed,
    store: rawstore.RawStore,
    starting: Callable[[], None],
    *,
    recheck: bool = True,
    drop: bool = True,
) -> LoadResult:
    """:func:`_commit` a parsed file (after ``starting()``, the progress report), then drop its temporary tables
    (``drop``); on any failure, including a Ctrl-C in ``starting``, its incoming copy goes too (a failed commit
    dropped it already). ``recheck``: look the checksum up in the ledger again (a load may have committed it since
    the parse looked)."""
    try:
        starting()
        return _commit(con, parsed, store, recheck=recheck)
    except BaseException:
        store.discard(parsed.facts)
        raise
    finally:
        _finish(con, parsed, drop=drop)


def _commit(con: duckdb.DuckDBPyConnection, parsed: _Parsed, store: rawstore.RawStore, *, recheck: bool) -> LoadResult:
    """Write a parsed file in one transaction (or report it as loaded before); see :func:`_write`."""
    known = parsed.known or (known_checksum(con, parsed.facts.sha256) if recheck else None)
    if known or parsed.staged is None:
        store.discard(parsed.facts)
        k = known or {}
        return LoadResult(
            parsed.display, "already_loaded", k.get("kind", parsed.kind), k.get("table_name", ""),
            k.get(LOAD_ID, 0), k.get("row_count", 0), parsed.facts.sha256, k.get("vintage"),
            bool(k.get("is_current")), time.perf_counter() - parsed.t0,
        )  # fmt: skip
    staged, facts, mod = parsed.staged, parsed.facts, parsed.mod
    kept: rawstore.RawFile | None = None
    try:
        with _translated(parsed.display):
            con.begin()
            try:
                licence = getattr(mod, "LICENSES", {}).get(parsed.kind, mod.LICENSE)
                kept, new = store.keep(
                    facts, mod.SOURCE, parsed.origin or str(parsed.path.resolve()), licence, warehouse=database(con)
                )
                if not new:
                    kept = None  # stored by an earlier load: not ours to remove on failure
                load_id, rows = _insert(
                    con,
                    staged=staged,
                    facts=facts,
                    file_name=parsed.origin or parsed.path.name,
                    raw_path=str(store.path_for(mod.SOURCE, facts.sha256, facts.ext)),
                    source=mod.SOURCE,
                )
                current = bool(one(con, f"SELECT is_current FROM {LOADS} WHERE {LOAD_ID} = ?", [load_id])[0])
                _signals.check()  # a Ctrl-C that a DuckDB query swallowed still rolls the load back
                con.commit()
                if kept is not None:
                    store.settle(kept)
            except BaseException:
                if not rollback(con) and known_checksum(con, facts.sha256):
                    kept = None  # the commit completed before the signal: the stored copy is the load's now
                raise
    except BaseException:
        store.discard(facts)
        if kept is not None:
            store.forget(kept)
        raise
    return LoadResult(
        parsed.display, "loaded", parsed.kind, staged.table.name, load_id, rows, facts.sha256, staged.vintage,
        current, time.perf_counter() - parsed.t0, staged.checks_passed, staged.notes,
    )  # fmt: skip


def database(con: duckdb.DuckDBPyConnection) -> str:
    """The warehouse file a connection writes to (pending raw files name it)."""
    return str(one(con, "SELECT path FROM duckdb_databases() WHERE database_name = current_database()")[0])


def sweep(con: duckdb.DuckDBPyConnection, store: rawstore.RawStore, *, dry_run: bool = False) -> rawstore.Swept:
    """Clear what interrupted loads into this warehouse left in the raw store (see :meth:`RawStore.sweep`): run
    before every load, and by ``usmx gc``."""
    return store.sweep(database(con), lambda sha: known_checksum(con, sha) is not None, dry_run=dry_run)


@contextlib.contextmanager
def _translated(display: str) -> Iterator[None]:
    """DuckDB's errors in usmx's words: a stopped query is a Ctrl-C, any other a failed load naming the file."""
    try:
        with ctrl_c_comes_through():
            yield
    except duckdb.Error as exc:
        raise UsmxError(f"{display}: the load failed and was rolled back: {exc}") from exc


def _finish(con: duckdb.DuckDBPyConnection, parsed: _Parsed, *, drop: bool = True) -> None:
    """Drop a parsed file's decompressed copy and (``drop``) its temporary tables."""
    parsed.stack.close()
    if drop:
        with contextlib.suppress(duckdb.Error):
            _drop_temporaries(con)


def run_checks(ctx: ParseContext, staged: Staged) -> list[str]:
    """The catalogue's checks for the staged table, then the source's own, skipping any the parser already ran."""
    columns = [r[0] for r in ctx.con.execute(f"DESCRIBE {staged.relation}").fetchall()]
    todo = checks.for_table(
        staged.table,
        staged.relation,
        columns,
        grain=staged.grain,
        key_label=staged.key_label,
        source_checks=staged.checks,
    )
    if staged.read_relation and ctx.facts.lines is not None:
        todo.insert(1, _rows_match_lines(ctx, staged))
    done = set(staged.checks_passed)
    return checks.run(ctx.con, ctx.display, [c for c in todo if c.name not in done])


def _rows_match_lines(ctx: ParseContext, staged: Staged) -> checks.Check:
    """The rows the reader parsed (plus line breaks inside quoted cells) must equal the file's data lines, counted
    independently while the file was copied: a reader that silently drops a line (DuckDB does, for a last line
    longer than its maximum line size) cannot load a short table."""
    rel = staged.read_relation
    text = [r[0] for r in ctx.con.execute(f"DESCRIBE {rel}").fetchall() if r[1] == "VARCHAR"]
    # (``contains`` first: it allocates nothing, and cells with a line break are rare)
    inner = (
        " + ".join(
            f"coalesce(sum(CASE WHEN contains({c}, chr(10)) "
            f"THEN length({c}) - length(replace({c}, chr(10), '')) END), 0)"
            for c in text
        )
        or "0"
    )
    expected = (ctx.facts.lines or 0) - staged.header_lines
    # rows == lines is the common case and settles it (a dropped line can never make them equal); otherwise count
    # line breaks inside quoted cells, and the empty lines readers skip, before comparing
    if (
        one(ctx.con, f"SELECT count(*) FROM {rel}")[0] != expected
        and one(ctx.con, f"SELECT count(*) + {inner} FROM {rel}")[0] != expected
    ):
        expected -= rawstore.blank_lines(ctx.facts)
    return checks.Check(
        "rows_match_lines",
        f"SELECT n FROM (SELECT count(*) + {inner} AS n FROM {rel}) WHERE n <> {int(expected)}",
        lambda rows: (
            f"the reader parsed {rows[0][0]:,} rows but the file has {expected:,} data lines; a line may be "
            "too long for the reader, or malformed."
        ),
        early=True,
    )


def _insert(
    con: duckdb.DuckDBPyConnection,
    *,
    staged: Staged,
    facts: rawstore.FileFacts,
    file_name: str,
    raw_path: str | None,
    source: str,
) -> tuple[int, int]:
    """Insert a staged file's rows and its ledger record; the caller owns the transaction."""
    # ids are never reused, not even those of unloaded loads
    load_id = int(
        one(
            con,
            f"SELECT coalesce(max(i), 0) + 1 FROM (SELECT max({LOAD_ID}) AS i FROM {LOADS} "
            f"UNION ALL SELECT max({LOAD_ID}) FROM {UNLOADED})",
        )[0]
    )
    spec = staged.table
    if spec.coded:
        coded = spec.coded
        con.execute(
            f"INSERT INTO {coded.dimension} ({LOAD_ID}, {coded.id}, {', '.join(coded.columns)}) "
            f"SELECT {load_id}, * FROM ({staged.dimension_sql})"
        )
    inserted = int(
        one(
            con,
            f"INSERT INTO {spec.facts_table} ({', '.join(spec.fact_columns)}, {LOAD_ID}) "
            f"SELECT *, {load_id} FROM ({staged.select_sql})",
        )[0]
    )
    if spec.months:  # rows of twelve months: the ledger counts observations, the rows the views show
        inserted = int(one(con, f"SELECT {OBSERVATIONS} FROM {spec.facts_table} WHERE {LOAD_ID} = {load_id}")[0])
    values = {
        LOAD_ID: load_id,
        "source": source,
        "kind": staged.kind,
        "table_name": spec.name,
        "scope": staged.scope,
        "vintage": staged.vintage,
        "period_min": staged.period_min,
        "period_max": staged.period_max,
        "file_name": file_name,
        "sha256": facts.sha256,
        "bytes": facts.bytes,
        "encoding": facts.encoding,
        "raw_path": raw_path,
        "row_count": inserted,
        "checks": staged.checks_passed,
        "loaded_at": datetime.now(),
        "usmx_version": __version__,
        "is_current": False,
    }
    names = [n for n, _ in LEDGER_COLUMNS]
    con.execute(
        f"INSERT INTO {LOADS} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})", [values[n] for n in names]
    )
    cover(con, staged, load_id)
    refresh_current(con, spec.name)
    return load_id, inserted


def unload(con: duckdb.DuckDBPyConnection, load_id: int) -> dict:
    """Revert a load in one transaction: its rows, labels and cells go, its ledger record moves to the unloaded
    ledger, and the cells it covered come back from the releases below it. The raw file stays in the store."""
    rows = con.execute(f"SELECT * FROM {LOADS} WHERE {LOAD_ID} = ?", [load_id]).fetchall()
    if not rows:
        gone = con.execute(f"SELECT unloaded_at FROM {UNLOADED} WHERE {LOAD_ID} = ?", [load_id]).fetchone()
        if gone:
            raise UsmxError(f"load {load_id} was already unloaded on {gone[0]:%Y-%m-%d %H:%M}.")
        raise UsmxError(f"there is no load {load_id}; `usmx loads` lists them.")
    record = dict(zip([n for n, _ in LEDGER_COLUMNS], rows[0]))
    spec = catalog.tables()[record["table_name"]]
    con.begin()
    try:
        con.execute(f"DELETE FROM {spec.facts_table} WHERE {LOAD_ID} = ?", [load_id])
        if spec.coded:
            con.execute(f"DELETE FROM {spec.coded.dimension} WHERE {LOAD_ID} = ?", [load_id])
        con.execute(f"DELETE FROM {COVERAGE} WHERE {LOAD_ID} = ?", [load_id])
        con.execute(f"INSERT INTO {UNLOADED} SELECT *, ? FROM {LOADS} WHERE {LOAD_ID} = ?", [datetime.now(), load_id])
        con.execute(f"DELETE FROM {LOADS} WHERE {LOAD_ID} = ?", [load_id])
        refresh_current(con, spec.name)
        con.commit()
    except BaseException:
        rollback(con)
        raise
    return record
