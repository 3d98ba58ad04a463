"""Where indicators run: the DuckDB warehouse (default), raw GDELT files read in place, or PySpark.

Indicators are Ibis expressions over tables named like the warehouse's (``core_gdelt__events`` ...). An engine here
is an Ibis backend on which those names exist:

- ``duckdb`` without ``events``: the warehouse itself, read-only.
- ``duckdb`` with ``events=GLOB``: an in-memory DuckDB that reads the raw export files in place (no ingest) and
  exposes them as ``core_gdelt__events`` through the same canonical projection the parser applies; the warehouse is
  attached read-only for the other tables.
- ``pyspark``: a local Spark session (``master("local[2]")``; point ``USMX_SPARK_MASTER`` at a cluster). With
  ``events=GLOB`` Spark reads the raw files; otherwise the warehouse's event tables are handed over as Parquet.
- BigQuery is documented in usmx.indicators.cooperation: the public ``gdelt-bq.gdeltv2.events`` table behind a
  view with usmx's column names.

Zipped exports (GDELT's own format) are unpacked once into ``<data dir>/tmp/gdelt_unzipped``: neither DuckDB nor
Spark reads zip.
"""

from __future__ import annotations

import contextlib
import glob as globmod
import hashlib
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import UsmxError

ENGINES = ("duckdb", "pyspark")
SHARED_TABLES = ("core_gdelt__events", "core_acled__events", "core_ledger__events")


#: the most one GDELT export may expand to (a day of GDELT 1.0 events is about 200 MB; a 15-minute 2.0 export a
#: few MB): a zip past it is refused as a bomb before it fills the disk
MAX_EXPORT_BYTES = 1 << 30
#: the memory DuckDB may use to scan event exports (it spills to disk beyond it): a large --events glob does not
#: take the machine's memory
EVENTS_MEMORY = "1GB"


def expand_events(pattern: str, scratch: Path, *, max_bytes: int | None = None) -> list[str]:
    """The files a glob names, zips unpacked (once) into ``scratch``; gzip and plain files as they are.

    Member names inside a zip are never used as paths: each export is unpacked to ``<sha256 of the zip>.CSV`` in
    ``scratch`` (so a changed zip never reuses an older file's unpacked copy), through a temporary name, and the
    expanded size is capped (a zip bomb is refused, and its partial output removed).
    """
    from .rawstore import max_expanded_bytes

    limit = max_bytes or min(max_expanded_bytes(), MAX_EXPORT_BYTES)
    files = sorted(globmod.glob(os.path.expanduser(pattern)))
    if not files:
        raise UsmxError(f"--events {pattern!r} matches no file.")
    out = []
    for f in files:
        if not Path(f).is_file():
            raise UsmxError(f"--events: {f} is not a file.")
        if not f.lower().endswith(".zip"):
            out.append(f)
            continue
        scratch.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        target = scratch / f"{digest.hexdigest()}.CSV"
        if not target.exists():
            _unzip_one(Path(f), target, limit)
        out.append(str(target))
    return out


def _unzip_one(path: Path, target: Path, limit: int) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if len(members) != 1:
                raise UsmxError(f"{path}: a GDELT export zip holds one file; this one holds {len(members)}.")
            if members[0].file_size > limit:
                raise UsmxError(
                    f"{path}: the export would expand to {members[0].file_size:,} bytes, more than the "
                    f"{limit:,} allowed (set USMX_MAX_EXPANDED_BYTES to allow more)."
                )
            tmp = target.with_name(target.name + f".{os.getpid()}.part")
            written = 0
            try:
                with zf.open(members[0]) as src, tmp.open("wb") as dst:
                    for chunk in iter(lambda: src.read(1 << 20), b""):
                        written += len(chunk)
                        if written > limit:  # the header may lie about the size
                            raise UsmxError(
                                f"{path}: the export expands past {limit:,} bytes; refused as a likely "
                                "zip bomb (set USMX_MAX_EXPANDED_BYTES to allow more)."
                            )
                        dst.write(chunk)
                tmp.replace(target)
            finally:
                tmp.unlink(missing_ok=True)
    except zipfile.BadZipFile as exc:
        raise UsmxError(f"{path}: not a readable zip archive ({exc}); re-download the export.") from exc


def _gdelt_names() -> list[str]:
    from .sources import gdelt

    return gdelt.columns()


def warehouse_backend(db: Path, memory: str | None = None):
    """A read-only Ibis connection to the warehouse file (which must exist), which looks up each table and compiles
    each distinct expression once (see :func:`remembering`)."""
    import ibis

    from .warehouse.schema import quiet

    con = ibis.duckdb.connect(str(db), read_only=True)
    quiet(con.con)
    if memory:  # past it DuckDB spills what it can and refuses the rest (OutOfMemoryException)
        con.con.execute(f"SET memory_limit = '{_size(memory)}'")
    return remembering(con)


def _size(text: str) -> str:
    """A DuckDB memory size ('512MB', '2GB', '1.5GiB'), checked before it is put into SQL."""
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", text.strip(), re.IGNORECASE):
        raise UsmxError(f"memory limit {text!r}: expected a size such as 512MB or 2GB.")
    return text.strip()


#: compiled expressions a backend keeps (the report compiles ~175 expressions, ~100 of them distinct)
SQL_MEMO_SIZE = 512


