"""Static SVG charts (Altair/Vega-Lite rendered offline by vl-convert) in the report's language."""

from __future__ import annotations

import hashlib
import re
import threading
from datetime import date
from functools import cache

import altair as alt
import vl_convert as vlc

from .. import catalog, i18n
from .._dates import next_month

INK = "#1f2933"
ACCENT = "#b42318"
MUTED = "#7b8794"
#: the charts' font: one whose widths are the same wherever the report is read. vl-convert lays a chart out with the
#: widths of the first font it has (Liberation Sans here); the reader's browser draws the text with the first font it
#: has. Liberation Sans and Arial share their metrics, so labels fit as laid out on Linux, Windows and macOS alike (with
#: "system-ui" first, Chromium on Linux drew DejaVu Sans, 13% wider: state names were cut and legend labels ran into
#: the next entry).
FONT = "'Liberation Sans', Arial, Helvetica, sans-serif"


#: the report's fonts, colours and axes, merged into every chart's spec as it is rendered (a plain dict: Altair's
#: ``configure`` validated it object by object, 15 ms a chart)
CONFIG: dict = {
    "font": FONT,
    "background": "white",
    "axis": {
        "labelColor": INK,
        "titleColor": INK,
        "gridColor": "#eef0f3",
        "domainColor": MUTED,
        "labelFontSize": 11,
        "titleFontSize": 11,
        "titleFontWeight": "normal",
    },
    "legend": {
        "labelColor": INK,
        "titleColor": INK,
        "labelFontSize": 11,
        "titleFontSize": 11,
        "titleFontWeight": "normal",
        "columnPadding": 18,  # room between legend entries, whatever font the reader's browser falls back to
    },  # fmt: skip
    "view": {"stroke": None},
    "header": {"labelFontSize": 12, "labelColor": INK, "labelFontWeight": "bold"},
}


def _config(chart: alt.TopLevelMixin, width: int, height: int) -> alt.TopLevelMixin:
    return chart.properties(width=width, height=height)


def _merged(base: dict, own: dict) -> dict:
    """``base`` with ``own``'s settings on top, section by section."""
    out = dict(base)
    for key, value in own.items():
        out[key] = {**out[key], **value} if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


_LOCAL = threading.local()


def _data(values, **kwargs) -> alt.NamedData:
    """A chart's data, by name: the values go into the spec's top-level ``datasets`` when it is rendered, so that
    Altair never walks them object by object (that walk took most of the report's rendering time)."""
    datasets = _LOCAL.__dict__.setdefault("datasets", {})
    name = f"usmx_{len(datasets)}"  # not "data_N": Vega-Lite gives its own datasets those names
    datasets[name] = values
    return alt.NamedData(name=name, **kwargs)


def render(chart: alt.TopLevelMixin, lang: str, config: dict | None = None) -> str:
    """Vega-Lite -> SVG in the report's style (:data:`CONFIG`, with a chart's own ``config`` on top), with the
    language's number and date conventions; no network."""
    spec = chart.to_dict(validate=False)  # the specs are ours and tested; validation took a third of the time
    spec["config"] = _merged(CONFIG, config or {})
    spec.setdefault("datasets", {}).update(_LOCAL.__dict__.pop("datasets", {}))
    svg = vlc.vegalite_to_svg(
        spec,
        format_locale=i18n.FORMAT_LOCALE[lang],
        time_format_locale=i18n.time_locale(lang),
    )
    return _stable_ids(svg).replace("<svg ", '<svg role="img" ', 1)


_GRADIENT = re.compile(r"gradient_(\d+)")


def _stable_ids(svg: str) -> str:
    """vl-convert numbers gradients with a process-wide counter; name them after the chart's content instead, so
    the same data gives the same bytes and two charts on one page never share an id."""
    found = list(dict.fromkeys(_GRADIENT.findall(svg)))
    if not found:
        return svg
    tag = hashlib.sha256(_GRADIENT.sub("gradient", svg).encode()).hexdigest()[:10]
    names = {n: f"gradient-{tag}-{i}" for i, n in enumerate(found)}
    return _GRADIENT.sub(lambda m: names[m.group(1)], svg)


