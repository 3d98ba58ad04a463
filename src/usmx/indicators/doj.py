"""US Department of Justice press releases that bear on cooperation with Mexico (catalog/doj_rules.yaml)."""

from __future__ import annotations

import pyarrow as pa

from .. import catalog
from . import indicator
from ._common import check_by


def categories() -> dict[str, dict]:
    return dict(catalog._read_yaml("doj_rules.yaml")["categories"])


@indicator("doj_press_releases")
def doj_press_releases(con, by: str = "month") -> pa.Table:
    """Per month or year and category (criminal groups, cooperation, extradition): DOJ press releases that mention
    Mexico and match the category's patterns, beside all releases and those mentioning Mexico."""
    check_by("doj_press_releases", by)
    t = con.table("core_doj__press_releases")
    t = t.mutate(
        _p=t.period if by == "month" else t.period.truncate("Y"),
        _text=(t.title + " " + t.body_text.fill_null("")).lower(),
    )
    cats = categories()
    aggs = {
        "releases": t.count(),
        "mexico": t.mentions_mexico.cast("int64").sum(),
        **{
            key: (t.mentions_mexico & t._text.re_search("(" + "|".join(c["patterns"]) + ")")).cast("int64").sum()
            for key, c in cats.items()
        },
    }
    wide = t.group_by("_p").aggregate(**aggs).rename(period="_p").order_by("period").to_pyarrow()
    rows = [
        {
            "period": r["period"],
            "category": key,
            "value": int(r[key] or 0),
            "releases": int(r["releases"]),
            "mexico": int(r["mexico"] or 0),
            "share": (r[key] or 0) / r["releases"] if r["releases"] else None,
        }
        for r in wide.to_pylist()
        for key in cats
    ]
    schema = pa.schema([("period", pa.date32()), ("category", pa.string()), ("value", pa.int64()),
                        ("releases", pa.int64()), ("mexico", pa.int64()), ("share", pa.float64())])  # fmt: skip
    return pa.Table.from_pylist(rows, schema=schema)
