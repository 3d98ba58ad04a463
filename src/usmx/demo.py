"""``usmx demo``: the real samples bundled in ``usmx/data``, in the order they load."""

from __future__ import annotations

import contextlib
import importlib
import threading
from importlib import resources
from pathlib import Path


def bundled_files() -> list[Path]:
    """The bundled sample files, in load order (catalogue-independent sources first)."""
    root = Path(str(resources.files("usmx") / "data"))
    order = ["conapo", "sesnsp", "sesnsp_federal", "inegi", "cbp", "cdc", "ledger", "ofac"]
    out: list[Path] = []
    for folder in order:
        out += sorted(p for p in (root / folder).iterdir() if p.name.endswith((".csv", ".gz", ".yaml")))
    return out


#: what the report after the demo imports: a few seconds of start-up on a small machine
REPORT_MODULES = (
    "pandas",
    "ibis",
    "ibis.backends.duckdb",
    "scipy.stats",
    "statsmodels.tsa.seasonal",
    "altair",
    "vl_convert",
    "usmx.indicators.crime",
    "usmx.indicators.us",
    "usmx.indicators.cooperation",
    "usmx.report.build",
)


def prewarm(modules: tuple[str, ...] = REPORT_MODULES) -> threading.Thread:
    """Import the report's libraries in a background thread while the demo loads files (DuckDB's work releases
    the interpreter, so the imports run on the other core). A failed import is left for the report to raise."""

    def work() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # the report imports it again and reports the error there
                continue
        with contextlib.suppress(Exception):  # vl-convert starts its JavaScript engine on the first chart
            importlib.import_module("vl_convert").vegalite_to_svg({"mark": "point", "data": {"values": [{}]}})

    thread = threading.Thread(target=work, name="usmx-prewarm", daemon=True)
    thread.start()
    return thread
