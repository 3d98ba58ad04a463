"""Named, declarative checks on a parsed file, run by one engine with one error format.

A check is a name, a SQL query that returns the *offending* rows (none = pass) and a sentence that words the failure
from those rows. Most checks are built from the catalogue, so every table gets them without code of its own:

- ``has_rows``: the file has data rows;
- ``keys_unique``: the table's primary key (or the grain the parser states) is unique;
- per field, from its constraints in catalog/fields.yaml: ``<field>_known`` (codes in INEGI's catalogue of states or
  municipalities), ``<field>_within_state`` (a municipality code starts with its state code), ``<field>_in_range``
  (min / max) and ``<field>_pattern`` (a regular expression the whole text matches).

A source declares its own checks only for what the catalogue cannot say (that months add up to a stated total, that
a panel is complete), as :class:`Check` objects beside its parser. :func:`run` runs them in order and raises
:class:`~usmx.errors.CheckError` at the first failure; nothing of the file is loaded then.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import duckdb

from . import catalog
from .errors import CheckError

Describe = Callable[[list[tuple]], str]


@dataclass(frozen=True)
class Check:
    """One named check: ``sql`` returns offending rows; ``describe(rows)`` says what is wrong in words."""

    name: str
    sql: str
    describe: Describe
    early: bool = False  # runs before the catalogue's key and code checks (for checks that the rows parsed at all)


def run(con: duckdb.DuckDBPyConnection, display: str, checks: Iterable[Check]) -> list[str]:
    """Run checks in order; return their names, or raise CheckError naming the file and the first that failed.

    The checks go to DuckDB as one query that returns the position of each failing check (one statement instead of
    one per check: most files pass every check, and each statement has a fixed cost). The first failing check is
    then run on its own for the rows its message quotes. If the combined query itself fails (a later check's SQL
    may not run on rows an earlier check would have refused), the checks run one by one, in order."""
    todo = list(checks)
    if not todo:
        return []
    combined = " UNION ALL ".join(f"SELECT {i} AS i WHERE EXISTS ({c.sql})" for i, c in enumerate(todo))
    try:
        row = con.execute(f"SELECT min(i) FROM ({combined})").fetchone()
        failed = row[0] if row else None
    except duckdb.InterruptException:
        raise  # Ctrl-C: the load must stop and roll back, not fall back to running the checks one by one
    except duckdb.Error:
        failed = 0  # run them one by one from the first: the failing check, or the error, surfaces in order
    if failed is not None:
        for check in todo[failed:]:
            rows = con.execute(check.sql).fetchall()
            if rows:
                raise CheckError(display, check.name, check.describe(rows))
    return [c.name for c in todo]


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def has_rows(relation: str) -> Check:
    return Check(
        "has_rows",
        f"SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM {relation})",
        lambda _: "the file has a header but no data rows.",
    )


def every_unit_every_period(
    relation: str, unit: str, period: str = "period", why: str = "", *, early: bool = False
) -> Check:
    """A complete panel: each unit (state, jurisdiction) has a row for every period that any unit has. ``why``: what
    a gap would break, added to the message."""

    def describe(rows: list[tuple]) -> str:
        u, p = rows[0]
        return f"state {u} has no row for {p:%Y-%m} while other states do{why}; the file looks truncated or edited."

    return Check(
        "every_state_every_month",
        f"WITH s AS (SELECT DISTINCT {unit} AS u FROM {relation}), p AS (SELECT DISTINCT {period} AS p FROM "
        f"{relation}) SELECT sp.u, sp.p FROM (SELECT * FROM s, p) sp ANTI JOIN {relation} x ON x.{unit} = sp.u "
        f"AND x.{period} = sp.p ORDER BY 2, 1 LIMIT 3",
        describe,
        early=early,
    )


def keys_unique(relation: str, keys: Sequence[str], *, label: Callable[[tuple], object] | None = None) -> Check:
    cols = ", ".join(keys)

    def describe(rows: list[tuple]) -> str:
        key = label(rows[0][:-1]) if label else rows[0][:-1]
        return (
            f"{len(rows)}+ duplicated rows, e.g. {key} appears {rows[0][-1]} times ({', '.join(keys)} must be unique)."
        )

    return Check(
        "keys_unique", f"SELECT {cols}, count(*) FROM {relation} GROUP BY ALL HAVING count(*) > 1 LIMIT 3", describe
    )


def field_checks(field: catalog.Field, relation: str) -> list[Check]:
    """The checks a field's constraints imply, on a relation that has the field as a column."""
    rules = field.rules
    col = field.name
    out: list[Check] = []
    ref = rules.get("references")
    null = "FALSE" if rules.get("nullable") else f"{col} IS NULL"  # nullable: a code that could not be resolved
    if ref == "states":
        also = list(rules.get("also", ()))
        extra = f" AND {col} NOT IN ({', '.join(map(_q, also))})" if also else ""
        out.append(
            Check(
                f"{col}_known",
                f"SELECT DISTINCT {col} FROM {relation} WHERE {null} OR ({col} NOT IN "
                f"(SELECT state_code FROM cat_states){extra}) ORDER BY 1 LIMIT 5",
                lambda rows: (
                    f"state codes {[r[0] for r in rows]} are not INEGI state codes 01-32"
                    + (f" (nor {', '.join(also)})" if also else "")
                    + "."
                ),
            )
        )
    elif ref == "municipalities":
        out.append(
            Check(
                f"{col}_known",
                f"SELECT DISTINCT {col} FROM {relation} WHERE {null} OR ({col} NOT IN "
                f"(SELECT municipality_code FROM cat_municipalities) AND right({col}, 3) NOT IN "
                "('996', '997', '998', '999') AND left({col}, 2) <= '32') ORDER BY 1 LIMIT 5".replace("{col}", col),
                lambda rows: (
                    f"municipality codes {[r[0] for r in rows]} are not in INEGI's Marco Geoestadístico "
                    "(catalog/municipalities.csv) nor its 996-999 'unspecified' codes."
                ),
            )
        )
    within = rules.get("within_state")
    if within:
        out.append(
            Check(
                f"{col}_within_state",
                f"SELECT DISTINCT {within}, {col} FROM {relation} WHERE left({col}, 2) <> {within} LIMIT 3",
                lambda rows: f"municipality codes whose first two digits differ from their state code: {rows}.",
            )
        )
    lo, hi = rules.get("min"), rules.get("max")
    if lo is not None or hi is not None:
        conds = ([f"{col} < {lo}"] if lo is not None else []) + ([f"{col} > {hi}"] if hi is not None else [])
        bounds = (
            f"between {lo} and {hi}"
            if lo is not None and hi is not None
            else f"at least {lo}"
            if lo is not None
            else f"at most {hi}"
        )
        out.append(
            Check(
                f"{col}_in_range",
                f"SELECT DISTINCT {col} FROM {relation} WHERE {' OR '.join(conds)} ORDER BY 1 LIMIT 5",
                lambda rows: f"{col} values {[r[0] for r in rows]} are not {bounds}.",
            )
        )
    pattern = rules.get("pattern")
    if pattern:
        re.compile(pattern)  # a catalogue typo fails here, not in DuckDB
        out.append(
            Check(
                f"{col}_pattern",
                f"SELECT DISTINCT {col} FROM {relation} WHERE NOT regexp_full_match({col}, {_q(pattern)}) LIMIT 5",
                lambda rows: f"{col} values {[r[0] for r in rows]} do not match {pattern!r}.",
            )
        )
    return out


def for_table(
    spec: catalog.TableSpec,
    relation: str,
    columns: Iterable[str],
    *,
    grain: Sequence[str] | None = None,
    key_label: Callable[[tuple], object] | None = None,
    source_checks: Sequence[Check] = (),
) -> list[Check]:
    """Every check for a staged relation with ``columns``, in the order they run: rows present, the source's early
    checks, unique keys, the fields' constraints, then the source's other checks.

    ``grain`` is the key that must be unique in the relation (default: the table's primary key; a parser that stages
    wide rows states the equivalent wide grain). Field constraints apply to the fields the relation has.
    """
    present = set(columns)
    out = [
        has_rows(relation),
        *(c for c in source_checks if c.early),
        keys_unique(relation, list(grain or spec.primary_key), label=key_label),
    ]
    for f in spec.fields:
        if f.name in present:
            out += field_checks(f, relation)
    return out + [c for c in source_checks if not c.early]