def remembering(con: Any, size: int = SQL_MEMO_SIZE) -> Any:
    """Make a read-only Ibis DuckDB backend remember its tables and the SQL of the last ``size`` expressions it
    compiled.

    - ``con.table(name)`` asks DuckDB for the table's schema each time (about 6 ms); the report asks ~215 times.
      A read-only connection's tables cannot change while it is open (DuckDB lets no other process write to the
      file meanwhile, and nothing here creates tables on it), so the first answer is kept. A table that is not
      there is looked up again each time.
    - Compiling an expression to SQL is pure Python and costs more than running most of the report's queries; the
      indicators build the same expressions more than once (the claims, the audits and the figures read the same
      series). Ibis expressions are immutable and compare by structure (tables, schemas, operations, literals), so
      an equal expression compiles to the same SQL. Expressions with query parameters are compiled every time.
    """
    from collections import OrderedDict

    table_, compile_ = con.table, con.compile
    tables: dict[tuple, Any] = {}
    seen: OrderedDict[tuple, str] = OrderedDict()

    def table(name: str, /, *, database: Any = None) -> Any:
        key = (name, database)
        if key not in tables:
            tables[key] = table_(name, database=database)
        return tables[key]

    def compile(expr: Any, /, *, limit: Any = None, params: Any = None, **kwargs: Any) -> Any:
        if params or kwargs:
            return compile_(expr, limit=limit, params=params, **kwargs)
        key = (expr.op(), limit)
        sql = seen.get(key)
        if sql is None:
            sql = seen[key] = compile_(expr, limit=limit)
            if len(seen) > size:
                seen.popitem(last=False)
        else:
            seen.move_to_end(key)
        return sql

    con.table, con.compile = table, compile
    return con


@contextlib.contextmanager
def backend(
    db: Path, scratch: Path, engine: str = "duckdb", events: str | None = None, memory: str | None = None
) -> Iterator:
    """An Ibis backend on which the indicators' table names exist (see the module docstring).

    ``db`` is the warehouse file; ``scratch`` a folder for unzipped exports and Spark's hand-over files.
    """
    if engine not in ENGINES:
        raise UsmxError(f"engine must be one of {', '.join(ENGINES)}; got {engine!r}.")
    if engine == "duckdb" and not events:
        con = warehouse_backend(db, memory)
        try:
            yield con
        finally:
            con.disconnect()
        return
    if engine == "duckdb":
        assert events is not None
        yield from _duckdb_events(db, scratch, events)
        return
    yield from _spark(db, scratch, events)


def _duckdb_events(db: Path, scratch: Path, events: str):
    import ibis

    from .sources.gdelt import canonical_events
    from .warehouse.schema import quiet

    files = expand_events(events, scratch / "gdelt_unzipped")
    con = ibis.duckdb.connect()
    quiet(con.con)  # a scan of 20 million events takes seconds
    con.con.execute(f"SET memory_limit = '{EVENTS_MEMORY}'")
    con.con.execute(f"SET temp_directory = '{str(scratch / 'duckdb_spill').replace(chr(39), chr(39) * 2)}'")
    try:
        raw = con.read_csv(
            files,
            table_name="_gdelt_raw",
            delim="\t",
            header=False,
            quote="",
            escape="",
            auto_detect=False,
            columns=dict.fromkeys(_gdelt_names(), "VARCHAR"),
        )
        con.create_view("core_gdelt__events", canonical_events(raw), overwrite=True)
        if db.exists():
            con.attach(str(db), name="warehouse", read_only=True)
            for name in SHARED_TABLES[1:]:
                con.create_view(name, con.table(name, database="warehouse"), overwrite=True)
        yield con
    finally:
        con.disconnect()


_SPARK = None


def spark_session():
    """A local Spark session (created once per process)."""
    global _SPARK
    if _SPARK is None:
        from . import config

        config.spark_environment()  # no hostname lookups on a closed network
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise UsmxError(
                "the pyspark engine needs the spark extra: pip install -e '.[spark]' (and Java 17)."
            ) from exc
        _SPARK = (
            SparkSession.builder.master(config.get("USMX_SPARK_MASTER"))
            .appName("usmx")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
        _SPARK.sparkContext.setLogLevel("ERROR")
    return _SPARK


def _spark(db: Path, scratch: Path, events: str | None):
    import ibis
    from pyspark.sql.types import StringType, StructField, StructType

    from .sources.gdelt import canonical_events

    session = spark_session()
    con = ibis.pyspark.connect(session)
    tmp = Path(tempfile.mkdtemp(prefix="usmx-spark-"))
    try:
        if events:
            files = expand_events(events, scratch / "gdelt_unzipped")
            schema = StructType([StructField(n, StringType(), True) for n in _gdelt_names()])
            df = session.read.csv(
                files, sep="\t", header=False, schema=schema, quote="", escape="", emptyValue="", nullValue=None
            )
            df.createOrReplaceTempView("_gdelt_raw")
            raw = con.table("_gdelt_raw").mutate(**{n: ibis._[n].fill_null("") for n in _gdelt_names()})
            con.create_view("core_gdelt__events", canonical_events(raw), overwrite=True)
        if db.exists():
            import duckdb

            from .warehouse.schema import quiet

            wh = quiet(duckdb.connect(str(db), read_only=True))
            try:
                for name in SHARED_TABLES:
                    if events and name == "core_gdelt__events":
                        continue
                    target = tmp / f"{name}.parquet"
                    wh.execute(f"COPY (SELECT * FROM {name}) TO '{target}' (FORMAT parquet)")
                    session.read.parquet(str(target)).createOrReplaceTempView(name)
            finally:
                wh.close()
        yield con
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