def national_series(rows: list[dict], administrations: list, breaks: list, lang: str) -> str:
    """Monthly line with administration bands and series-break rules."""
    data = [{"period": r["period"].isoformat(), "value": r["value"]} for r in rows]
    first, last = rows[0]["period"], rows[-1]["period"]
    bands = []
    for a in administrations:
        start, end = max(a.start, first), min(a.end, last)
        if start <= end:
            bands.append(
                {
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "key": a.key,
                    "label": a.label(lang),
                    "colour": a.colour,
                }
            )
    rules = [
        {"date": b.date.isoformat(), "label": getattr(b, f"label_{lang}")} for b in breaks if first <= b.date <= last
    ]
    x = alt.X("period:T", title=None, axis=alt.Axis(format="%Y", tickCount="year"))
    band = (
        alt.Chart(_data(bands))
        .mark_rect(opacity=1)
        .encode(x=alt.X("start:T"), x2="end:T", color=alt.Color("colour:N", scale=None))
    )
    band_label = (
        alt.Chart(_data(bands))
        .mark_text(align="left", baseline="top", dx=4, dy=4, color=MUTED, fontSize=11)
        .encode(x="start:T", text="label:N", y=alt.value(0))
    )
    line = (
        alt.Chart(_data(data))
        .mark_line(color=ACCENT, strokeWidth=2)
        .encode(x=x, y=alt.Y("value:Q", title=i18n.t("value_per_day", lang), scale=alt.Scale(zero=True)))
    )
    layers = [band, band_label, line]
    if rules:
        layers.append(alt.Chart(_data(rules)).mark_rule(color=INK, strokeDash=[4, 3]).encode(x="date:T"))
    return render(_config(alt.layer(*layers), 860, 300), lang)


@cache
def _topology() -> dict:
    return catalog.topology("mx_states")


def choropleth(rows: list[dict], lang: str, *, value: str = "value", title: str | None = None) -> str:
    """States coloured by a value (default: the latest 12-month rate)."""
    values = [{"state_code": r["state_code"], "rate": r[value], "state": r.get("state")} for r in rows]
    geo = _data(_topology(), format=alt.DataFormat(type="topojson", feature="collection"))
    chart = (
        alt.Chart(geo)
        .mark_geoshape(stroke="white", strokeWidth=0.6)
        .transform_lookup(
            lookup="properties.CVEGEO", from_=alt.LookupData(_data(values), "state_code", ["rate", "state"])
        )
        .encode(
            color=alt.Color(
                "rate:Q",
                title=title or i18n.t("rate_unit", lang),
                scale=alt.Scale(scheme="reds"),
                legend=alt.Legend(orient="bottom-left", direction="vertical", format=",.0f", gradientLength=120),
            ),
        )
        .project(type="conicConformal", rotate=[102, 0], parallels=[17.5, 29.5])
    )
    return render(_config(chart, 560, 380), lang)


def with_gaps(rows: list[dict], key: str = "label") -> list[dict]:
    """Monthly rows with an empty value at the first month of every gap (per ``key``), so a line breaks where
    months are missing (e.g. between two releases) instead of drawing a straight line across them."""
    out: list[dict] = []
    last: dict = {}
    for r in sorted(rows, key=lambda r: (r[key], r["period"])):
        prev = last.get(r[key])
        if prev is not None:
            nxt = next_month(prev)
            if r["period"] > nxt:
                out.append({**r, "period": nxt, "value": None})
        last[r[key]] = r["period"]
        out.append(r)
    return out


def small_multiples(rows: list[dict], lang: str) -> str:
    """One panel per crime group, independent y scales; lines break where months are missing."""
    data = [{"period": r["period"].isoformat(), "value": r["value"], "group": r["label"]} for r in with_gaps(rows)]
    chart = (
        alt.Chart(_data(data))
        .mark_line(color=INK, strokeWidth=1.4, invalid="break-paths-show-domains")
        .encode(
            x=alt.X("period:T", title=None, axis=alt.Axis(format="%Y", tickCount=4)),
            y=alt.Y("value:Q", title=None, axis=alt.Axis(format=",.1~f"), scale=alt.Scale(zero=True)),
        )
        .properties(width=250, height=110)
        .facet(
            facet=alt.Facet(
                "group:N", title=None, header=alt.Header(labelLimit=250, labelAlign="left", labelAnchor="start")
            ),
            columns=3,
        )
        .resolve_scale(y="independent")
    )
    # the panels are small: smaller labels, and the axes keep Vega-Lite's own titles and domain colours
    own = {"axis": {"labelFontSize": 10}, "header": {"labelFontSize": 11}}
    return render(chart, lang, own)


def inegi_vs_sesnsp(rows: list[dict], lang: str) -> str:
    data = []
    for r in rows:
        if r["inegi_deaths"] is not None:
            data.append({"year": r["year"], "value": r["inegi_deaths"], "series": i18n.t("inegi_series", lang)})
        if r.get("inegi_deaths_occurrence") is not None:
            data.append(
                {"year": r["year"], "value": r["inegi_deaths_occurrence"], "series": i18n.t("inegi_occ_series", lang)}
            )
        if r["sesnsp_victims"] is not None and r.get("sesnsp_months") == 12:
            data.append({"year": r["year"], "value": r["sesnsp_victims"], "series": i18n.t("sesnsp_series", lang)})
    chart = (
        alt.Chart(_data(data))
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0, values=list(range(1990, 2031, 5)))),
            y=alt.Y("value:Q", title=None, axis=alt.Axis(format=",.0f"), scale=alt.Scale(zero=True)),
            color=alt.Color(
                "series:N",
                title=None,
                # each series its own colour, named (three series: the two INEGI bases and SESNSP)
                scale=alt.Scale(
                    domain=[i18n.t(k, lang) for k in ("inegi_series", "inegi_occ_series", "sesnsp_series")],
                    range=[MUTED, "#e0803a", ACCENT],
                ),
                legend=alt.Legend(orient="top-left", labelLimit=400),
            ),
        )
    )
    return render(_config(chart, 860, 260), lang)


