"""Integrity audit: did the data themselves move? Reclassification, revisions, INEGI gap, series breaks.

Reclassification test (per state and candidate category): the monthly ratio of candidate victims per 100
intentional-homicide victims after the intervention is compared with the same state's ratio over the
``window`` months before it, with a one-sided Mann-Whitney U test (post > pre); p-values are Holm-adjusted across
states for each candidate. A ratio that trends rises at any date, so the same comparison is also made at every
earlier date where its windows fit before the intervention (placebo in time): ``placebo_p`` is the share of those
dates whose post-over-pre rise (the Mann-Whitney AUC) is at least the real one's. And a ratio also rises when
homicides fall and the candidate does not move at all, so the candidate's own count must rise too, more than at
the earlier dates (``level_placebo_p``). A state is flagged when intentional homicides fell (post mean below pre
mean), the candidate ratio rose with an adjusted p-value below ``alpha``, and both the ratio's and the candidate's
own rise stand out from the earlier dates (each placebo p at most ``placebo_alpha``). A flag is a reason to look,
not proof: categories also move for legitimate reasons (new protocols, prosecutors' practice).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from .. import catalog, i18n
from .._db import one
from ..errors import UnknownNameError, UsmxError
from ._months import month_start

CANDIDATES = ["other_crimes_against_life", "culpable_homicide_non_traffic", "other_crimes_against_liberty"]


def _counts(table: pa.Table, group: str) -> pd.DataFrame:
    """Monthly counts by state (an indicator's ``period, state_code, total``), plus the nation as '00'."""
    t = table.to_pandas()
    t = t[["period", "state_code", "total"]].rename(columns={"total": group})
    nat = t.groupby("period", as_index=False)[group].sum()
    nat["state_code"] = "00"
    return pd.concat([t, nat])


def _ratio(candidate: np.ndarray, homicides: np.ndarray) -> np.ndarray:
    """Candidate victims per 100 homicide victims, month by month; months without homicides (or data) left out."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(homicides > 0, candidate / homicides * 100, np.nan)
    return r[~np.isnan(r)]


def _mean(x: np.ndarray) -> float:
    """The mean of the months with data (NaN for none), as pandas' ``mean`` skips missing values."""
    x = x[~np.isnan(x)]
    return float(x.mean()) if len(x) else float("nan")


def _holm(p: list[float]) -> list[float]:
    order = sorted(range(len(p)), key=lambda i: p[i])
    out = [0.0] * len(p)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - rank) * p[i]))
        out[i] = running
    return out


def reclassification(
    counts: dict[str, pa.Table], intervention: str, window: int = 36, alpha: float = 0.05, placebo_alpha: float = 0.05
) -> pa.Table:
    """Per state and candidate: ratios per 100 homicide victims before/after, test, Holm-adjusted p, flag.

    ``counts`` maps ``intentional_homicide`` and each of :data:`CANDIDATES` to its monthly victims by state (the
    output of ``crime_rate_per_100k`` with ``by=month, level=state, measure=victims``).
    """
    return _ratio_tests(counts, CANDIDATES, intervention, window, alpha, placebo_alpha)


def substitution(
    counts: dict[str, pa.Table], intervention: str, window: int = 36, alpha: float = 0.05, placebo_alpha: float = 0.05
) -> pa.Table:
    """Do disappearances rise where homicides fall? Per state: persons disappeared and not located (RNPDNO) per 100
    intentional-homicide victims (SESNSP), after the intervention against the state's own ``window`` months before,
    with the reclassification audit's test (one-sided Mann-Whitney, Holm across states).

    ``counts``: ``intentional_homicide`` (``crime_rate_per_100k`` by month and state, victims) and
    ``disappeared_not_located`` (``disappearances`` by ``state_month``: period, state_code, value). The register's
    recent months are right-censored (records keep arriving), which biases the post-period ratio down: a flag is
    found despite that bias, and a rise can be missed because of it.
    """
    missing = counts["disappeared_not_located"]
    if "total" not in missing.column_names:
        missing = missing.append_column("total", missing["value"])
    return _ratio_tests({**counts, "disappeared_not_located": missing}, ["disappeared_not_located"], intervention,
                        window, alpha, placebo_alpha)  # fmt: skip


