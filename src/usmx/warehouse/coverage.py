"""What a release covers: its periods are plausible, and the (period, place) cells it holds are recorded, so that
the current view takes each cell from the newest release covering it (see ``schema.refresh_current``)."""

from __future__ import annotations

from datetime import date

import duckdb

from .._dates import add_months, month_start, next_month
from ..errors import CheckError
from ..sources._base import Staged
from .schema import COVERAGE


def plausible(display: str, staged: Staged) -> None:
    """Periods lie between the publisher's first year and the present (plus its usual lead): a year 2099 or 1066
    is a typo that would otherwise become the newest vintage and hide every genuine release."""
    cov = staged.table.coverage
    latest = add_months(month_start(date.today()), cov.lead_months)
    for what, value in (
        ("first period", staged.period_min),
        ("last period", staged.period_max),
        ("vintage", staged.vintage),
    ):
        if value is not None and not (date(cov.first_year, 1, 1) <= value < next_month(latest)):
            raise CheckError(
                display,
                "periods_plausible",
                f"the file's {what} is {value:%Y-%m}, outside {cov.first_year}-01 … {latest:%Y-%m} (the publisher's "
                "first year to the present). A mistyped year is the usual cause; fix the file or re-download it.",
            )


def cells(staged: Staged) -> list[date]:
    """The periods a release covers: every month (or year) from its first to its last, or one cell for all."""
    cov = staged.table.coverage
    if cov.grain == "all" or staged.period_min is None or staged.period_max is None:
        return [date(1, 1, 1)]
    out, p = [], staged.period_min.replace(day=1)
    if cov.grain == "year":
        return [date(y, 1, 1) for y in range(staged.period_min.year, staged.period_max.year + 1)]
    while p <= staged.period_max:
        out.append(p)
        p = next_month(p)
    return out


def cover(con: duckdb.DuckDBPyConnection, staged: Staged, load_id: int) -> None:
    """Record the cells this release covers: its periods x the places it holds (or its own scope)."""
    spec, unit = staged.table, staged.table.coverage.unit
    if unit is None:
        units = "SELECT '' AS unit"
    elif unit == "scope":
        units = "SELECT ? AS unit"
    else:
        units = f"SELECT DISTINCT CAST({unit} AS VARCHAR) AS unit FROM {staged.relation}"
    params: list = [spec.name, load_id, cells(staged)] + ([staged.scope] if unit == "scope" else [])
    con.execute(
        f"INSERT INTO {COVERAGE} SELECT ?, ?, p.period, u.unit FROM (SELECT unnest(?::DATE[]) AS period) p, "
        f"({units}) u WHERE u.unit IS NOT NULL",
        params,
    )
