"""The demo's figures kept as a golden file, so that a change of structure can be shown to change no figure.

``canonical`` turns a :class:`~usmx.report.data.ReportData` (and the claims' JSON) into plain JSON without what
differs between two builds of the same warehouse (paths, load times, timings) and with floats rounded to 10
significant digits (the last digits move with summation order). ``python -m tests.golden`` writes the golden file
from a fresh demo warehouse; do it only for a change that is meant to change figures, and say so in the commit.
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).parent / "fixtures" / "golden_report_data.json.gz"
#: fields of a load that differ between two builds of the same warehouse
VOLATILE_LOAD = {"raw_path", "loaded_at", "usmx_version"}


def plain(v: Any) -> Any:
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return float(f"{v:.10g}")
    if isinstance(v, Decimal):
        return plain(float(v))
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v


def canonical(data: Any, claims: dict[str, list[dict]] | None = None) -> dict:
    """The report's data (and, if given, the claims by language as `usmx claims` prints them) as plain JSON."""
    out = {f.name: getattr(data, f.name) for f in fields(data) if f.name not in ("indicators", "timings")}
    out["loads"] = [{k: v for k, v in r.items() if k not in VOLATILE_LOAD} for r in out["loads"]]
    if claims is not None:
        out["claims_json"] = claims
    return plain(out)


def differences(old: Any, new: Any, path: str = "") -> list[str]:
    """Where two canonical documents differ, field by field (at most a few per list)."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for k in sorted(set(old) | set(new)):
            if k not in old or k not in new:
                found.append(f"{path}.{k}: {'added' if k not in old else 'removed'}")
            else:
                found += differences(old[k], new[k], f"{path}.{k}")
        return found
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [f"{path}: {len(old)} items before, {len(new)} now"]
        found = []
        for i, (a, b) in enumerate(zip(old, new)):
            found += differences(a, b, f"{path}[{i}]")
        return found
    return [] if old == new else [f"{path}: {old!r} before, {new!r} now"]


def read() -> dict:
    return json.loads(gzip.decompress(GOLDEN.read_bytes()))


def write(doc: dict) -> None:
    GOLDEN.write_bytes(gzip.compress(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode(), mtime=0))


if __name__ == "__main__":  # python -m tests.golden: the golden file from a fresh demo warehouse
    import os
    import tempfile

    from tests.conftest import TODAY

    os.environ["USMX_TODAY"] = TODAY  # the claims' staleness is judged against the tests' fixed day

    from usmx import Observatory

    with tempfile.TemporaryDirectory() as tmp:
        obs = Observatory(Path(tmp) / "demo.duckdb")
        obs.demo()
        data = obs.report_data()
        write(canonical(data, {lang: obs.claims(lang) for lang in ("es", "en")}))
    print(f"wrote {GOLDEN} ({GOLDEN.stat().st_size:,} bytes)")
