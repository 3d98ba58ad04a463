"""The same indicator gives the same table on the DuckDB warehouse, on raw files read in place, and on PySpark."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pytest

from tests import synthetic

from .conftest import DATA
from .sources.test_gdelt_acled_ledger import PLANTED, gdelt_oracle

N = 6_000


def _spark_available() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return True


spark = pytest.mark.skipif(
    not _spark_available() and not os.environ.get("CI"), reason="the spark extra is not installed (CI installs it)"
)


@pytest.fixture(scope="module")
def events_setup(tmp_path_factory):
    from usmx import Observatory

    d = tmp_path_factory.mktemp("engines")
    files = synthetic.write_gdelt_events(d / "gdelt", N, months=24, files=2)
    obs = Observatory(d / "w.duckdb")
    obs.ingest(
        *files, DATA / "ledger" / "us_mx_security_events.yaml", synthetic.write_acled_events(d / "acled.csv", PLANTED)
    )
    return obs, str(d / "gdelt" / "*.export.CSV.zip")


def _sorted(t: pa.Table, keys: list[str]) -> list[dict]:
    rows = t.to_pylist()
    for r in rows:
        for k, v in r.items():
            if isinstance(v, float):
                r[k] = round(v, 9)
    return sorted(rows, key=lambda r: tuple(str(r[k]) for k in keys))


CASES = [
    ("cooperation_events", {}, ["period"]),
    ("cooperation_events", {"actor_types": "police,judiciary"}, ["period"]),
    ("cooperation_index", {"smooth": 3}, ["period"]),
    ("criminal_group_presence", {}, ["group", "year"]),
    ("criminal_group_presence", {"by": "country"}, ["group", "year", "country"]),
]


@pytest.mark.parametrize("name, params, keys", CASES[:3])
def test_duckdb_on_raw_files_equals_the_warehouse(events_setup, name, params, keys):
    obs, glob = events_setup
    wh = obs.indicator(name, **params)
    raw = obs.indicator(name, events=glob, **params)
    assert _sorted(wh, keys) == _sorted(raw, keys)
    if name == "cooperation_events" and not params:
        want = gdelt_oracle(N, 24)
        assert {r["period"]: r["value"] for r in wh.to_pylist()} == {
            p: w["law_enforcement_events"] for p, w in want.items()
        }


@spark
@pytest.mark.slow
@pytest.mark.parametrize("name, params, keys", CASES)
def test_pyspark_equals_duckdb(events_setup, name, params, keys):
    obs, glob = events_setup
    duck = obs.indicator(name, **params)
    spark_wh = obs.indicator(name, engine="pyspark", **params)
    assert _sorted(duck, keys) == _sorted(spark_wh, keys)
    if name.startswith("cooperation"):
        spark_raw = obs.indicator(name, engine="pyspark", events=glob, **params)
        assert _sorted(duck, keys) == _sorted(spark_raw, keys)


def test_unknown_engine_and_empty_glob(events_setup):
    from usmx.errors import UsmxError

    obs, _ = events_setup
    with pytest.raises(UsmxError, match="engine must be one of"):
        obs.indicator("cooperation_events", engine="bigquery")
    with pytest.raises(UsmxError, match="matches no file"):
        obs.indicator("cooperation_events", events="/nonexistent/*.zip")


def _zip(path, member: str, data: bytes):
    import zipfile

    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(member, data)
    return path


def test_zip_member_names_are_never_paths(tmp_path):
    """Zip Slip: a member named ../../x or /abs/x is unpacked under a safe name inside the scratch folder only."""
    from usmx.engines import expand_events

    scratch = tmp_path / "data" / "tmp"
    victim = tmp_path / "victim.txt"
    for i, name in enumerate(["../../victim.txt", str(victim), "../../../../tmp/usmx_slip.txt"]):
        z = _zip(tmp_path / f"evil{i}.export.CSV.zip", name, b"owned")
        (out,) = expand_events(str(z), scratch)
        assert Path(out).parent == scratch and Path(out).read_bytes() == b"owned"
    assert not victim.exists() and not Path("/tmp/usmx_slip.txt").exists()
    assert sorted(p.parent for p in tmp_path.rglob("*") if p.is_file() and p.suffix == ".CSV") == [scratch] * 3


def test_zip_bombs_are_refused_and_leave_nothing(tmp_path):
    from usmx.engines import expand_events
    from usmx.errors import UsmxError

    z = _zip(tmp_path / "bomb.export.CSV.zip", "a.CSV", b"0" * 5_000_000)
    with pytest.raises(UsmxError, match="more than the 1,000,000 allowed"):
        expand_events(str(z), tmp_path / "s", max_bytes=1_000_000)
    assert not [p for p in (tmp_path / "s").rglob("*") if p.is_file()]


def test_the_unzip_cache_is_keyed_by_content(tmp_path):
    """Two different zips with the same name and mtime never share an unpacked copy."""
    import os

    from usmx.engines import expand_events

    z = tmp_path / "20190101000000.export.CSV.zip"
    _zip(z, "20190101000000.export.CSV", b"first")
    (a,) = expand_events(str(z), tmp_path / "s")
    stamp = z.stat().st_mtime
    _zip(z, "20190101000000.export.CSV", b"second")
    os.utime(z, (stamp, stamp))
    (b,) = expand_events(str(z), tmp_path / "s")
    assert Path(a).read_bytes() == b"first" and Path(b).read_bytes() == b"second"


def test_a_file_that_is_not_gdelt_gets_a_clear_error(tmp_path, obs):
    from usmx.errors import UsmxError

    bad = tmp_path / "notes.CSV"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(UsmxError, match="could not be read as GDELT 2.0 event exports"):
        obs.indicator("cooperation_events", events=str(bad))


def test_the_warehouse_backend_looks_up_tables_and_compiles_expressions_once(loaded_db):
    import ibis
    from ibis.common.exceptions import TableNotFound

    from usmx import engines

    con = engines.warehouse_backend(loaded_db)
    lookups: list[str] = []
    get_schema = con.get_schema
    con.get_schema = lambda name, **kw: lookups.append(name) or get_schema(name, **kw)
    try:
        name = "core_sesnsp__state_victims_monthly"
        first, again = con.table(name), con.table(name)
        assert lookups == [name] and first.equals(again)
        for _ in range(2):  # a missing table is asked for again each time, and still said to be missing
            with pytest.raises(TableNotFound):
                con.table("no_such_table")
        assert lookups.count("no_such_table") == 2

        def victims(year: int):  # the same expression, built afresh each time
            t = con.table(name)
            return t.filter(t.period >= ibis.date(year, 1, 1)).aggregate(n=t.victims.sum())

        sql = con.compile(victims(2020))
        assert con.compile(victims(2020)) is sql  # remembered, not compiled again
        assert con.compile(victims(2021)) != sql and "2021" in con.compile(victims(2021))
        assert con.compile(victims(2020), limit=5) is not sql
        got = victims(2020).to_pyarrow()["n"][0].as_py()
        want = con.con.execute(f"SELECT sum(victims) FROM {name} WHERE period >= DATE '2020-01-01'").fetchone()[0]
        assert got == want
    finally:
        con.disconnect()


def test_the_compiled_sql_memo_is_bounded(loaded_db):
    import ibis

    from usmx import engines

    con = engines.remembering(ibis.duckdb.connect(str(loaded_db), read_only=True), size=2)
    try:
        t = con.table("core_sesnsp__state_victims_monthly")
        exprs = [t.filter(t.victims > k).count().as_table() for k in range(3)]
        first = con.compile(exprs[0])
        con.compile(exprs[1])
        assert con.compile(exprs[0]) is first  # still among the last two
        con.compile(exprs[2])
        con.compile(exprs[1])  # exprs[0] is now the oldest of three: forgotten
        assert con.compile(exprs[0]) is not first and con.compile(exprs[0]) == first
    finally:
        con.disconnect()
