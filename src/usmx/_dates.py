"""Calendar arithmetic on ``datetime.date``, shared by the loaders, the indicators and the fetchers."""

from __future__ import annotations

from datetime import date, timedelta


def month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return date(day.year, day.month, 1)


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return next_month(day) - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` months later (or earlier, if negative); the 29th to the 31st become the 28th, so that
    every month has the day."""
    m = day.month - 1 + months
    return date(day.year + m // 12, m % 12 + 1, min(day.day, 28))


def month_index(day: date) -> int:
    """``day``'s month as a count of months (January of year 0 is 0), for arithmetic on months."""
    return day.year * 12 + day.month - 1


def month_of(index: int) -> date:
    """The first day of the month :func:`month_index` numbers ``index``."""
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    """Whole months from ``start``'s month to ``end``'s (negative if ``end`` is earlier)."""
    return month_index(end) - month_index(start)