def lines(
    rows: list[dict],
    lang: str,
    *,
    y_title: str,
    colour_title: str | None = None,
    width: int = 860,
    height: int = 240,
    fmt: str = ",.0f",
    colours: dict[str, str] | None = None,
) -> str:
    """Monthly lines, one per ``series`` (rows: period, value, series); ``colours`` pins a colour per series."""
    data = [
        {"period": r["period"].isoformat(), "value": r["value"], "series": r["series"]}
        for r in rows
        if r["value"] is not None
    ]
    many = len({r["series"] for r in rows}) > 1
    enc: dict[str, object] = {
        "x": alt.X("period:T", title=None, axis=alt.Axis(format="%Y", tickCount="year")),
        "y": alt.Y("value:Q", title=y_title, axis=alt.Axis(format=fmt), scale=alt.Scale(zero=True)),
    }
    if many:
        scale = (
            alt.Scale(domain=list(colours), range=list(colours.values()))
            if colours
            else alt.Scale(range=[ACCENT, INK, MUTED, "#d69e2e", "#2b6cb0"])
        )
        long_labels = max((len(str(r["series"])) for r in data), default=0) > 28
        enc["color"] = alt.Color(
            "series:N",
            title=colour_title,
            # long labels one per line: vl-convert measures text a little short, and labels in a row overlapped
            legend=alt.Legend(orient="top", labelLimit=400, columns=1 if long_labels else alt.Undefined),
            scale=scale,
        )
        mark = alt.Chart(_data(data)).mark_line(strokeWidth=1.8)
    else:
        mark = alt.Chart(_data(data)).mark_line(strokeWidth=2, color=ACCENT)
    return render(_config(mark.encode(**enc), width, height), lang)


def ccf(rows: list[dict], lang: str) -> str:
    """Cross-correlation bars by lag with the 95% band."""
    data = [
        {"lag": r["lag_months"], "r": r["value"], "lo": r["band_low"], "hi": r["band_high"]}
        for r in rows
        if r["value"] is not None
    ]
    base = alt.Chart(_data(data))
    band = base.mark_area(color="#e4e7eb").encode(
        x=alt.X("lag:Q", title=i18n.t("lag_months", lang)), y="lo:Q", y2="hi:Q"
    )
    bars = base.mark_bar(color=ACCENT, size=8).encode(
        x="lag:Q", y=alt.Y("r:Q", title="r", scale=alt.Scale(domain=[-1, 1]))
    )
    return render(_config(alt.layer(band, bars), 860, 200), lang)


def counterfactual(rows: list[dict], intervention: date, lang: str) -> str:
    """Observed monthly counts, the model's counterfactual and its 95% band after the intervention."""
    obs_label = i18n.t("observed_series", lang)
    cf_label = i18n.t("counterfactual_series", lang)
    data = [{"period": r["period"].isoformat(), "value": r["observed"], "series": obs_label} for r in rows]
    data += [
        {"period": r["period"].isoformat(), "value": r["expected"], "series": cf_label}
        for r in rows
        if r["period"] >= intervention
    ]
    band = [
        {"period": r["period"].isoformat(), "lo": r["lower"], "hi": r["upper"]}
        for r in rows
        if r["period"] >= intervention and r["lower"] is not None
    ]
    x = alt.X("period:T", title=None, axis=alt.Axis(format="%Y", tickCount="year"))
    area = alt.Chart(_data(band)).mark_area(color="#e4e7eb").encode(x=x, y="lo:Q", y2="hi:Q")
    line = (
        alt.Chart(_data(data))
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y(
                "value:Q",
                title=i18n.t("victims_per_month", lang),
                axis=alt.Axis(format=",.0f"),
                scale=alt.Scale(zero=False),
            ),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=[obs_label, cf_label], range=[ACCENT, INK]),
                legend=alt.Legend(orient="top", direction="horizontal"),
            ),
            strokeDash=alt.StrokeDash(
                "series:N", scale=alt.Scale(domain=[obs_label, cf_label], range=[[1, 0], [5, 3]]), legend=None
            ),
        )
    )
    rule = alt.Chart(_data([{"d": intervention.isoformat()}])).mark_rule(color=MUTED).encode(x="d:T")
    return render(_config(alt.layer(area, line, rule), 860, 280), lang)