def _auc(post: np.ndarray, pre: np.ndarray) -> float | None:
    """How far ``post`` lies above ``pre``: the share of (post, pre) pairs where post is larger (ties count half),
    the Mann-Whitney U over the number of pairs; None when either side has no month."""
    if not len(post) or not len(pre):
        return None
    diff = post[:, None] - pre[None, :]
    return float(((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size)


def _placebo_p(
    ratios: np.ndarray, real: int, window: int, post: int, observed: float | None
) -> tuple[float | None, int]:
    """The share of earlier dates (their ``window`` months before and ``post`` months after all before ``real``)
    whose rise is at least ``observed``, counting the real date: (p, how many earlier dates)."""
    if observed is None:
        return None, 0
    rises = []
    for k in range(window, real - post + 1):
        a, b = ratios[k - window : k], ratios[k : k + post]
        x = _auc(b[~np.isnan(b)], a[~np.isnan(a)])
        if x is not None:
            rises.append(x)
    if not rises:
        return None, 0
    return (1 + sum(x >= observed - 1e-12 for x in rises)) / (1 + len(rises)), len(rises)


def _ratio_tests(
    counts: dict[str, pa.Table],
    candidates: list[str],
    intervention: str,
    window: int,
    alpha: float,
    placebo_alpha: float = 0.05,
) -> pa.Table:
    from scipy.stats import mannwhitneyu

    t0 = month_start(intervention)
    base = _counts(counts["intentional_homicide"], "intentional_homicide")
    if base.empty:
        raise UsmxError("no SESNSP victims data loaded; run `usmx demo` or ingest an IDVFC_NM file.")
    frames = base
    for c in candidates:
        if counts[c].num_rows == 0:
            raise UsmxError(f"no {c.replace('_', ' ')} data loaded to compare with homicides.")
        frames = frames.merge(_counts(counts[c], c), on=["period", "state_code"], how="left")
    frames["period"] = pd.to_datetime(frames["period"])
    if frames["period"].max() < t0:
        raise UsmxError(f"the data end before the intervention ({intervention}).")
    pre = frames[(frames["period"] < t0) & (frames["period"] >= t0 - pd.DateOffset(months=window))]
    post = frames[frames["period"] >= t0]
    names = catalog.state_names() | {"00": i18n.t("national", "en")}  # data columns are in English
    # each state's months as arrays, split once (filtering the frames per state and candidate cost most of the time)
    cols = ["intentional_homicide", *candidates]
    split = {
        side: {
            code: {c: g[c].to_numpy(dtype=float, na_value=np.nan) for c in cols}
            for code, g in frame.groupby("state_code")
        }
        for side, frame in (("pre", pre), ("post", post))
    }
    empty = {c: np.array([], dtype=float) for c in cols}
    # each state's whole monthly series, for the placebo dates
    months = pd.DatetimeIndex(sorted(frames["period"].unique()))
    real = int(months.searchsorted(t0))
    n_post = int(len(months) - real)
    whole = {
        code: g.set_index("period").reindex(months)[cols].to_numpy(dtype=float, na_value=np.nan)
        for code, g in frames.groupby("state_code")
    }
    rows = []
    for cand in candidates:
        block = []
        for code in sorted(frames["state_code"].unique()):
            a, b = split["pre"].get(code, empty), split["post"].get(code, empty)
            ra, rb = _ratio(a[cand], a["intentional_homicide"]), _ratio(b[cand], b["intentional_homicide"])
            mean_a, mean_b = _mean(a["intentional_homicide"]), _mean(b["intentional_homicide"])
            hom_change = (mean_b / mean_a - 1) * 100 if mean_a else float("nan")
            p = float(mannwhitneyu(rb, ra, alternative="greater").pvalue) if len(ra) >= 6 and len(rb) >= 3 else 1.0
            w = whole[code]
            hom_all, cand_all = w[:, 0], w[:, cols.index(cand)]
            with np.errstate(divide="ignore", invalid="ignore"):
                ratios = np.where(hom_all > 0, cand_all / hom_all * 100, np.nan)
            placebo_p, placebo_dates = _placebo_p(ratios, real, window, n_post, _auc(rb, ra))
            level_a, level_b = a[cand][~np.isnan(a[cand])], b[cand][~np.isnan(b[cand])]
            level_p, _ = _placebo_p(cand_all, real, window, n_post, _auc(level_b, level_a))
            block.append(
                {
                    "state_code": code,
                    "state": names.get(code, code),
                    "candidate": cand,
                    "homicide_change_pct": float(hom_change),
                    "ratio_pre": float(ra.mean()) if len(ra) else None,
                    "ratio_post": float(rb.mean()) if len(rb) else None,
                    "months_pre": len(ra),
                    "months_post": len(rb),
                    "p_value": p,
                    "placebo_p": placebo_p,
                    "level_placebo_p": level_p,
                    "placebo_dates": placebo_dates,
                    "test": "Mann-Whitney U, one-sided (post ratio > pre ratio), Holm across states; placebo in time",
                }
            )
        adj = _holm([r["p_value"] for r in block])
        for r, p_adj in zip(block, adj):
            r["p_holm"] = p_adj
            r["ratio_change"] = (
                (r["ratio_post"] - r["ratio_pre"])
                if r["ratio_pre"] is not None and r["ratio_post"] is not None
                else None
            )
            stands_out = all(q is not None and q <= placebo_alpha for q in (r["placebo_p"], r["level_placebo_p"]))
            r["flagged"] = bool(
                r["homicide_change_pct"] < 0 and (r["ratio_change"] or 0) > 0 and p_adj < alpha and stands_out
            )
        rows += block
    return pa.Table.from_pylist(rows)


def revisions(
    con: duckdb.DuckDBPyConnection,
    table: str = "core_sesnsp__state_victims_monthly",
    old: int | None = None,
    new: int | None = None,
) -> pa.Table:
    """What changed between two releases of a table, per month and state: net and gross, in counts and percent.

    ``con`` is a (read-only) connection to the warehouse; ``old`` and ``new`` are load ids (default: the two newest
    vintages).
    """
    from ..warehouse import table_history

    spec = catalog.tables().get(table)
    revisable = [t for t, sp in catalog.tables().items() if _count_field(sp)]
    if spec is None:
        raise UnknownNameError(f"unknown table {table!r}; tables: {', '.join(catalog.tables())}.")
    value = _count_field(spec)
    if value is None:
        raise UsmxError(
            f"{table}: revisions compare monthly counts of crimes or persons by state or municipality, and this table "
            f"holds none; tables they apply to: {', '.join(revisable)}."
        )
    loads = [r for r in table_history(con, table) if r["vintage"] is not None]
    if old is None or new is None:
        if len(loads) < 2:
            others = [
                t for t in revisable if t != table and len([r for r in table_history(con, t) if r["vintage"]]) > 1
            ]
            hint = (
                f" Tables with two releases or more here: {', '.join(others)}; give one with --table."
                if others
                else " No table here has two releases yet."
            )
            raise UsmxError(
                f"{table} has {len(loads)} release(s) loaded; revisions need two (ingest an older or newer release "
                f"of the same file).{hint}"
            )
        old = old or loads[-2]["load_id"]
        new = new or loads[-1]["load_id"]
    unit = "municipality_code" if "municipality_code" in spec.columns else "state_code"
    keys = [k for k in spec.primary_key if k not in ("period", unit)]
    hist = spec.history_table
    q = f"""
    WITH o AS (SELECT * FROM {hist} WHERE load_id = {int(old)}),
         n AS (SELECT * FROM {hist} WHERE load_id = {int(new)}),
         j AS (SELECT coalesce(o.period, n.period) AS period, coalesce(o.{unit}, n.{unit}) AS {unit},
                      o.{value} AS old_value, n.{value} AS new_value
               FROM o FULL JOIN n ON o.period = n.period AND o.{unit} = n.{unit}
               {"".join(f" AND o.{k} = n.{k}" for k in keys)})
    SELECT period, {unit}, sum(old_value) AS old_total, sum(new_value) AS new_total,
           sum(coalesce(new_value, 0) - coalesce(old_value, 0)) AS net_change,
           sum(abs(coalesce(new_value, 0) - coalesce(old_value, 0))) AS gross_change,
           count(*) FILTER (coalesce(new_value, -1) <> coalesce(old_value, -1)) AS cells_changed
    FROM j WHERE period <= (SELECT max(period) FROM o) GROUP BY ALL HAVING gross_change > 0
    ORDER BY period, {unit}"""
    out = con.sql(q).to_arrow_table().to_pylist()
    for r in out:
        r["net_change_pct"] = (r["net_change"] / r["old_total"] * 100) if r["old_total"] else None
        r["old_load"], r["new_load"] = old, new
    if not out:
        return pa.table(
            {
                "period": pa.array([], pa.date32()),
                unit: pa.array([], pa.string()),
                "old_total": pa.array([], pa.int64()),
                "new_total": pa.array([], pa.int64()),
                "net_change": pa.array([], pa.int64()),
                "gross_change": pa.array([], pa.int64()),
                "cells_changed": pa.array([], pa.int64()),
                "net_change_pct": pa.array([], pa.float64()),
                "old_load": pa.array([], pa.int64()),
                "new_load": pa.array([], pa.int64()),
            }
        )
    return pa.Table.from_pylist(out)


def _count_field(spec: catalog.TableSpec) -> str | None:
    """The count a revision compares: a table with ``period``, a state or municipality, and a whole-number count of
    crimes or persons (None for other tables)."""
    if "period" not in spec.columns or not {"state_code", "municipality_code"} & set(spec.columns):
        return None
    return next((f.name for f in spec.fields if f.unit in ("crimes", "persons") and f.type == "BIGINT"), None)


def inegi_gap(by_state: pa.Table) -> pa.Table:
    """INEGI death-record homicides against SESNSP victims by state and year, where both cover the whole year (from
    the output of ``inegi_vs_sesnsp`` with ``by=state``). INEGI's deaths are counted by year of occurrence where a
    whole year of them is loaded (the months SESNSP counts), else by year of registration; ``inegi_basis`` says which.
    ``value`` is SESNSP's victims per INEGI death; ``gap`` INEGI's deaths less SESNSP's victims."""
    rows = []
    for r in by_state.to_pylist():
        occurrence = r.get("inegi_deaths_occurrence")
        deaths = occurrence if occurrence is not None else r["inegi_deaths"]
        if deaths is None or r["sesnsp_victims"] is None or r["sesnsp_months"] != 12:
            continue
        basis = "occurrence" if occurrence is not None else "registration"
        rows.append(
            {k: r[k] for k in ("year", "state_code", "sesnsp_victims", "sesnsp_months", "value")}
            | {"inegi_deaths": deaths, "inegi_basis": basis, "gap": deaths - r["sesnsp_victims"]}
        )
    schema = pa.schema(
        [
            ("year", pa.int32()),
            ("state_code", pa.string()),
            ("inegi_deaths", pa.int64()),
            ("inegi_basis", pa.string()),
            ("sesnsp_victims", pa.int64()),
            ("sesnsp_months", pa.int64()),
            ("value", pa.float64()),
            ("gap", pa.int64()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def breaks(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Every core series that crosses a series break (January 2015 method start, January 2026 split)."""
    rows = []
    for spec in catalog.tables().values():
        period = next((f.name for f in spec.fields if f.type == "DATE"), None)
        if period is None:
            continue
        lo, hi = one(con, f"SELECT min({period}), max({period}) FROM {spec.name}")
        if lo is None:
            continue
        for b in catalog.series_breaks():
            if spec.source not in b.sources:
                continue
            crosses = lo < b.date <= hi
            rows.append(
                {
                    "table": spec.name,
                    "break": b.key,
                    "break_date": b.date,
                    "first": lo,
                    "last": hi,
                    "crosses": crosses,
                    "note": (
                        b.label_en
                        if crosses
                        else "series starts at the break"
                        if lo == b.date
                        else "series ends before the break"
                        if hi < b.date
                        else "series starts after the break"
                    ),
                }
            )
    schema = pa.schema(
        [
            ("table", pa.string()),
            ("break", pa.string()),
            ("break_date", pa.date32()),
            ("first", pa.date32()),
            ("last", pa.date32()),
            ("crosses", pa.bool_()),
            ("note", pa.string()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


__all__ = ["reclassification", "revisions", "inegi_gap", "breaks"]
