"""The public Python API. The CLI is a thin layer over this module.

>>> from usmx import Observatory
>>> obs = Observatory("usmx.duckdb")                     # doctest: +SKIP
>>> obs.ingest("IDEFC_NM_dic2020.csv")                    # doctest: +SKIP
>>> obs.sql("SELECT sum(crimes) FROM core_sesnsp__state_crimes_monthly")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import os
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from . import catalog, config, rawstore, sources, warehouse
from .errors import ReadOnlyError, UsmxError
from .sources._base import ParseContext

Progress = Callable[[str, int | None, int | None], None]
"""``progress(stage, done, total)``: called as a file moves through hashing, parsing, checking and loading."""


@dataclass(frozen=True)
class LoadResult:
    """What happened to one file given to :meth:`Observatory.ingest`."""

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
            return (f"{self.path}: already loaded as load {self.load_id} ({self.rows:,} rows in {self.table}); "
                    "nothing to do.")
        vintage = f", vintage {self.vintage:%Y-%m}" if self.vintage else ""
        current = "" if self.is_current else " (an older vintage: kept for revisions, not current)"
        return (f"{self.path}: loaded {self.rows:,} rows into {self.table} as load {self.load_id}{vintage}"
                f"{current} in {self.seconds:.1f} s.")


@dataclass(frozen=True)
class TableInfo:
    name: str
    type: str  # "view" (current vintage), "table"
    rows: int
    description: str


_ALLOWED = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}


@contextlib.contextmanager
def _shutdown(pool: ThreadPoolExecutor):
    try:
        yield pool
    finally:
        pool.shutdown(wait=True)


def _drop_temporaries(con: duckdb.DuckDBPyConnection) -> None:
    """Parsers stage files in temporary tables and views; drop them so the next file starts clean."""
    for (name,) in con.execute("SELECT view_name FROM duckdb_views() WHERE temporary").fetchall():
        con.execute(f'DROP VIEW IF EXISTS temp."{name}"')
    for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall():
        con.execute(f'DROP TABLE IF EXISTS temp."{name}"')


class Observatory:
    """A usmx warehouse: ingest official files, query them, list what is there.

    ``db`` defaults to ``$USMX_DB`` or ``./usmx.duckdb``; the raw store defaults to ``<db stem>_data/`` beside it
    (``$USMX_DATA_DIR`` overrides).
    """

    def __init__(self, db: str | os.PathLike[str] | None = None, data_dir: str | os.PathLike[str] | None = None):
        self.db = config.db_path(db)
        self.data_dir = config.data_dir(self.db, data_dir).resolve()
        self.raw = rawstore.RawStore(self.data_dir)

    def __repr__(self) -> str:
        return f"Observatory(db={str(self.db)!r})"

    # -- loading -------------------------------------------------------------------------------------------------
    def ingest(self, *paths: str | os.PathLike[str], kind: str | None = None, origin: str | None = None,
               progress: Progress | None = None) -> list[LoadResult]:
        """Load official files into the warehouse, one transaction each.

        The kind of each file is detected from its header unless ``kind`` is given. A file whose sha256 is already
        in ``loads`` is skipped (status ``already_loaded``). A file that fails to parse or check raises a
        :class:`~usmx.errors.UsmxError` and leaves the warehouse exactly as it was; files before it stay loaded.
        """
        results = []
        with warehouse.opened(self.db) as con:
            for p in paths:
                results.append(self._ingest_one(con, Path(p), kind, origin, progress))
        return results

    def _ingest_one(self, con, path: Path, kind: str | None, origin: str | None,
                    progress: Progress | None) -> LoadResult:
        t0 = time.perf_counter()
        report = progress or (lambda *a: None)
        display = str(path)
        report("hashing", None, None)
        facts = rawstore.inspect(path)
        mod, cand = sources.detect(facts, display, kind)
        known = warehouse.known_load(con, facts.sha256)
        if known:
            load_id, k, table, rows, vintage, current = known
            return LoadResult(display, "already_loaded", k, table, load_id, rows, facts.sha256, vintage, current,
                              time.perf_counter() - t0)
        # The raw copy is written in a background thread while DuckDB parses (both release the GIL).
        pool = ThreadPoolExecutor(max_workers=1)
        copying = pool.submit(self.raw.add, facts, mod.SOURCE, origin or str(path.resolve()), mod.LICENSE)
        with rawstore.readable_path(facts, self.data_dir / "tmp") as readable, _shutdown(pool):
            ctx = ParseContext(con, facts, readable, display, cand)
            con.begin()
            try:
                report("parsing and checking", None, None)
                staged = mod.parse(ctx, cand.kind)
                report("storing raw copy", None, None)
                raw = copying.result()
                report("loading", None, None)
                load_id, rows = warehouse.insert_load(
                    con, staged=staged, facts=facts, file_name=origin or path.name, raw_path=str(raw.path),
                    source=mod.SOURCE,
                )
                current = con.execute("SELECT is_current FROM loads WHERE load_id = ?", [load_id]).fetchone()[0]
                con.commit()
            except duckdb.Error as exc:
                con.rollback()
                raise UsmxError(f"{display}: the load failed and was rolled back: {exc}") from exc
            except BaseException:
                con.rollback()
                raise
            finally:
                _drop_temporaries(con)
        return LoadResult(display, "loaded", cand.kind, staged.table.name, load_id, rows, facts.sha256,
                          staged.vintage, current, time.perf_counter() - t0, staged.checks_passed, staged.notes)

    # -- reading ---------------------------------------------------------------------------------------------------
    def sql(self, query: str, params: list | None = None) -> pa.Table:
        """Run a read-only query and return an Arrow table. Statements that write are refused."""
        try:
            statements = duckdb.extract_statements(query)
        except duckdb.Error as exc:
            raise UsmxError(f"the query does not parse: {exc}") from exc
        if not statements:
            raise UsmxError("the query is empty.")
        for st in statements:
            if st.type not in _ALLOWED:
                raise ReadOnlyError(
                    f"refused: `{st.query.strip()[:80]}` is a {st.type.name} statement; `sql` only reads "
                    "(SELECT, WITH, EXPLAIN). Use `ingest` to load data."
                )
        if len(statements) > 1:
            raise UsmxError("send one statement at a time.")
        with warehouse.opened(self.db, read_only=True) as con:
            con.execute("SET enable_external_access = false")
            try:
                return con.sql(query, params=params).to_arrow_table()
            except duckdb.Error as exc:
                raise UsmxError(f"the query failed: {exc}") from exc

    def tables(self, include_internal: bool = False) -> list[TableInfo]:
        """Core views (current vintage and all vintages), catalogue tables and ``loads``, with row counts.

        Storage tables (names starting with ``_``) are listed only with ``include_internal``.
        """
        specs = catalog.tables()
        out = []
        with warehouse.opened(self.db, read_only=True) as con:
            rows = con.execute(
                "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main' "
                "ORDER BY table_name"
            ).fetchall()
            for name, ttype in rows:
                if name.startswith("_") and not include_internal:
                    continue
                n = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                if name in specs:
                    desc = specs[name].description
                elif name.endswith("__all_vintages") and name.removesuffix("__all_vintages") in specs:
                    desc = "Every release loaded (the view without the suffix is the current one)."
                elif name.startswith("_"):
                    desc = "Storage behind the core views (internal)."
                elif name == "loads":
                    desc = "One row per file loaded: source, kind, sha256, vintage, rows, checks passed."
                elif name == "usmx_meta":
                    desc = "Warehouse metadata (schema version)."
                elif name.startswith("cat_"):
                    desc = "Catalogue (package data)."
                else:
                    desc = ""
                out.append(TableInfo(name, "view" if ttype == "VIEW" else "table", n, desc))
        return out

    def loads(self) -> pa.Table:
        """The ``loads`` ledger, newest first."""
        return self.sql("SELECT * FROM loads ORDER BY load_id DESC")

    # -- indicators ------------------------------------------------------------------------------------------------
    def ibis(self):
        """A read-only Ibis connection to the warehouse (the backend indicators are evaluated on)."""
        import ibis

        if not self.db.exists():
            with warehouse.opened(self.db):
                pass
        return ibis.duckdb.connect(str(self.db), read_only=True)

    def indicators(self) -> list:
        """Every registered indicator (name, unit, labels, definitions, sources, parameters)."""
        from . import indicators as ind

        return sorted(ind.registry().values(), key=lambda i: i.name)

    def indicator(self, name: str, *, engine: str = "duckdb", events: str | None = None, **params) -> pa.Table:
        """Compute an indicator; parameters as documented in ``usmx indicators``.

        ``engine``: ``duckdb`` (the warehouse, default) or ``pyspark``. ``events``: a glob of raw GDELT export
        files to read in place instead of the warehouse's ``core_gdelt__events`` (see usmx.engines).
        """
        from . import engines
        from . import indicators as ind

        with engines.backend(self, engine, events) as con:
            return ind.run(con, name, **params)

    def report(self, output: str | os.PathLike[str] = "report.html", lang: str = "both") -> Path:
        """Write the self-contained HTML report (es, en or both with a switch); returns its path."""
        from .report.build import build

        return build(self, output, lang)

    def fetch(self, source: str, url: str | None = None, *, ingest: bool = True,
              progress: Progress | None = None, **options) -> list:
        """Download an official file into the raw store (and ingest it). See :mod:`usmx.fetch`."""
        from . import fetch as _fetch

        return _fetch.fetch(self, source, url=url, ingest=ingest, progress=progress, **options)
