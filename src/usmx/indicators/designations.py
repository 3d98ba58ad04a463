"""US designations: entries of OFAC's SDN list by sanctions program, and those that are new in each list.

The SDN list has no designation dates, so "new" means first seen: on a list and on no earlier list loaded. The
earliest list loaded is the baseline: its entries were designated at some earlier, unknown date, so it gives how
many entries were on the list, not how many were new (``value`` is empty for it).
"""

from __future__ import annotations

import ibis
import pyarrow as pa

from . import indicator
from ._common import as_bool

SDN = "core_ofac__sdn_entries"


@indicator("designations")
def designations(con, mexico: bool = True, program: str | None = None) -> pa.Table:
    """Per list date and program: entries first seen on that list (designated since the previous one), on the list,
    and dropped since the previous list; Mexico-tied entries only unless ``mexico=false``."""
    t = con.table(SDN)
    if as_bool(mexico):
        t = t.filter(t.mexico_tie)
    e = t.select("list_date", "ent_num", program=t.programs.split("] [").unnest())
    e = e.mutate(program=e.program.strip())
    if program:
        e = e.filter(e.program.upper() == str(program).strip().upper())
    first = e.group_by(["ent_num", "program"]).aggregate(first_seen=e.list_date.min())
    lists = t.select("list_date").distinct()
    baseline = lists.list_date.min().as_scalar()
    on_list = e.group_by(["list_date", "program"]).aggregate(entries=e.ent_num.nunique())
    new = first.group_by([first.first_seen.name("list_date"), "program"]).aggregate(new=first.ent_num.nunique())
    out = on_list.left_join(new, ["list_date", "program"]).select(on_list, new.new)
    # entries of the previous list (per program) that are missing from this one
    order = lists.mutate(previous=lists.list_date.lag().over(ibis.window(order_by=lists.list_date)))
    prev = e.join(order, e.list_date == order.previous).select(e.ent_num, e.program, list_date=order.list_date)
    dropped = prev.anti_join(e, ["ent_num", "program", "list_date"])
    dropped = dropped.group_by(["list_date", "program"]).aggregate(dropped=dropped.ent_num.nunique())
    out = out.left_join(dropped, ["list_date", "program"]).select(out, dropped.dropped)
    out = out.join(order, "list_date").select(out, previous_list_date=order.previous)
    out = out.mutate(
        value=ibis.ifelse(out.list_date == baseline, ibis.null("int64"), out.new.fill_null(0)),
        dropped=ibis.ifelse(out.list_date == baseline, ibis.null("int64"), out.dropped.fill_null(0)),
        baseline=out.list_date == baseline,
    )
    res = (
        out.select("list_date", "program", "value", "entries", "dropped", "previous_list_date", "baseline")
        .order_by(["list_date", "program"])
        .to_pyarrow()
    )
    note = (
        "value = entries first seen on this list (designated since the previous list loaded); the earliest list is "
        "the baseline, whose designation dates are unknown."
    )
    return res.replace_schema_metadata({b"note": note.encode()})
