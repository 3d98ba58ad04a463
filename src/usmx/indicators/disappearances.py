"""Disappeared and missing persons (RNPDNO) by month, year or state, by status and sex.

The register keeps receiving records of past months for a long time, so its last months are right-censored: a fall
in the most recent months is partly records not yet made. Every output says so in its metadata, with the months it
considers provisional.
"""

from __future__ import annotations

import ibis
import pyarrow as pa

from . import indicator
from ._common import check_by, check_choice, check_state, with_state_names

PERSONS = "core_rnpdno__municipal_persons_monthly"
STATUSES = ("all", "not_located", "located_alive", "located_dead")
SEXES = ("total", "male", "female", "undefined")
#: months at the end of the register's series treated as provisional (right-censored)
PROVISIONAL_MONTHS = 12


@indicator("disappearances")
def disappearances(
    con, by: str = "month", status: str = "not_located", sex: str = "total", state: str | None = None
) -> pa.Table:
    """Persons reported disappeared or missing, by month, year, state, state_month or municipality (the latest 12
    months of the data, known municipalities); ``status`` all, not_located
    (default), located_alive or located_dead; ``sex`` total (default), male, female or undefined."""
    check_by("disappearances", by)
    status = check_choice("status", str(status), STATUSES)
    sex = check_choice("sex", str(sex), SEXES)
    code = check_state(state)
    t = con.table(PERSONS)
    t = t.filter((t.status == status) & (t.sex == sex))
    if code:
        t = t.filter(t.state_code == code)
    last = t.period.max().as_scalar()
    t = t.mutate(provisional=t.period > last.sub(ibis.interval(months=PROVISIONAL_MONTHS)))
    if by == "month":
        out = t.group_by("period").aggregate(
            value=t.persons.sum(), unknown_municipality=t.persons.sum(where=t.unknown_municipality),
            provisional=t.provisional.any(),
        ).order_by("period")  # fmt: skip
        res = out.to_pyarrow()
    elif by == "year":
        y = t.mutate(year=t.period.year())
        out = y.group_by("year").aggregate(
            value=y.persons.sum(), months=y.period.nunique(),
            unknown_municipality=y.persons.sum(where=y.unknown_municipality), provisional=y.provisional.any(),
        ).order_by("year")  # fmt: skip
        res = out.to_pyarrow()
    elif by == "municipality":  # the latest 12 months of the data, per municipality (the municipal map)
        w = t.filter((t.period > last.sub(ibis.interval(months=12))) & ~t.unknown_municipality)
        out = w.group_by(["state_code", "municipality_code"]).aggregate(
            value=w.persons.sum(), first=w.period.min(), last=w.period.max(), provisional=w.provisional.any(),
        ).order_by(["state_code", "municipality_code"])  # fmt: skip
        res = with_state_names(out.to_pyarrow())
    elif by == "state_month":
        out = t.group_by(["period", "state_code"]).aggregate(
            value=t.persons.sum(), provisional=t.provisional.any()
        ).order_by(["period", "state_code"])  # fmt: skip
        res = with_state_names(out.to_pyarrow())
    else:
        out = t.group_by("state_code").aggregate(
            value=t.persons.sum(), unknown_municipality=t.persons.sum(where=t.unknown_municipality),
            first=t.period.min(), last=t.period.max(),
        ).order_by("state_code")  # fmt: skip
        res = with_state_names(out.to_pyarrow())
    res = res.append_column("status", pa.array([status] * res.num_rows, pa.string()))
    note = (
        f"RNPDNO public version, status {status}, sex {sex}. The last {PROVISIONAL_MONTHS} months are provisional "
        "(provisional = true): records of past months keep arriving, so recent counts rise later. Persons in the "
        "register's unknown municipality (codes 998/999) are counted and also shown apart."
    )
    return res.replace_schema_metadata({b"note": note.encode()})
