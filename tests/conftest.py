"""Shared fixtures. Tests use the real samples bundled in the package (usmx/data) and small real files copied into
tests/fixtures (see the README there); files in other layouts or with defects are derived from them in tmp_path."""

from __future__ import annotations

import gzip
import os
import shutil
from importlib import resources
from pathlib import Path

import pytest

from usmx import Observatory

#: the day the tests take as today (claims judge how current their evidence is against it): fixed, so that the
#: readings, and the golden file of the demo's figures, do not change with the calendar
TODAY = "2026-12-06"


def pytest_configure(config):
    os.environ.setdefault("USMX_TODAY", TODAY)


def pytest_collection_modifyitems(config, items):
    """Tests marked ``slow`` run in CI (CI=true), with USMX_ALL_TESTS=1, or when asked for with ``-m``; a run on a
    developer's machine skips them, saying how to run them."""
    if os.environ.get("CI") or os.environ.get("USMX_ALL_TESTS") == "1" or config.getoption("markexpr"):
        return
    skip = pytest.mark.skip(reason="slow: CI runs it; locally USMX_ALL_TESTS=1 python -m pytest (or -m slow)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


DATA = Path(str(resources.files("usmx") / "data"))
FIXTURES = Path(__file__).parent / "fixtures"
STATE_CRIMES = DATA / "sesnsp" / "IDEFC_NM_dic2020.csv.gz"
STATE_VICTIMS = DATA / "sesnsp" / "IDVFC_NM_jun25.reconstructed.csv.gz"
STATE_CRIMES_2026 = DATA / "sesnsp" / "RNID_Delitos_Estatal_2026_ene-mar2026.csv.gz"
CONAPO_STATE = DATA / "conapo" / "conapo_pob_ent_gender_1950_2070.csv.gz"
INEGI_DIR = DATA / "inegi"


def inegi_file(year: int) -> Path:
    return INEGI_DIR / f"defunciones_homicidio_{year}.csv.gz"


def read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def text_of(path: Path, encoding: str = "latin-1") -> str:
    return read_bytes(path).decode(encoding)


@pytest.fixture
def obs(tmp_path) -> Observatory:
    """An empty warehouse (created, as `usmx ingest` would, so that reading it works)."""
    from usmx.warehouse import opened

    with opened(tmp_path / "w.duckdb"):
        pass
    return Observatory(tmp_path / "w.duckdb")


@pytest.fixture(scope="session")
def loaded_db(tmp_path_factory) -> Path:
    """A warehouse with every bundled sample loaded once per session (read-only use)."""
    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    Observatory(db).demo()
    return db


@pytest.fixture(scope="session")
def reported_db(loaded_db, tmp_path_factory) -> Path:
    """A copy of the loaded warehouse whose report figures are computed and cached once per session (read-only
    use): a report drawn from it only draws, and claims are read from the cache."""
    db = tmp_path_factory.mktemp("reported") / "r.duckdb"
    shutil.copy(loaded_db, db)
    Observatory(db).report_data()
    return db


@pytest.fixture
def loaded(loaded_db, tmp_path) -> Observatory:
    """A private copy of the loaded warehouse, safe to write to."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(loaded_db, db)
    return Observatory(db)


def snapshot(obs: Observatory) -> dict:
    """Everything a failed load must leave unchanged: tables, row counts and the loads ledger."""
    tables = {t.name: t.rows for t in obs.tables()}
    loads = obs.sql("SELECT load_id, sha256, is_current, row_count FROM loads ORDER BY load_id").to_pylist()
    return {"tables": tables, "loads": loads}
