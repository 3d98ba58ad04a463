"""US-Mexico cooperation in the news (GDELT), and the criminal groups' reach (ACLED).

Written once as Ibis expressions over ``core_gdelt__events`` / ``core_acled__events``, so they run unchanged on the
DuckDB warehouse, on raw GDELT export files read directly by an engine (``--events GLOB``), or on PySpark
(``--engine pyspark``). BigQuery's public table ``gdelt-bq.gdeltv2.events`` has the same columns in GDELT's
CamelCase names: rename them to the snake_case names of catalog/headers/gdelt.yaml in a view and point an Ibis
BigQuery connection at it.
"""

from __future__ import annotations

from datetime import date
from importlib import resources

import ibis
import pyarrow as pa

from .. import catalog
from ..errors import UsmxError
from . import indicator
from ._common import check_by

LAW_ENFORCEMENT = ("062", "063", "064")  # CAMEO: military, judicial and intelligence cooperation (and sub-codes)
ACTOR_TYPES = {"police": "COP", "judiciary": "JUD", "military": "MIL", "government": "GOV"}


def _dyad(con, actor_types: str | None):
    t = con.table("core_gdelt__events")
    usa_mex = ((t.actor1_country_code == "USA") & (t.actor2_country_code == "MEX")) | (
        (t.actor1_country_code == "MEX") & (t.actor2_country_code == "USA")
    )
    t = t.filter(usa_mex)
    if actor_types:
        wanted = []
        for a in str(actor_types).split(","):
            a = a.strip().lower()
            if a not in ACTOR_TYPES:
                raise UsmxError(f"actor type {a!r} unknown; use {', '.join(ACTOR_TYPES)} (comma-separated).")
            wanted.append(ACTOR_TYPES[a])
        t = t.filter(t.actor1_type1_code.isin(wanted) | t.actor2_type1_code.isin(wanted))
    return t


def cooperation_expr(con, actor_types: str | None = None):
    """The monthly USA-MEX dyad aggregate as an Ibis expression (shared by both cooperation indicators)."""
    t = _dyad(con, actor_types)
    law = t.event_code.substr(0, 3).isin(LAW_ENFORCEMENT)
    return (
        t.group_by("period")
        .aggregate(
            dyad_events=t.count(),
            law_enforcement_events=law.cast("int64").sum(),
            goldstein_mean=t.goldstein_scale.mean(),
            mentions=t.num_mentions.cast("int64").sum(),
        )
        .order_by("period")
    )


@indicator("cooperation_events")
def cooperation_events(con, actor_types: str | None = None) -> pa.Table:
    """USA-MEX events in both directions per month: all, law-enforcement cooperation (CAMEO 062/063/064 and
    sub-codes), mean Goldstein score and mentions; actor_types=police,judiciary,military,government filters."""
    m = cooperation_expr(con, actor_types)
    return m.rename(value="law_enforcement_events").to_pyarrow()


def _ledger(con) -> list[dict]:
    try:
        return con.table("core_ledger__events").to_pyarrow().to_pylist()
    except Exception:
        doc = catalog.load_yaml(
            resources.files("usmx").joinpath("data/ledger/us_mx_security_events.yaml").read_text("utf-8")
        )
        return [
            {
                "event_id": e["id"],
                "event_date": e["date"],
                "kind": e["kind"],
                "title_en": e["title_en"],
                "title_es": e["title_es"],
            }
            for e in doc["events"]
        ]


@indicator("cooperation_index")
def cooperation_index(con, smooth: int = 3, actor_types: str | None = None) -> pa.Table:
    """Law-enforcement cooperation as a share of all USA-MEX coverage, smoothed, with ledger events by month."""
    smooth = int(smooth)
    if smooth < 1:
        raise UsmxError("smooth must be 1 or more months.")
    m = cooperation_expr(con, actor_types)
    m = m.mutate(share=m.law_enforcement_events.cast("float64") / m.dyad_events)
    w = ibis.window(order_by="period", preceding=smooth - 1, following=0)
    m = m.mutate(value=m.share.mean().over(w))
    t = m.order_by("period").to_pyarrow()
    events: dict[date, list[str]] = {}
    for e in _ledger(con):
        d = e["event_date"]
        events.setdefault(date(d.year, d.month, 1), []).append(f"{e['event_id']}: {e['title_en']}")
    return t.append_column(
        "ledger_events", pa.array(["; ".join(events.get(p, [])) or None for p in t["period"].to_pylist()], pa.string())
    )


def groups() -> dict[str, dict]:
    text = resources.files("usmx.catalog").joinpath("criminal_groups.yaml").read_text("utf-8")
    return catalog.load_yaml(text)["groups"]


_ACCENTS = ("áéíóúüñÁÉÍÓÚÜÑ", "aeiouunAEIOUUN")


@indicator("criminal_group_presence")
def criminal_group_presence(con, by: str = "summary", group: str | None = None) -> pa.Table:
    """ACLED events naming a Mexican criminal group (curated aliases, catalog/criminal_groups.yaml) as an actor or
    associated actor, per group and year: by Mexican state (by=state), by country outside Mexico (by=country), or
    a summary with events, fatalities and the number of states and countries reached. group=any counts each event
    that names any of the groups once (group 'any')."""
    check_by("criminal_group_presence", by)
    gs = groups()
    if group and group != "any" and group not in gs:
        raise UsmxError(f"unknown group {group!r}; groups: {', '.join(gs)}, or any.")
    t = con.table("core_acled__events")
    text = (
        (
            t.actor1.fill_null("")
            + " | "
            + t.assoc_actor_1.fill_null("")
            + " | "
            + t.actor2.fill_null("")
            + " | "
            + t.assoc_actor_2.fill_null("")
        )
        .lower()
        .translate(*_ACCENTS)
    )
    t = t.mutate(_text=text)
    parts = []
    for key, g in gs.items():
        if group and group != "any" and key != group:
            continue
        cond = None
        for alias in g["aliases"]:
            c = t._text.contains(alias.lower())
            cond = c if cond is None else cond | c
        parts.append(t.filter(cond).mutate(group=ibis.literal(key)))
    u = parts[0]
    for p in parts[1:]:
        u = u.union(p, distinct=False)
    if group == "any":  # an event naming two groups counts once
        u = u.drop("group", "_text").distinct().mutate(group=ibis.literal("any"))
    inside = u.country == "Mexico"
    if by == "state":
        u = u.filter(inside)
        out = u.group_by(["group", "year", "admin1"]).aggregate(value=u.count(), fatalities=u.fatalities.sum())
        return out.order_by(["group", "year", "admin1"]).to_pyarrow()
    if by == "country":
        u = u.filter(~inside)
        out = u.group_by(["group", "year", "country"]).aggregate(value=u.count(), fatalities=u.fatalities.sum())
        return out.order_by(["group", "year", "country"]).to_pyarrow()
    out = u.group_by(["group", "year"]).aggregate(
        value=u.count(),
        fatalities=u.fatalities.sum(),
        states_reached=u.admin1.nullif("").nunique(where=inside),
        countries_reached=u.country.nunique(where=~inside),
    )
    return out.order_by(["group", "year"]).to_pyarrow()
