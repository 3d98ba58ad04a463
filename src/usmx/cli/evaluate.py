"""``usmx evaluate``: interrupted time series, changepoints, synthetic control."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import pyarrow as pa
import typer

from .. import catalog
from ..api import Observatory
from ._output import DbOption, Format, JsonFormat, emit, out
from .indicators import ParamOption, StateOption, params

app = typer.Typer(
    help="Policy evaluation: interrupted time series, changepoints, synthetic control.", no_args_is_help=True
)


@app.command("its")
def its(
    indicator: Annotated[str, typer.Option(help="A monthly indicator (e.g. homicide_victims).")] = "homicide_victims",
    intervention: Annotated[str, typer.Option(help="First treated month, YYYY-MM.")] = "2024-10",
    state: StateOption = None,
    param: ParamOption = None,
    seed: Annotated[int, typer.Option(help="Seed of the simulations.")] = 0,
    pre_window: Annotated[int | None, typer.Option(help="Fit on this many months before the intervention only.")] = 60,
    format: JsonFormat = Format.table,
    db: DbOption = None,
) -> None:
    """Interrupted time series: the post-intervention change against a counterfactual, with a 95% interval, a
    state-space check and placebo-in-time ranking."""
    res = Observatory(db).evaluate(
        "its",
        indicator=indicator,
        state=state,
        params=params(None, None, param),
        intervention=intervention,
        seed=seed,
        pre_window=pre_window or None,
    )
    if format is Format.json:
        sys.stdout.write(json.dumps(res.to_dict(), indent=1, default=str) + "\n")
        return
    if format is Format.csv:
        emit(pa.Table.from_pandas(res.counterfactual.reset_index(names="period")), Format.csv, None)
        return
    lo, hi = res.effect_pct_ci
    where = f"state {state}" if state else "national"
    out.print(
        f"[bold]{indicator}[/] ({where}), intervention {res.intervention:%Y-%m}: {res.pre_months} months "
        f"before, {res.post_months} after",
        highlight=False,
    )
    out.print(
        f"  {res.model}: effect [bold]{res.effect_pct:+.1f}%[/] (95% interval {lo:+.1f}% to {hi:+.1f}%), "
        f"p = {res.p_value:.3g}; observed {res.observed_total:,.0f} vs expected {res.expected_total:,.0f}",
        highlight=False,
    )
    if res.second_model:
        s2 = res.second_model
        out.print(
            f"  {s2.model}: effect {s2.effect_pct:+.1f}% ({s2.effect_pct_ci[0]:+.1f}% to {s2.effect_pct_ci[1]:+.1f}%)",
            highlight=False,
        )
    if res.placebo_rank is not None:
        out.print(
            f"  placebo in time: the real effect ranks {res.placebo_rank} of {len(res.placebo_effects) + 1} by "
            f"absolute size (placebo p = {res.placebo_p_value:.2f})",
            highlight=False,
        )
    for n in res.notes:
        out.print(f"  note: {n}", highlight=False)
    out.print(f"  assumptions: {res.assumptions}", highlight=False)


@app.command("changepoints")
def changepoints(
    indicator: Annotated[str, typer.Option(help="A monthly indicator.")] = "homicide_victims",
    state: Annotated[str | None, typer.Option(help="One state; default: the nation and every state.")] = None,
    param: ParamOption = None,
    penalty_factor: Annotated[
        float, typer.Option(help="Penalty = factor x log(n) (2 = BIC; 3, the default, is stricter).")
    ] = 3.0,
    format: JsonFormat = Format.table,
    db: DbOption = None,
) -> None:
    """Changepoints (PELT, penalty 3 log n on the deseasonalised log series) with bootstrap intervals for dates."""
    obs = Observatory(db)
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
    emit(pa.Table.from_pylist(rows) if rows else pa.table({"state_code": pa.array([], pa.string())}), format, None)


@app.command("synth")
def synth(
    treated: Annotated[str, typer.Option(help="The treated state (code, abbreviation or name).")],
    intervention: Annotated[str, typer.Option(help="First treated month, YYYY-MM.")],
    group: Annotated[
        str, typer.Option(help="Crime group whose rate per 100,000 is the outcome.")
    ] = "intentional_homicide",
    format: JsonFormat = Format.table,
    db: DbOption = None,
) -> None:
    """Synthetic control with the other states as donors, placebo-in-space inference and the donor weights."""
    res = Observatory(db).evaluate("synth", treated=treated, intervention=intervention, group=group)
    if format is Format.json:
        sys.stdout.write(json.dumps(res.to_dict(), indent=1, default=str) + "\n")
        return
    names = catalog.state_names()
    out.print(
        f"[bold]Synthetic {names[res.treated]}[/], {group} rate per 100,000, intervention {res.intervention:%Y-%m}",
        highlight=False,
    )
    out.print(
        f"  effect {res.effect_pct:+.1f}% (average gap {res.avg_gap:+.2f}); pre-period RMSPE "
        f"{res.pre_rmspe:.2f}, post {res.post_rmspe:.2f}",
        highlight=False,
    )
    if res.p_value is not None:
        out.print(
            f"  placebo in space: rank {res.rank} of {int(res.placebo['included'].sum())} units, p = {res.p_value:.2f}",
            highlight=False,
        )
    weights = sorted(((names[k], v) for k, v in res.weights.items() if v > 0.005), key=lambda kv: -kv[1])
    out.print("  donor weights: " + ", ".join(f"{n} {w:.2f}" for n, w in weights), highlight=False)
    for n in res.notes:
        out.print(f"  note: {n}", highlight=False)
    out.print(f"  assumptions: {res.assumptions}", highlight=False)
