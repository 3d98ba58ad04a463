"""``usmx evaluate``: interrupted time series, changepoints, synthetic control."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from .. import catalog
from ._output import STRATEGY_DEFAULT, DbOption, Format, FormatOption, OutputOption, emit, err, observatory, write_text
from .indicators import ParamOption, StateOption, params

app = typer.Typer(
    rich_markup_mode=None,  # plain help: rich's help formatter alone took a third of `usmx --help`
    help="Policy evaluation: interrupted time series, changepoints, synthetic control, the nowcast backtest, "
    "the indices' sensitivity.",
    no_args_is_help=True,
)


def _machine_output(res, monthly, format: Format, output) -> bool:
    """json: the whole result; csv or parquet: its month-by-month frame. False for the table (people's) summary."""
    import pandas as pd
    import pyarrow as pa

    if format is Format.json:
        write_text(json.dumps(res.to_dict(), indent=1, default=str), output)
        return True
    if format in (Format.csv, Format.parquet):
        frame = monthly.reset_index(names="period")
        frame["period"] = pd.to_datetime(frame["period"]).dt.date
        emit(pa.Table.from_pandas(frame, preserve_index=False), format, output)
        return True
    return False


@app.command("its")
def its(
    indicator: Annotated[str, typer.Option(help="A monthly indicator (e.g. homicide_victims).")] = "homicide_victims",
    intervention: Annotated[str | None, typer.Option(help="First treated month, YYYY-MM. " + STRATEGY_DEFAULT)] = None,
    state: StateOption = None,
    param: ParamOption = None,
    seed: Annotated[int, typer.Option(help="Seed of the simulations.")] = 0,
    pre_window: Annotated[
        int, typer.Option(help="Fit on this many months before the intervention (0: every month before it).")
    ] = 60,
    format: FormatOption = Format.table,
    output: OutputOption = None,
    db: DbOption = None,
) -> None:
    """Interrupted time series: the post-intervention change against a counterfactual, with a 95% interval, a
    state-space check and placebo-in-time ranking. csv and parquet give the counterfactual month by month."""

    res = observatory(db).evaluate(
        "its",
        indicator=indicator,
        state=state,
        params=params(None, None, param),
        intervention=intervention,
        seed=seed,
        pre_window=pre_window or None,
    )
    if _machine_output(res, res.counterfactual, format, output):
        return
    lo, hi = res.effect_pct_ci
    where = f"state {state}" if state else "national"
    rank = (
        f"; placebo rank {res.placebo_rank} of {len(res.placebo_effects) + 1} (placebo p = {res.placebo_p_value:.2f})"
        if res.placebo_rank is not None
        else ""
    )
    lines = [
        f"{indicator} ({where}), intervention {res.intervention:%Y-%m}: {res.pre_months} months before, "
        f"{res.post_months} after",
        f"  effect {res.effect_pct:+.1f}% (95% interval {lo:+.1f}% to {hi:+.1f}%, p = {res.p_value:.2g}){rank}",
        f"  observed {res.observed_total:,.0f} vs expected {res.expected_total:,.0f} ({res.model})",
    ]
    if res.second_model:
        s2 = res.second_model
        lines.append(
            f"  check, {s2.model}: {s2.effect_pct:+.1f}% ({s2.effect_pct_ci[0]:+.1f}% to {s2.effect_pct_ci[1]:+.1f}%)"
        )
    lines += [f"  note: {n}" for n in res.notes]
    lines.append(
        "  what this can and cannot say: it compares the months after the intervention with what the months before "
        "predict; it cannot tell the intervention from anything else that changed then (other policies, "
        "reclassification: see `usmx audit reclassification`), and a placebo rank near the top is what would make "
        "the change stand out from the series' usual swings."
    )
    lines.append(f"  assumptions: {res.assumptions}")
    write_text("\n".join(lines), output)


@app.command("changepoints")
def changepoints(
    indicator: Annotated[str, typer.Option(help="A monthly indicator.")] = "homicide_victims",
    state: Annotated[str | None, typer.Option(help="One state; default: the nation and every state.")] = None,
    param: ParamOption = None,
    penalty_factor: Annotated[
        float, typer.Option(help="Penalty = factor x log(n) (2 = BIC; 3, the default, is stricter).")
    ] = 3.0,
    format: FormatOption = Format.table,
    output: OutputOption = None,
    db: DbOption = None,
) -> None:
    """Changepoints (PELT, penalty 3 log n on the deseasonalised log series) with bootstrap intervals for dates."""
    import pyarrow as pa

    obs = observatory(db)
    units = [state] if state else [None, *catalog.states()]
    rows = []
    for u in units:
        found = obs.evaluate(
            "changepoints",
            indicator=indicator,
            state=u,
            params=params(None, None, param),
            penalty_factor=penalty_factor,
        )
        for c in found:
            rows.append(
                {
                    "state_code": catalog.state_code(u) if u else "00",
                    "date": c.date.date(),
                    "lower": c.lower.date(),
                    "upper": c.upper.date(),
                    "support": c.support,
                    "level_before": c.level_before,
                    "level_after": c.level_after,
                    "change_pct": c.change_pct,
                }
            )
    table = pa.Table.from_pylist(rows) if rows else pa.table({"state_code": pa.array([], pa.string())})
    emit(table, format, output, empty="no changepoint passes the penalty (try a lower --penalty-factor).")


@app.command("synth")
def synth(
    treated: Annotated[str, typer.Option(help="The treated state (code, abbreviation or name).")],
    intervention: Annotated[str, typer.Option(help="First treated month, YYYY-MM.")],
    group: Annotated[
        str, typer.Option(help="Crime group whose rate per 100,000 is the outcome (English key or Spanish name).")
    ] = "intentional_homicide",
    format: FormatOption = Format.table,
    output: OutputOption = None,
    db: DbOption = None,
) -> None:
    """Synthetic control with the other states as donors, placebo-in-space inference and the donor weights.
    csv and parquet give the treated and synthetic series month by month."""

    res = observatory(db).evaluate("synth", treated=treated, intervention=intervention, group=group)
    if _machine_output(res, res.series, format, output):
        return
    names = catalog.state_names()
    lines = [
        f"Synthetic {names[res.treated]}, {group} rate per 100,000, intervention {res.intervention:%Y-%m}",
        f"  effect {res.effect_pct:+.1f}% (average gap {res.avg_gap:+.2f}); pre-period RMSPE {res.pre_rmspe:.2f}, "
        f"post {res.post_rmspe:.2f}",
    ]
    if res.p_value is not None:
        lines.append(
            f"  placebo in space: rank {res.rank} of {int(res.placebo['included'].sum())} units, p = {res.p_value:.2f}"
        )
    weights = sorted(((names[k], v) for k, v in res.weights.items() if v > 0.005), key=lambda kv: -kv[1])
    lines.append("  donor weights: " + ", ".join(f"{n} {w:.2f}" for n, w in weights))
    lines += [f"  note: {n}" for n in res.notes]
    lines.append(f"  assumptions: {res.assumptions}")
    write_text("\n".join(lines), output)


@app.command("nowcast-backtest")
def nowcast_backtest(
    window: Annotated[int, typer.Option(help="Months of history the ratio is estimated from.")] = 6,
    as_of_day: Annotated[
        int | None, typer.Option(help="Nowcast each month as if known only to this day (1-28); default: whole.")
    ] = None,
    format: FormatOption = Format.table,
    output: OutputOption = None,
    db: DbOption = None,
) -> None:
    """Score the homicide nowcast: every month with both the daily count and SESNSP's victims is nowcast from the
    months before it only. Prints the median absolute percentage error and the 90% interval's coverage; json gives
    them with every month, csv and parquet the months."""
    import pyarrow as pa

    obs = observatory(db)
    res = obs.evaluate("nowcast-backtest", window=window, as_of_day=as_of_day)
    if not res.months:  # say why on stderr, as every empty result does; stdout keeps only results
        why = (obs.indicator("homicide_nowcast", window=window).schema.metadata or {}).get(b"empty", b"").decode()
        err.print(f"nothing to score: {why or 'no month has both series and the months before it.'}", highlight=False)
    if format is Format.json:
        write_text(json.dumps(res.to_dict(), indent=1, default=str), output)
        return
    if format in (Format.csv, Format.parquet):
        emit(pa.Table.from_pylist(res.rows), format, output)
        return
    if not res.months:
        return
    first, last = res.rows[0]["period"], res.rows[-1]["period"]
    when = f"as of day {as_of_day}" if as_of_day else "whole months"
    lines = [
        f"Nowcast of SESNSP intentional-homicide victims from the daily count ({when}, ratio over {window} months):",
        f"  {res.months} months, {first:%Y-%m} … {last:%Y-%m}: median absolute error {res.median_ape_pct:.2f}%, "
        f"90% interval held the published figure in {res.coverage_90:.0%} of months",
        "  targets: median error at most 5%; coverage between 80% and 97% (an interval that always holds is too wide)",
    ]
    write_text("\n".join(lines), output)


@app.command("sensitivity")
def sensitivity(
    index: Annotated[str, typer.Option(help="peace_index or capture_index.")] = "capture_index",
    year: Annotated[int | None, typer.Option(help="The year (default: the newest with every component).")] = None,
    format: FormatOption = Format.table,
    output: OutputOption = None,
    db: DbOption = None,
) -> None:
    """Uncertainty and sensitivity analysis of a composite index: over normalisation, aggregation and weighting
    choices (a Sobol' sample of at least 1,000 configurations), the Sobol' first-order and total indices of the mean
    rank shift, and whether one component explains most of the index's variance."""
    res = observatory(db).evaluate("sensitivity", name=index, year=year)
    if format is not Format.table:
        write_text(json.dumps(res, indent=1, default=str), output)
        return
    lines = [
        f"{index} ({res['year']}), {res['configurations']:,} configurations; output: {res['output']}",
        f"  {'factor':<34}{'first-order':>12}{'total':>10}",
    ]
    lines += [f"  {f:<34}{res['sobol_first'][f]:>12.3f}{res['sobol_total'][f]:>10.3f}" for f in res["factors"]]
    shares = ", ".join(f"{c} {s:.0%}" for c, s in res["component_shares"].items())
    lines.append(f"  share of the index's variance across states explained by each component: {shares}")
    dom = res["dominant_component"]
    lines.append(
        f"  dominance check: {dom} explains more than half; the index is mostly that component"
        if dom
        else "  dominance check: no component explains more than half of the index's variance"
    )
    if res["missing_components"]:
        lines.append(f"  left out (not in the warehouse): {', '.join(res['missing_components'])}")
    write_text("\n".join(lines), output)


def _num(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:,.{digits}g}" if abs(x) < 1 else f"{x:,.1f}"


@app.command("cooperation")
def cooperation(
    window: Annotated[int, typer.Option(help="Months compared on each side of each key date.")] = 24,
    correlation: Annotated[
        bool, typer.Option("--correlation", help="csv/parquet: write the news-against-counts correlation instead.")
    ] = False,
    format: FormatOption = Format.table,
    output: OutputOption = None,
    db: DbOption = None,
) -> None:
    """Cooperation before and after the ledger's key dates (December 2018, December 2020, October 2024,
    January-February 2025): each scorecard component's yearly rate (or the news share) in WINDOW months before and
    after, with 95% intervals and the after/before ratio; and how far GDELT's reported cooperation follows the
    counted acts, year by year (Pearson's r with its interval, Spearman's rho). json gives both; csv and parquet
    the event studies (or, with --correlation, the correlation)."""
    res = observatory(db).evaluate("cooperation", window=window)
    studies, corr = res["event_studies"], res["correlation"]
    if format is Format.json:
        doc = {k: v.to_pylist() for k, v in res.items()}
        write_text(json.dumps(doc, indent=1, default=str), output)
        return
    if format in (Format.csv, Format.parquet):
        emit(corr if correlation else studies, format, output)
        return
    lines = [f"Cooperation before and after each key date ({window} months a side; 95% intervals):"]
    for r in studies.to_pylist():
        if r["component"] == studies.column("component")[0].as_py():
            lines.append(f"\n{r['date']:%Y-%m-%d}  {r['event_en']}")
        if r["before"] is None:
            lines.append(f"  {r['component']:<24} not measurable: {r['months_before']:g} months observed before, "
                         f"{r['months_after']:g} after")  # fmt: skip
            continue
        ratio = (
            f"ratio {_num(r['ratio'])} [{_num(r['ratio_low'])}, {_num(r['ratio_high'])}]"
            if r["ratio"] is not None
            else ""
        )
        lines.append(
            f"  {r['component']:<24} {_num(r['before'])} [{_num(r['before_low'])}, {_num(r['before_high'])}] -> "
            f"{_num(r['after'])} [{_num(r['after_low'])}, {_num(r['after_high'])}] {r['unit']}  {ratio}  "
            f"{r['finding']}" + ("  (named events: a floor)" if r["basis"] == "named_events" else "")
        )
    lines.append("\nReported (GDELT share) against counted cooperation, by year:")
    for r in corr.to_pylist():
        if r["pearson"] is None:
            lines.append(f"  {r['component']:<24} {r['note']}")
        else:
            lines.append(
                f"  {r['component']:<24} r = {r['pearson']:.2f} [{r['low']:.2f}, {r['high']:.2f}], "
                f"Spearman {r['spearman']:.2f}, n = {r['n']} ({r['years']})"
            )
    lines.append(
        "\nWhat this can and cannot say: counts of acts are few and lumpy (batches of people), so the exact Poisson "
        "intervals understate the uncertainty; a component read from named ledger events is a floor, not a total; "
        "the news share measures coverage, not cooperation; a change at a date is not caused by what happened "
        "on it."
    )
    write_text("\n".join(lines), output)
