"""``usmx audit``: reclassification, revisions, the INEGI gap, series breaks."""

from __future__ import annotations

from typing import Annotated

import typer

from ._output import STRATEGY_DEFAULT, DbOption, Format, FormatOption, OutputOption, emit, observatory

app = typer.Typer(
    rich_markup_mode=None,  # plain help: rich's help formatter alone took a third of `usmx --help`
    help="Data-integrity audit: reclassification, revisions, INEGI gap, series breaks.",
    no_args_is_help=True,
)


InterventionOption = Annotated[str | None, typer.Option(help="First month of the period examined. " + STRATEGY_DEFAULT)]
WindowOption = Annotated[int, typer.Option(help="Months before the intervention used as each state's history.")]
FlaggedOption = Annotated[bool, typer.Option("--flagged-only", help="Only flagged rows.")]
#: the columns a person reads (json, csv and parquet give every column)
_RATIO_COLUMNS = ["state_code", "state", "homicide_change_pct", "ratio_pre", "ratio_post", "p_holm", "placebo_p",
                  "level_placebo_p", "flagged"]  # fmt: skip


def _ratio_audit(
    kind: str, intervention: str | None, window: int, flagged_only: bool, format, output, db, cols, why
) -> None:
    """The reclassification and substitution audits: the same test, the same table."""
    import pyarrow.compute as pc

    t = observatory(db).audit(kind, intervention=intervention, window=window)
    if flagged_only:
        t = t.filter(pc.equal(t["flagged"], True))
    emit(t.select(cols) if format is Format.table else t, format, output, empty=why if flagged_only else None)


@app.command("reclassification")
def reclassification(
    intervention: InterventionOption = None,
    window: WindowOption = 36,
    flagged_only: FlaggedOption = False,
    format: FormatOption = Format.table,
    output: OutputOption = None,
    db: DbOption = None,
) -> None:
    """Do other categories rise where homicides fall? Ratios per 100 homicide victims, tested per state, and the
    same rise at every earlier date (placebo_p; level_placebo_p for the category's own count): a flag needs both to
    stand out, so that a trend is not read as a change at the date."""
    cols = [*_RATIO_COLUMNS[:2], "candidate", *_RATIO_COLUMNS[2:]]
    _ratio_audit("reclassification", intervention, window, flagged_only, format, output, db, cols,
                 "no state and candidate is flagged.")  # fmt: skip


@app.command("substitution")
def substitution(
    intervention: InterventionOption = None,
    window: WindowOption = 36,
    flagged_only: FlaggedOption = False,
    format: FormatOption = Format.table,
    output: OutputOption = None,
    db: DbOption = None,
) -> None:
    """Do disappearances rise where homicides fall? Persons disappeared and not located (RNPDNO) per 100 homicide
    victims (SESNSP), after the intervention against each state's own history, tested per state, and against the
    same rise at every earlier date (placebo in time): a trend is not a change."""
    _ratio_audit("substitution", intervention, window, flagged_only, format, output, db, _RATIO_COLUMNS,
                 "no state is flagged.")  # fmt: skip


@app.command("revisions")
def revisions(
    table: Annotated[str, typer.Option(help="Core table.")] = "core_sesnsp__state_victims_monthly",
    old: Annotated[int | None, typer.Option(help="load_id of the older release (default: second newest).")] = None,
    new: Annotated[int | None, typer.Option(help="load_id of the newer release (default: newest).")] = None,
    format: FormatOption = Format.table,
    output: OutputOption = None,
    db: DbOption = None,
) -> None:
    """What changed between two releases of the same table: months and states, net and gross."""
    changed = observatory(db).audit("revisions", table=table, old=old, new=new)
    emit(changed, format, output, empty="the two releases agree on every cell they share.")


@app.command("inegi-gap")
def inegi_gap(format: FormatOption = Format.table, output: OutputOption = None, db: DbOption = None) -> None:
    """INEGI death-record homicides (by year of occurrence where loaded, else of registration) against SESNSP
    victims, by state and year, where both cover a whole year."""
    why = (
        "no year has a whole year of both sources loaded: SESNSP's victims start in 2015; ingest INEGI's deaths by "
        "occurrence (`usmx ingest` of the INEGI occurrence export) or by registration for 2015 or later."
    )
    emit(observatory(db).audit("inegi-gap"), format, output, empty=why)


@app.command("breaks")
def breaks(format: FormatOption = Format.table, output: OutputOption = None, db: DbOption = None) -> None:
    """Series breaks (January 2015 method start, January 2026 attempted-homicide split) each series crosses."""
    emit(observatory(db).audit("breaks"), format, output, empty="no loaded series crosses a known break.")
