"""Parquet snapshots: every current core table as one zstd-compressed Parquet file, with a manifest.

A snapshot is what a web server or another engine reads without touching the warehouse: DuckDB, pandas, Polars,
Spark and BigQuery all read Parquet. It is written to a temporary folder beside the target and moved into place,
so a reader never sees half a snapshot; the target must be new, empty or an earlier snapshot (:mod:`usmx.outdir`).
``manifest.json`` lists, per table, the file, its rows, its sha256, and the loads (with vintages) whose rows it
holds.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from . import catalog
from ._db import one
from ._version import __version__
from .outdir import write_folder
from .warehouse import LOAD_ID, LOADS


def write(con: duckdb.DuckDBPyConnection, output: Path) -> dict:
    """Write the snapshot of the warehouse ``con`` reads into folder ``output``; return the manifest."""

    def fill(tmp: Path) -> dict:
        tables = []
        for spec in catalog.tables().values():
            target = tmp / f"{spec.name}.parquet"
            quoted = str(target).replace("'", "''")
            con.execute(f"COPY (SELECT * FROM {spec.name}) TO '{quoted}' (FORMAT parquet, COMPRESSION zstd)")
            rows = one(con, f"SELECT count(*) FROM {spec.name}")[0]
            loads = con.execute(
                f"SELECT {LOAD_ID}, kind, vintage FROM {LOADS} WHERE {LOAD_ID} IN "
                f"(SELECT DISTINCT {LOAD_ID} FROM {spec.name}) ORDER BY {LOAD_ID}"
            ).fetchall()
            tables.append(
                {
                    "table": spec.name,
                    "file": target.name,
                    "rows": rows,
                    "bytes": target.stat().st_size,
                    "sha256": _sha256(target),
                    "description": spec.description,
                    "loads": [{"load_id": i, "kind": k, "vintage": v.isoformat() if v else None} for i, k, v in loads],
                }
            )
        manifest = {
            "usmx_version": __version__,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "format": "parquet (zstd)",
            "tables": tables,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
        return manifest

    return write_folder(output, "snapshot", fill)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
