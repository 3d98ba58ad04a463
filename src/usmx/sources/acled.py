"""ACLED exports (Armed Conflict Location & Event Data): one row per event, CSV.

ACLED's terms require an account; usmx never stores credentials (see usmx.fetch for the OAuth flow, credentials from
the environment only). Each export for a country is one scope: a newer export replaces the older, so events that
ACLED deleted or changed in between are deleted or changed in the current table (older exports stay queryable).
"""

from __future__ import annotations

from .._db import one
from ..checks import Check
from ..rawstore import FileFacts
from ._base import (
    AMOUNT_RE,
    Candidate,
    ParseContext,
    Staged,
    match_layouts,
    prepare,
    read_wide,
    rows_of,
)

SOURCE = "acled"
LICENSE = "ACLED terms of use (acleddata.com): attribution, no redistribution of raw data"
URLS = {"acled_events": "https://acleddata.com/api/acled/read"}
#: the columns of ACLED's CSV export, in order (what `usmx fetch acled` writes)
ACLED_HEADER = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]


def detect(facts: FileFacts) -> list[Candidate]:
    return match_layouts(SOURCE, facts)


def parse(ctx: ParseContext, kind: str) -> Staged:
    p = prepare(ctx, SOURCE, kind)
    spec, delim, names = p.spec, p.delim, p.names
    read_wide(ctx, "_acled", names, delim)
    p.cells(ctx, "_acled", ["fatalities", "year"], allow_blank=False)
    p.cells(ctx, "_acled", ["timestamp"])
    for c in ("latitude", "longitude"):
        p.cells(
            ctx,
            "_acled",
            [c],
            allow_blank=False,
            what="a decimal coordinate",
            pattern=f"-?({AMOUNT_RE})",
        )
    text = [
        "event_id_cnty",
        "disorder_type",
        "event_type",
        "sub_event_type",
        "actor1",
        "assoc_actor_1",
        "actor2",
        "assoc_actor_2",
        "interaction",
        "country",
        "admin1",
        "admin2",
        "location",
        "source",
    ]
    sel = {c: f"nullif(trim({c}), '')" for c in text}
    sel |= {
        "event_date": f"{DATE_SQL}::DATE",
        "year": "CAST(year AS INTEGER)",
        "iso": "TRY_CAST(iso AS INTEGER)",
        "latitude": "CAST(latitude AS DOUBLE)",
        "longitude": "CAST(longitude AS DOUBLE)",
        "fatalities": "CAST(fatalities AS INTEGER)",
        "timestamp": "TRY_CAST(timestamp AS BIGINT)",
    }
    ctx.con.execute(
        "CREATE OR REPLACE TEMP TABLE _acled_rows AS SELECT event_date AS event_date_label, "
        + ", ".join(f"{sel[c]} AS {c}" for c in spec.fact_columns)
        + " FROM _acled"
    )
    pmin, pmax, countries = one(
        ctx.con,
        "SELECT min(event_date), max(event_date), string_agg(DISTINCT country, ',' ORDER BY country) FROM _acled_rows",
    )
    scope = f"acled_events:{countries if len(countries or '') < 200 else ctx.display}"
    return Staged(
        kind,
        spec,
        "_acled_rows",
        rows_of(spec, "_acled_rows"),
        scope=scope,
        vintage=pmax,
        period_min=pmin,
        period_max=pmax,
        checks=CHECKS,
        read_relation="_acled",
    )


DATE_SQL = "coalesce(try_strptime(event_date, '%Y-%m-%d'), try_strptime(event_date, '%d %B %Y'))"
CHECKS = [
    Check(
        "dates_valid",
        "SELECT event_date_label FROM _acled_rows WHERE event_date IS NULL LIMIT 3",
        lambda rows: f"event dates {[r[0] for r in rows]} are neither YYYY-MM-DD nor '02 January 2024'.",
        early=True,
    ),
]
