"""Reading the month a user names (``2019-01``, ``2019-01-01``, a date or a Timestamp) once, with a clear error."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from ..errors import UsmxError

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?\s*$")


def month_start(value, what: str = "intervention") -> pd.Timestamp:
    """The first day of the month ``value`` names; a UsmxError that says what was expected otherwise."""
    if isinstance(value, pd.Timestamp | date):
        return pd.Timestamp(value).to_period("M").to_timestamp()
    m = _MONTH.match(str(value))
    ok = m is not None and 1 <= int(m.group(2)) <= 12
    if ok and m is not None and m.group(3):
        try:
            date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            ok = False
    if not ok or m is None:
        raise UsmxError(f"the {what} {str(value)!r} is not a month: expected YYYY-MM, e.g. 2019-01.")
    return pd.Timestamp(int(m.group(1)), int(m.group(2)), 1)
