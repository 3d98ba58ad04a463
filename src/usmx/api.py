"""The public Python API. The CLI is a thin layer over this module; nothing below it imports it.

>>> from usmx import Observatory
>>> obs = Observatory("usmx.duckdb")                     # doctest: +SKIP
>>> obs.ingest("IDEFC_NM_dic2020.csv")                    # doctest: +SKIP
>>> obs.sql("SELECT sum(crimes) FROM core_sesnsp__state_crimes_monthly")  # doctest: +SKIP
>>> obs.indicator("homicide_victims", by="year")          # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from . import catalog, config, rawstore, warehouse
from ._db import one
from .errors import MissingFileError, ReadOnlyError, UsmxError
from .warehouse import LoadResult, Progress

if TYPE_CHECKING:
    from .evidence import Evidence
    from .report.data import ReportData
    from .report.workers import Workers

__all__ = ["LoadResult", "Observatory", "Progress", "TableInfo", "TableSummary"]


@dataclass(frozen=True)
class TableInfo:
    name: str
    type: str  # "view" (current vintage), "table"
    rows: int
    description: str


@dataclass(frozen=True)
class TableSummary:
    """What a core table holds: rows, periods covered and current vintages."""

    table: str
    rows: int
    period_min: date | None
    period_max: date | None
    vintages: list[str]
    loads: int


_ALLOWED = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
#: functions that would tell a query where files live or how the machine is set up
_HIDDEN = re.compile(
    r"\b(duckdb_settings|current_setting|duckdb_databases|pragma_database_list|duckdb_extensions|getenv|"
    r"duckdb_temporary_files|duckdb_secrets|pragma_\w+|which_secret|glob|read_\w+|parquet_\w+|sniff_csv)\s*\(",
    re.IGNORECASE,
)


class Observatory:
    """A usmx warehouse: ingest official files, query them, compute indicators, evaluate, report.

    ``db`` defaults to ``$USMX_DB`` or ``./usmx.duckdb``; the raw store defaults to ``<db stem>_data/`` beside it
    (``$USMX_DATA_DIR`` overrides).
    """

    def __init__(
        self,
        db: str | os.PathLike[str] | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        *,
        memory: str | None = None,
    ):
        """``memory``: the most memory DuckDB may use for one indicator, evaluation or audit (a size such as 2GB;
        None: DuckDB's default, most of the machine's memory). The web server sets it (USMX_SERVE_MEMORY)."""
        self.memory = memory
        self.db = config.db_path(db)
        self.data_dir = config.data_dir(self.db, data_dir).resolve()
        self.raw = rawstore.RawStore(self.data_dir)

    def __repr__(self) -> str:
        return f"Observatory(db={str(self.db)!r})"

    @property
    def scratch(self) -> Path:
        """Temporary files (decompressed inputs, unzipped exports) live here, inside the data folder."""
        return self.data_dir / "tmp"

    # -- loading -------------------------------------------------------------------------------------------------
    def ingest(
        self,
        *paths: str | os.PathLike[str],
        kind: str | None = None,
        origin: str | None = None,
        progress: Progress | None = None,
        on_loaded: Callable[[LoadResult], None] | None = None,
    ) -> list[LoadResult]:
        """Load official files into the warehouse, one transaction each, over one connection (the next files are
        parsed while one is written; ``on_loaded`` gets each result as its file commits).

        The kind of each file is detected from its header unless ``kind`` is given. A file whose sha256 is already
        in ``loads`` is skipped (status ``already_loaded``). A file that fails to parse or check raises a
        :class:`~usmx.errors.UsmxError` and leaves the warehouse exactly as it was; files before it stay loaded.
        """
        with warehouse.opened(self.db) as con:
            items = [(Path(p), kind, origin) for p in paths]
            return warehouse.load_files(
                con, items, store=self.raw, scratch=self.scratch, progress=progress, on_loaded=on_loaded
            )

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
        hidden = _HIDDEN.search(query)
        if hidden:
            raise ReadOnlyError(
                f"refused: {hidden.group(1)}() reveals the machine's settings or paths; `sql` reads "
                "the warehouse's tables and views only."
            )
        seconds, memory = config.get("USMX_SQL_TIMEOUT"), config.get("USMX_SQL_MEMORY")
        with warehouse.opened(self.db, read_only=True) as con:
            # no files, no extensions, bounded memory; then the configuration is locked for the query
            con.execute("SET enable_external_access = false")
            con.execute("SET autoinstall_known_extensions = false")
            con.execute("SET autoload_known_extensions = false")
            con.execute("SET memory_limit = ?", [memory])
            con.execute("SET lock_configuration = true")
            timer = threading.Timer(seconds, con.interrupt)
            timer.start()
            try:
                return con.sql(query, params=params).to_arrow_table()
            except duckdb.InterruptException:
                raise UsmxError(
                    f"the query was stopped after {seconds:g} s (USMX_SQL_TIMEOUT sets the limit); "
                    "aggregate more, or add a LIMIT."
                ) from None
            except duckdb.OutOfMemoryException:
                raise UsmxError(
                    "the query needs more memory than `sql` allows (USMX_SQL_MEMORY, default 4GB); "
                    "aggregate more, or add a LIMIT."
                ) from None
            except duckdb.Error as exc:
                raise UsmxError(f"the query failed: {exc}") from exc
            finally:
                timer.cancel()

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
                n = one(con, f'SELECT count(*) FROM "{name}"')[0]
                out.append(TableInfo(name, "view" if ttype == "VIEW" else "table", n, _describe(name, specs)))
        return out

    def loads(self, history: bool = False) -> pa.Table:
        """The ``loads`` ledger, newest first; ``history=True``: oldest first, with superseded and unloaded loads
        and a ``status`` column."""
        self._require()
        with warehouse.opened(self.db, read_only=True) as con:
            return warehouse.history(con) if history else warehouse.ledger(con, newest_first=True)

    def status(self, lang: str = "en") -> list[dict[str, Any]]:
        """How current each core table is, as of :func:`usmx.config.today` (:func:`usmx.warehouse.freshness.status`
        in ``lang``): newest period loaded, newest due by now, months behind, cadence, lag and a status."""
        from .warehouse import freshness

        self._require()
        with warehouse.opened(self.db, read_only=True) as con:
            rows = warehouse.ledger_rows(con)
        return freshness.status_in(rows, config.today(), lang)

    def unload(self, load_id: int) -> dict:
        """Revert one load: its rows leave the warehouse, the cells it covered come back from older releases, its
        ledger record is kept as unloaded. The raw file stays in the store (ingest it again to undo)."""
        self._require()
        with warehouse.opened(self.db) as con:
            return warehouse.unload(con, int(load_id))

    def gc(self, *, dry_run: bool = False) -> list[tuple[str, int, int]]:
        """Remove what usmx keeps only as leftovers or caches, never a stored raw file of a load or the warehouse:
        temporary files of runs that ended, raw files of loads into this warehouse that never committed, the scratch
        area (unzipped GDELT exports, DuckDB spill files, decompressed copies), and the web server's older
        snapshots. Returns (what, files, bytes) per kind; ``dry_run`` only counts. Run it when no other usmx command
        writes to this data folder: scratch files are recreated on demand, but a running scan would lose them."""
        kinds: list[tuple[str, int, int]] = []
        if self.db.exists():
            with warehouse.opened(self.db, read_only=True) as con:
                swept = warehouse.sweep(con, self.raw, dry_run=dry_run)
        else:
            swept = self.raw.sweep(dry_run=dry_run)
        kinds.append(("raw store: unfinished and uncommitted files", len(swept.removed), swept.bytes))
        scratch = [f for f in _files(self.scratch) if not f.name.endswith(".part") or rawstore.leftover(f, 0)]
        kinds.append(("scratch: unzipped exports, spill and temporary copies", *_drop(scratch, dry_run)))
        serve = self.data_dir / "serve"
        snaps = sorted(serve.glob("snapshot-*.duckdb"), key=lambda f: f.stat().st_mtime)
        old = snaps[:-1] + [f for f in serve.glob(".snapshot-*.part") if _dead_writer(f)]
        old += _files(serve / "work")
        kinds.append(("web server: older snapshots and their scratch", *_drop(old, dry_run)))
        return kinds

    def summary(self) -> list[TableSummary]:
        """Rows, periods covered and current vintages of every core table."""
        out = []
        with warehouse.opened(self.db, read_only=True) as con:
            for spec in catalog.tables().values():
                period = next((f.name for f in spec.fields if f.type == "DATE"), None)
                span = (
                    f"min({period}), max({period})"
                    if period
                    else "make_date(min(year), 1, 1), make_date(max(year), 1, 1)"
                )
                rows, pmin, pmax = one(con, f"SELECT count(*), {span} FROM {spec.name}")
                loads = warehouse.current_vintages(con, spec.name)
                vint = [f"{r['vintage']:%Y-%m}" if r["vintage"] else "n/a" for r in loads]
                if len(vint) > 3:
                    vint = [f"{len(vint)} yearly files"]
                out.append(TableSummary(spec.name, rows, pmin, pmax, vint, sum(r["loads"] for r in loads)))
        return out

    # -- indicators ------------------------------------------------------------------------------------------------
    def ibis(self):
        """A read-only Ibis connection to the warehouse (the backend indicators are evaluated on)."""
        from . import engines

        self._require()
        return engines.warehouse_backend(self.db)

    def indicators(self) -> list:
        """Every registered indicator (name, unit, labels, definitions, sources, parameters)."""
        from . import indicators as ind

        return sorted(ind.registry().values(), key=lambda i: i.name)

    def indicator(self, name: str, *, engine: str = "duckdb", events: str | None = None, **params: Any) -> pa.Table:
        """Compute an indicator; parameters as documented in ``usmx indicators``.

        ``engine``: ``duckdb`` (the warehouse, default) or ``pyspark``. ``events``: a glob of raw GDELT export
        files to read in place instead of the warehouse's ``core_gdelt__events`` (see usmx.engines).
        """
        from . import engines
        from . import indicators as ind

        if not events:  # raw event files are read in place: no warehouse needed
            self._require()
        with engines.backend(self.db, self.scratch, engine, events, self.memory) as con:
            try:
                table = ind.run(con, name, **params)
                meta = table.schema.metadata or {}
                if table.num_rows == 0 and b"empty" not in meta:  # say why: an empty input, or nothing matched
                    why = ind.why_empty(con, ind.registry()[name].sources, params, events)
                    table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"empty": why.encode()})
                return table
            except duckdb.Error as exc:
                if not events:
                    raise
                raise UsmxError(
                    f"--events {events}: the files could not be read as GDELT 2.0 event exports "
                    f"(61 tab-separated columns, no header): {str(exc).splitlines()[0]}"
                ) from exc

    # -- evaluation and audit --------------------------------------------------------------------------------------
    def series(self, indicator: str = "homicide_victims", state: str | None = None, **params: Any):
        """A monthly indicator (national, or one state's) as a pandas Series, the input of the evaluations."""
        from .evaluate import monthly_series

        return monthly_series(self.indicator(indicator, by="month", state=state, **params), indicator)

    def evaluate(self, method: str, *, indicator: str | pa.Table | None = None, **options: Any):
        """Run an evaluation (``usmx.evidence``): ``its``, ``changepoints``, ``synth`` on an indicator (its name, or
        its output table); ``nowcast-backtest``, ``sensitivity`` and ``cooperation`` on the warehouse.

        ``its``: ``intervention`` (default: the strategy's start, catalog/key_dates.yaml), ``state``, ``params`` (the
        indicator's own) and the options of :func:`usmx.evaluate.interrupted_time_series`. ``changepoints``: of
        :func:`usmx.evaluate.changepoints.detect_changepoints`. ``synth``: ``treated``, ``intervention`` and
        ``group`` (a crime group whose monthly rate per 100,000 by state is the outcome). ``cooperation``:
        ``window`` months; a dict of the key dates' ``event_studies`` and the news proxy's ``correlation``.
        """
        with self._evidence(need=not isinstance(indicator, pa.Table)) as ev:
            return ev.run(method, "evaluation", indicator=indicator, **options)

    def audit(self, kind: str, data: pa.Table | dict[str, pa.Table] | None = None, **options: Any) -> pa.Table:
        """Run an integrity audit (``usmx.evidence``): ``reclassification``, ``substitution``, ``revisions``,
        ``inegi-gap`` or ``breaks``.

        ``data``: indicator output to audit instead of the warehouse's: for ``reclassification`` a dict of crime
        group -> ``crime_rate_per_100k`` by month and state (intentional_homicide and the candidates); for
        ``inegi-gap`` the table of ``inegi_vs_sesnsp`` by state.
        """
        with self._evidence(need=data is None) as ev:
            return ev.run(kind, "audit", data=data, **options)

    def claims(self, lang: str = "en", *, explain: bool = False) -> list[dict]:
        """Each claim of the debate (catalog/claims.yaml) with its reading, direction, confidence, the last month its
        evidence covers, notes, caveats and the facts its rule read: the report's, where it has been computed for
        this warehouse state (see :meth:`report_data`). ``explain``: each also with ``rule``, how it is read."""
        from .evidence import claims

        cached = self._cached_report()[3]
        if cached is not None and cached.claims.get(lang):
            rows = cached.claims[lang]
        else:
            with self._evidence() as ev:
                rows = claims.evaluate_all(ev, (lang,))[lang]
        return [{**r, "rule": claims.explain(r["key"], lang)} for r in rows] if explain else rows

    @contextlib.contextmanager
    def _evidence(self, need: bool = True) -> Iterator[Evidence]:
        """The evidence layer on this warehouse, read-only (``need=False``: tables given by the caller, so no
        warehouse is needed)."""
        from .evidence import Evidence, on_warehouse

        if not need and not self.db.exists():
            yield Evidence(None)
            return
        self._require()
        with on_warehouse(self.db, self.memory) as ev:
            yield ev

    # -- outputs ---------------------------------------------------------------------------------------------------
    def _cached_report(self) -> tuple[list[dict], str, list, ReportData | None]:
        """The ledger, the report cache's key for it, the indicators' docs, and the cached figures (or None)."""
        from .report import cache

        self._require()
        with warehouse.opened(self.db, read_only=True) as con:
            loads = warehouse.ledger_rows(con)
        key = cache.key(loads)
        docs = cache.indicator_docs()
        return loads, key, docs, cache.load(self.data_dir / "cache", key, docs)

    def report_data(self, *, workers: Workers | int = 0) -> ReportData:
        """What the report shows, computed once per warehouse state (and code version) and cached in the data
        folder. ``workers``: a :class:`~usmx.report.workers.Workers` pool, or how many worker processes to start
        for this call (0: compute here, one figure after another)."""
        from .report import cache, data
        from .report.workers import pooled

        loads, key, docs, collected = self._cached_report()
        if collected is None:
            with pooled(workers) as pool:
                if pool is None:
                    backend = self.ibis()
                    try:
                        collected = data.collect(backend, loads, docs)
                    finally:
                        backend.disconnect()
                else:
                    collected = pool.collect(self.db, loads, docs)
            cache.save(self.data_dir / "cache", key, collected)
        return collected

    def report(
        self, output: str | os.PathLike[str] = "report.html", lang: str = "both", *, workers: Workers | int = 0
    ) -> Path:
        """Write the self-contained HTML report (es, en or both with a switch); returns its path. ``workers`` as
        in :meth:`report_data` (the languages' pages are built in the workers too; with the figures cached, new
        workers import only what drawing needs)."""
        from .report import build
        from .report.workers import RENDER_MODULES, pooled

        if lang not in ("es", "en", "both"):
            raise UsmxError(f"--lang must be es, en or both; got {lang!r}.")
        cached = self._cached_report()[3]
        with pooled(workers, RENDER_MODULES if cached is not None else None) as pool:
            collected = cached or self.report_data(workers=pool if pool is not None else 0)
            return build.write(collected, Path(output), lang, pool)

    def snapshot(self, output: str | os.PathLike[str]) -> dict:
        """Write every current core table as Parquet (zstd) with a manifest into ``output``; returns the manifest."""
        from . import snapshot

        self._require()
        with warehouse.opened(self.db, read_only=True) as con:
            return snapshot.write(con, Path(output))

    # -- fetching --------------------------------------------------------------------------------------------------
    def fetch(
        self,
        target: str,
        url: str | None = None,
        *,
        ingest: bool = True,
        progress: Progress | None = None,
        **options: Any,
    ):
        """Fetch ``target`` (catalog/fetch_targets.yaml; see :mod:`usmx.fetch`) into the raw store and ingest what it
        stored (``ingest=False``: store only). Options (``url``, ``since``, ``until``, ``sha256``, ``retries``,
        ``country``, ``workers``...) as the target's method takes them; returns a
        :class:`~usmx.fetch.FetchResult` with its ``loads``."""
        from . import fetch as _fetch

        result = _fetch.fetch(self.raw, target, url=url, progress=progress, **options)
        if ingest and result.stored:
            result.loads = self._ingest_fetched(result.stored, progress)
        return result

    def update(self, sources: list[str] | None = None, *, bases=None, progress=None, report=None) -> list:
        """Check each source (catalog/updates.yaml) for a newer release and load what is new (:mod:`usmx.update`);
        returns one :class:`~usmx.update.SourceUpdate` per source."""
        from . import update

        return update.run(self.db, self.raw, self.scratch, sources, bases=bases, progress=progress, report=report)

    def _ingest_fetched(self, fetched: list, progress: Progress | None = None) -> list[LoadResult]:
        with warehouse.opened(self.db) as con:
            items = [(f.path, f.kind, f.origin) for f in fetched]
            return warehouse.load_files(con, items, store=self.raw, scratch=self.scratch, progress=progress)

    def demo(self, progress: Progress | None = None) -> list[LoadResult]:
        """Ingest every real sample bundled with usmx (already-loaded files are skipped)."""
        from .demo import bundled_files

        items = [(p, None, f"usmx bundled sample: {p.parent.name}/{p.name}") for p in bundled_files()]
        with warehouse.opened(self.db) as con:
            return warehouse.load_files(con, items, store=self.raw, scratch=self.scratch, progress=progress)

    def _require(self) -> None:
        """Read-only commands need a warehouse: say so rather than create an empty one."""
        if not self.db.exists():
            raise MissingFileError(
                f"{self.db}: no warehouse here. Check --db (or $USMX_DB), or build one with `usmx demo` or "
                "`usmx ingest FILE`."
            )


def _describe(name: str, specs: dict[str, catalog.TableSpec]) -> str:
    if name in specs:
        return specs[name].description
    if name.endswith("__all_vintages") and name.removesuffix("__all_vintages") in specs:
        return "Every release loaded (the view without the suffix is the current one)."
    if name.startswith("_"):
        return "Storage behind the core views (internal)."
    if name == warehouse.LOADS:
        return "One row per file loaded: source, kind, sha256, vintage, rows, checks passed."
    if name == "usmx_meta":
        return "Warehouse metadata (schema version)."
    if name.startswith("cat_"):
        return "Catalogue (package data)."
    return ""


def _files(folder: Path) -> list[Path]:
    return [f for f in folder.rglob("*") if f.is_file()] if folder.is_dir() else []


def _dead_writer(path: Path) -> bool:
    """A web snapshot's temporary copy (``.snapshot-<time>-<pid>.part``) whose server has exited."""
    pid = path.name.removesuffix(".part").rsplit("-", 1)[-1]
    return pid.isdigit() and not rawstore.alive(int(pid))


def _drop(paths: list[Path], dry_run: bool) -> tuple[int, int]:
    """Remove ``paths`` (unless ``dry_run``): how many, and their bytes."""
    total = 0
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            total += path.stat().st_size
            if not dry_run:
                path.unlink()
    return len(paths), total
