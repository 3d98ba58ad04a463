"""The cooperation section's charts: the scorecard's components by year, and their levels before and after the
ledger's key dates. Each component has its own scale (persons, entries, press releases and a news share are never
put on one axis)."""

from __future__ import annotations

import altair as alt

from .. import catalog, i18n
from .charts import ACCENT, INK, MUTED, _data, render


def _label(component: str, lang: str) -> str:
    return i18n.t(f"component_{component}", lang)


def scorecard(rows: list[dict], key_dates: list[dict], lang: str) -> str:
    """One panel per component: the yearly value (bars) and, where publishers disagree, their range (a red rule); the
    key dates as dashed rules."""
    order = catalog.scorecard_order()
    rows = sorted(rows, key=lambda r: order.index(r["component"]) if r["component"] in order else len(order))

    def scale(r: dict) -> float:  # a share is drawn in percent, so that its axis reads like the others
        return 100.0 if r["basis"] in ("news_events", "too_few_events") else 1.0

    def times(v: float | None, r: dict) -> float | None:
        return None if v is None else v * scale(r)

    data = [
        {
            "kind": "value", "year": r["period"].year, "value": times(r["value"], r), "low": times(r["low"], r),
            "high": times(r["high"], r), "few": r["basis"] == "too_few_events",
            "component": f"{_label(r['component'], lang)} ("
            + ("%" if scale(r) != 1 else i18n.unit(r["unit"], lang)) + ")",
        }
        for r in rows
    ]  # fmt: skip
    years = [d["year"] for d in data]
    panels = list(dict.fromkeys(d["component"] for d in data))
    data += [
        {"kind": "date", "year": k["date"].year + (k["date"].month - 1) / 12, "component": c}
        for k in key_dates
        for c in panels
        if min(years) - 0.5 <= k["date"].year <= max(years) + 0.5
    ]
    x = alt.X("year:Q", title=None, scale=alt.Scale(domain=[min(years) - 0.5, max(years) + 0.5]),
              axis=alt.Axis(format="d", tickMinStep=1, labelAngle=0))  # fmt: skip
    base = alt.Chart()
    is_value = alt.datum.kind == "value"
    rules = base.mark_rule(color=MUTED, strokeDash=[3, 3]).encode(x=x).transform_filter(alt.datum.kind == "date")
    bars = base.mark_bar(color=INK, size=10).encode(
        x=x, y=alt.Y("value:Q", title=None, axis=alt.Axis(format=",~r", tickCount=3))
    )
    spread = base.mark_rule(color=ACCENT, strokeWidth=2).encode(x=x, y="low:Q", y2="high:Q")
    # a news share of too few events is not drawn as a bar: it is written "too few"
    few = base.mark_text(color=MUTED, fontSize=9, angle=270, align="left", baseline="middle").encode(
        x=x, y=alt.value(66), text=alt.value(i18n.t("too_few", lang))
    )
    chart = (
        alt.layer(rules, bars.transform_filter(is_value), spread.transform_filter(is_value),
                  few.transform_filter(alt.datum.few == True), data=_data(data))  # noqa: E712 - a Vega expression
        .properties(width=600, height=70)
        .facet(row=alt.Row("component:N", title=None, sort=panels, header=alt.Header(
            labelAngle=0, labelAlign="left", labelAnchor="start", labelOrient="top", labelLimit=600)))
        .resolve_scale(y="independent")
    )  # fmt: skip
    return render(chart, lang)


def studies(rows: list[dict], lang: str) -> str:
    """Per component, each key date's level before (grey) and after (red), with their 95% intervals."""
    before, after = i18n.t("before", lang), i18n.t("after", lang)
    order = catalog.scorecard_order()
    rows = sorted(rows, key=lambda r: order.index(r["component"]) if r["component"] in order else len(order))
    data = []
    for r in rows:
        if r["before"] is None:
            continue
        label = f"{r['date']:%Y-%m}"
        component = (
            f"{_label(r['component'], lang)} ({i18n.t('per_year' if 'per year' in r['unit'] else 'share', lang)})"
        )
        for side, name in (("before", before), ("after", after)):
            data.append({"date": label, "side": name, "v": r[side], "lo": r[f"{side}_low"],
                         "hi": r[f"{side}_high"], "component": component})  # fmt: skip
    colour = alt.Color("side:N", title=None, scale=alt.Scale(domain=[before, after], range=[MUTED, ACCENT]),
                       legend=alt.Legend(orient="top"))  # fmt: skip
    y = alt.Y("date:N", title=None)
    offset = alt.YOffset("side:N", sort=[before, after])
    base = alt.Chart()
    x = alt.X("lo:Q", title=None, axis=alt.Axis(tickCount=5, format=",~r"))
    rule = base.mark_rule(strokeWidth=3).encode(y=y, yOffset=offset, x=x, x2="hi:Q", color=colour)
    dot = base.mark_point(filled=True, size=50).encode(y=y, yOffset=offset, x="v:Q", color=colour)
    chart = (
        alt.layer(rule, dot, data=_data(data))
        .properties(width=560, height=28 * len({d["date"] for d in data}))
        .facet(row=alt.Row("component:N", title=None, sort=list(dict.fromkeys(d["component"] for d in data)),
                           header=alt.Header(labelAngle=0, labelAlign="left", labelAnchor="start", labelOrient="top")))
        .resolve_scale(x="independent")
    )  # fmt: skip
    return render(chart, lang)
