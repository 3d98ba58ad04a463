"""Calendar arithmetic shared by the loaders, the indicators and the fetchers."""

from __future__ import annotations

from datetime import date

import pytest

from usmx._dates import add_months, month_end, month_start, next_month


@pytest.mark.parametrize(
    ("day", "start", "following", "end"),
    [
        (date(2024, 2, 10), date(2024, 2, 1), date(2024, 3, 1), date(2024, 2, 29)),  # leap year
        (date(2023, 2, 28), date(2023, 2, 1), date(2023, 3, 1), date(2023, 2, 28)),
        (date(1900, 2, 1), date(1900, 2, 1), date(1900, 3, 1), date(1900, 2, 28)),  # a century is not leap
        (date(2000, 2, 1), date(2000, 2, 1), date(2000, 3, 1), date(2000, 2, 29)),  # unless it divides by 400
        (date(2025, 12, 31), date(2025, 12, 1), date(2026, 1, 1), date(2025, 12, 31)),  # across the year
        (date(2025, 4, 30), date(2025, 4, 1), date(2025, 5, 1), date(2025, 4, 30)),
    ],
)
def test_month_start_next_month_and_month_end(day, start, following, end):
    assert (month_start(day), next_month(day), month_end(day)) == (start, following, end)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 10, 1), 24, date(2026, 10, 1)),
        (date(2024, 10, 1), -24, date(2022, 10, 1)),
        (date(2025, 1, 15), -1, date(2024, 12, 15)),  # back across the year
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # the 29th to the 31st become the 28th
        (date(2024, 3, 29), -1, date(2024, 2, 28)),
        (date(2025, 6, 9), 0, date(2025, 6, 9)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_month_index_months_between_and_back():
    from usmx._dates import month_index, month_of, months_between

    assert months_between(date(2023, 12, 1), date(2025, 6, 30)) == 18
    assert months_between(date(2025, 6, 1), date(2023, 12, 31)) == -18
    assert months_between(date(2024, 2, 29), date(2024, 2, 1)) == 0
    assert month_of(month_index(date(2026, 12, 6))) == date(2026, 12, 1)
    assert month_of(month_index(date(2000, 1, 31)) - 1) == date(1999, 12, 1)
