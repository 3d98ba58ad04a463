"""The DuckDB warehouse: the one home of loading and of the ``loads`` ledger.

- :mod:`.schema`: the connection, the schema generated from the catalogue, migrations, the public views;
- :mod:`.load`: :func:`load_file` (one transaction per file: receive, parse, check, insert) and :func:`load_files`
  (the same for several, the next files parsed while one is written), :func:`unload`;
- :mod:`.coverage`: the periods a release may hold and the cells it covers (the current view takes each cell from
  the newest release covering it);
- :mod:`.ledger`: every read of the ``loads`` ledger (current kinds, a table's history, known checksums).

Each core table keeps every release it was fed in ``<table>__all_vintages``; ``<table>`` is a view of the current
rows. A release covers cells of (period, place) stated per table in the catalogue; every cell is taken from the
newest release that covers it, so rolling windows never add up, a partial release never hides what it does not
cover, and an older release loaded later never displaces a newer one. Everything a load writes happens in one
transaction, so a failure or a killed process leaves the warehouse as it was.
"""

from __future__ import annotations

from .ledger import (
    current_kinds,
    current_vintages,
    history,
    known_checksum,
    ledger,
    ledger_rows,
    table_history,
)
from .load import LoadResult, Progress, load_file, load_files, run_checks, sweep, unload
from .schema import (
    LEDGER_COLUMNS,
    LOAD_ID,
    LOADS,
    LOADS_DDL,
    SCHEMA_VERSION,
    UNLOADED,
    check_warehouse,
    connect,
    ensure_schema,
    opened,
    refresh_current,
)

__all__ = [
    "LEDGER_COLUMNS",
    "LOADS",
    "LOADS_DDL",
    "LOAD_ID",
    "SCHEMA_VERSION",
    "UNLOADED",
    "LoadResult",
    "Progress",
    "check_warehouse",
    "connect",
    "current_kinds",
    "current_vintages",
    "ensure_schema",
    "history",
    "known_checksum",
    "ledger",
    "ledger_rows",
    "load_file",
    "load_files",
    "opened",
    "refresh_current",
    "run_checks",
    "table_history",
    "sweep",
    "unload",
]