def cooperation(rows: list[dict], ledger: list[dict], lang: str) -> str:
    """The smoothed cooperation share with the ledger's events as vertical rules."""
    data = [{"period": r["period"].isoformat(), "value": r["value"]} for r in rows if r["value"] is not None]
    first, last = rows[0]["period"], rows[-1]["period"]
    marks = [{"d": e["event_date"].isoformat()} for e in ledger if first <= e["event_date"] <= last]
    x = alt.X("period:T", title=None, axis=alt.Axis(format="%Y", tickCount="year"))
    line = (
        alt.Chart(_data(data))
        .mark_line(color=ACCENT, strokeWidth=2)
        .encode(x=x, y=alt.Y("value:Q", title=i18n.t("share", lang), axis=alt.Axis(format=".0%")))
    )
    layers = [line]
    if marks:
        layers.insert(0, alt.Chart(_data(marks)).mark_rule(color=MUTED, strokeDash=[3, 3]).encode(x="d:T"))
    return render(_config(alt.layer(*layers), 860, 240), lang)


def nowcast(rows: list[dict], lang: str) -> str:
    """The nowcast with its 90% band, month by month, beside what SESNSP published."""
    est, pub = i18n.t("nowcast_series", lang), i18n.t("published_series", lang)
    data = [{"period": r["period"].isoformat(), "value": r["value"], "series": est} for r in rows]
    data += [
        {"period": r["period"].isoformat(), "value": r["sesnsp_victims"], "series": pub}
        for r in rows
        if r["sesnsp_victims"] is not None
    ]
    band = [{"period": r["period"].isoformat(), "lo": r["low"], "hi": r["high"]} for r in rows]
    x = alt.X("period:T", title=None, axis=alt.Axis(format="%Y-%m", tickCount="month", labelAngle=-45))
    area = alt.Chart(_data(band)).mark_area(color="#e4e7eb").encode(x=x, y="lo:Q", y2="hi:Q")
    line = (
        alt.Chart(_data(data))
        .mark_line(strokeWidth=2, point=True)
        .encode(
            x=x,
            y=alt.Y(
                "value:Q",
                title=i18n.t("victims_per_month", lang),
                axis=alt.Axis(format=",.0f"),
                scale=alt.Scale(zero=False),
            ),  # fmt: skip
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=[pub, est], range=[ACCENT, INK]),
                legend=alt.Legend(orient="top", direction="horizontal", labelLimit=400),
            ),  # fmt: skip
            strokeDash=alt.StrokeDash(
                "series:N", scale=alt.Scale(domain=[pub, est], range=[[1, 0], [5, 3]]), legend=None
            ),  # fmt: skip
        )
    )
    return render(_config(alt.layer(area, line), 860, 260), lang)


def intervals(rows: list[dict], lang: str, *, x_title: str, value: str = "rank", reverse: bool = True) -> str:
    """One line per state: its 90% interval (``low``-``high``) and a point at its value, states in the rows' order."""
    data = [{"state": r["state"], "v": r[value], "lo": r["low"], "hi": r["high"]} for r in rows]
    order = [r["state"] for r in rows]
    y = alt.Y("state:N", sort=order, title=None, axis=alt.Axis(labelLimit=220, labelPadding=4))
    x = alt.X("lo:Q", title=x_title, scale=alt.Scale(reverse=reverse, zero=False), axis=alt.Axis(tickMinStep=1))
    base = alt.Chart(_data(data))
    rule = base.mark_rule(color=MUTED, strokeWidth=3).encode(y=y, x=x, x2="hi:Q")
    dot = base.mark_point(filled=True, color=ACCENT, size=40).encode(y=y, x="v:Q")
    return render(_config(alt.layer(rule, dot), 520, 14 * len(rows)), lang)


def stacked_years(rows: list[dict], parts: dict[str, str], lang: str, *, y_title: str) -> str:
    """Yearly bars stacked by part (``parts``: column -> label), missing parts left out."""
    data = [
        {"year": str(r["year"]), "value": r[c], "part": label}
        for r in rows
        for c, label in parts.items()
        if r.get(c) is not None
    ]
    colours = [INK, "#7b8794", ACCENT, "#d69e2e"][: len(parts)]
    chart = (
        alt.Chart(_data(data))
        .mark_bar()
        .encode(
            x=alt.X("year:O", title=None),
            y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=",.0f"), stack="zero"),
            color=alt.Color(
                "part:N",
                title=None,
                scale=alt.Scale(domain=list(parts.values()), range=colours),
                legend=alt.Legend(orient="top", columns=2, labelLimit=400),
            ),  # fmt: skip
            order=alt.Order("part:N"),
        )
    )
    return render(_config(chart, 860, 240), lang)
