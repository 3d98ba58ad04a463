"""The federal government's daily preliminary homicide count (SSPC / Gabinete de Seguridad), kind
``sspc_daily_homicides``.

Every morning the federal security cabinet publishes a PDF with the previous day's intentional-homicide victims:
the inter-institutional group's count by state (``gpo_interinstitucional``) and, for a time, a count from open
sources by municipality and sex (``fuentes_abiertas``). PADeCI (github.com/PADeCI/homicides-mx-data) transcribed
the PDFs into one CSV per day; usmx reads their archive (a tarball of ``data_raw/``) member by member:

- only the per-day files: the ``Monthly`` folders repeat the days (the repository's combined CSV double-counts);
- ``Total`` rows are the published national total: they are compared with the sum of the states and never stored
  (on the days they differ the load's notes say so); a national count published without states (the January-March
  2019 workbook) is stored as state ``00``, and a day never has both;
- a day filed twice (the archive has a 2020 day in a 2019 folder) is kept once when both copies agree and refused
  when they do not;
- the date in the cells must agree with the file's name (``ddmmyyyy.csv``);
- municipality names are matched to INEGI codes within their state (accents and case folded); names that match no
  municipality keep a NULL code and are counted in the notes;
- months with missing days are listed in the notes: a month's total from this count is only comparable when the
  month is complete.

Bad cells are named by archive member, line and column.
"""

from __future__ import annotations

import csv
import io
import re
import tarfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePosixPath

import pyarrow as pa

from .. import catalog, containers
from .._db import one
from ..checks import Check
from ..errors import CellError, HeaderError, UnknownFormatError
from ..rawstore import FileFacts, max_expanded_bytes
from ._base import Candidate, ParseContext, Staged, rows_of

SOURCE = "sspc"
LICENSE = (
    "Not stated (transcriptions by PADeCI of the federal government's daily homicide reports, which are public "
    "documents); fetched, only a small sample bundled"
)
URLS = {"sspc_daily_homicides": "https://github.com/PADeCI/homicides-mx-data/archive/refs/heads/master.tar.gz"}
KIND = "sspc_daily_homicides"
_NAME_DATE = re.compile(r"^(\d{2})(\d{2})(\d{4})\.csv$", re.IGNORECASE)
_WHOLE = re.compile(r"\d{1,9}(\.0+)?")


def detect(facts: FileFacts) -> list[Candidate]:
    if facts.container != "tar":
        return []
    folders = set(catalog.header_maps(SOURCE)["member_layouts"])
    if any(folders & set(PurePosixPath(m).parts) for m in facts.members):
        return [Candidate(KIND, {}, [], [], [])]
    return []


@dataclass
class _Rows:
    """Rows read from the archive, column by column, and what was noticed on the way."""

    seen: dict[tuple[str, date], tuple[str, list]] = field(default_factory=dict)  # (report, day) -> member, rows
    totals: dict[tuple[str, date], int] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    repeated_rows: int = 0
    skipped: Counter = field(default_factory=Counter)

    def add_day(self, report: str, day: date, member: str, rows: list[tuple]) -> None:
        key = (report, day)
        if key not in self.seen:
            self.seen[key] = (member, rows)
            return
        first, earlier = self.seen[key]
        if _national_only(rows) != _national_only(earlier):
            # a national total (the workbook) and a state breakdown of the same day: keep the states, compare the total
            total, states = (rows, (first, earlier)) if _national_only(rows) else (earlier, (member, rows))
            self.totals.setdefault(key, sum(c[0] for _, _, c in total))
            self.seen[key] = states
            return
        if sorted(earlier, key=repr) != sorted(rows, key=repr):
            raise UnknownFormatError(
                f"{member}: holds {report} for {day:%Y-%m-%d}, which {first} holds too, with different counts. "
                "The archive is inconsistent; keep one of the two files."
            )
        self.duplicates.append(f"{day:%Y-%m-%d} ({member.rsplit(':', 1)[-1]}, same as {first.rsplit(':', 1)[-1]})")

    def columns(self) -> dict[str, list]:
        """The rows, one per day and place (a municipality listed twice in a day's report counts once, summed)."""
        cols: dict[str, list] = defaultdict(list)
        for (report, day), (_, rows) in sorted(self.seen.items()):
            merged: dict[tuple, list] = {}
            for state, muni, counts in rows:
                k = (state, muni)
                if k in merged:
                    self.repeated_rows += 1
                    merged[k] = [None if a is None else a + (b or 0) for a, b in zip(merged[k], counts, strict=True)]
                else:
                    merged[k] = list(counts)
            for (state, muni), counts in merged.items():
                for name, value in (
                    ("day", day),
                    ("report", report),
                    ("state_code", state),
                    ("municipality_name", muni),
                ):
                    cols[name].append(value)
                for name, value in zip(_COUNTS, counts, strict=True):
                    cols[name].append(value)
        return cols


def _national_only(rows: list[tuple]) -> bool:
    return bool(rows) and all(state == "00" for state, _, _ in rows)


def parse(ctx: ParseContext, kind: str) -> Staged:
    spec = catalog.tables()[catalog.layouts(SOURCE)[kind].table]
    maps = catalog.header_maps(SOURCE)
    member_layouts = {
        report: catalog.Layout(report, spec.name, {k: tuple(v) for k, v in cols.items()})
        for report, cols in maps["member_layouts"].items()
    }
    national = {catalog.normalise(n) for n in maps["national"]}
    got = _Rows()
    with tarfile.open(ctx.facts.path, "r:*") as tf:
        for info in tf:
            if not info.isreg():
                continue
            parts = PurePosixPath(info.name).parts
            at = next((i for i, p in enumerate(parts) if p in member_layouts), None)
            report = parts[at] if at is not None else None
            lower = [p.lower() for p in parts]
            # the series' folders sit in data_raw/ (a repository archive may hold other copies elsewhere)
            if report is None or (at and parts[at - 1] != "data_raw"):
                got.skipped["outside the two series' folders"] += 1
                continue
            if "monthly" in lower:
                got.skipped["monthly roll-ups (they repeat the days)"] += 1
                continue
            member = f"{ctx.display}:{info.name}"
            data = containers.read_member(member, tf, info)
            if lower[-1].endswith(".xlsx"):
                _read_workbook(member, data, report, national, got)
            elif lower[-1].endswith(".csv"):
                _read_day(member, data, report, member_layouts[report], national, got)
            else:
                got.skipped["files that are neither CSV nor workbooks"] += 1
    cols = got.columns()
    if not got.seen:
        raise UnknownFormatError(
            f"{ctx.display}: the archive has no daily files under gpo_interinstitucional/ or fuentes_abiertas/."
        )
    table = pa.table(
        {
            "day": pa.array(cols["day"], pa.date32()),
            "report": pa.array(cols["report"], pa.string()),
            "state_code": pa.array(cols["state_code"], pa.string()),
            "municipality_name": pa.array(cols["municipality_name"], pa.string()),
            **{c: pa.array(cols[c], pa.int32()) for c in ("homicides", "male", "female", "unidentified")},
        }
    )
    ctx.con.register("_sspc_arrow", table)
    munis = _municipality_index()
    ctx.con.register(
        "_sspc_munis",
        pa.table({"state_code": [k[0] for k in munis], "key": [k[1] for k in munis], "code": list(munis.values())}),
    )
    ctx.con.execute(
        "CREATE OR REPLACE TEMP TABLE _sspc AS SELECT a.day, CAST(date_trunc('month', a.day) AS DATE) AS period, "
        "a.report, a.state_code, m.code AS municipality_code, a.municipality_name, a.homicides, a.male, a.female, "
        f"a.unidentified FROM _sspc_arrow a LEFT JOIN _sspc_munis m ON m.state_code = a.state_code "
        f"AND m.key = {catalog.NORMALISE_SQL('a.municipality_name')}"
    )
    ctx.con.unregister("_sspc_arrow")
    ctx.con.unregister("_sspc_munis")
    pmin, pmax = one(ctx.con, "SELECT min(period), max(period) FROM _sspc")
    return Staged(
        kind,
        spec,
        "_sspc",
        rows_of(spec, "_sspc"),
        scope=kind,
        vintage=pmax,
        period_min=pmin,
        period_max=pmax,
        checks=CHECKS,
        notes=_notes(ctx, got),
    )


def _read_day(member: str, data: bytes, report: str, layout: catalog.Layout, national: set[str], got: _Rows) -> None:
    text = data.decode("utf-8-sig") if _is_utf8(data) else data.decode("cp1252", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [c.strip() for c in next(reader, [])]
    mapping, unknown, missing = layout.match(header)
    if unknown or missing:
        raise HeaderError(member, unknown, missing, f"{KIND} ({report})")
    col = {name: i for i, name in mapping.items()}
    expected_day = _day_from_name(member)
    rows: list[tuple] = []
    day: date | None = None
    total: int | None = None
    for line, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise CellError(member, line, header[-1], ",".join(row), f"{len(header)} cells as in the header")
        cell_day = _parse_day(member, line, header[col["day"]], row[col["day"]])
        if expected_day is not None and cell_day != expected_day:
            raise CellError(
                member, line, header[col["day"]], row[col["day"]], f"the file's own date {expected_day:%Y-%m-%d}"
            )
        if day is not None and cell_day != day:
            raise CellError(member, line, header[col["day"]], row[col["day"]], f"one day per file ({day:%Y-%m-%d})")
        day = cell_day
        state_text = row[col["state"]].strip()
        # the victims' count is required; the sexes are blank in January 2019 (NULL: not published)
        counts = [
            _count(member, line, header[col[c]], row[col[c]], blank_ok=c != "homicides") if c in col else None
            for c in _COUNTS
        ]
        if catalog.normalise(state_text) in national:
            total = (total or 0) + (counts[0] or 0)
            continue
        state = catalog.state_code(state_text)
        if state is None:
            raise CellError(member, line, header[col["state"]], state_text, "a Mexican state's name")
        muni = row[col["municipality"]].strip() or None if "municipality" in col else None
        rows.append((state, muni, counts))
    if day is None:
        if expected_day is None:
            raise UnknownFormatError(f"{member}: the file has a header but no rows, and its name gives no date.")
        day = expected_day  # a day with no victims reported (the open-source series lists only places with some)
    if total is not None:
        got.totals[(report, day)] = total
    got.add_day(report, day, member, rows)


_COUNTS = ("homicides", "male", "female", "unidentified")


def _read_workbook(member: str, data: bytes, report: str, national: set[str], got: _Rows) -> None:
    """A workbook of national daily totals (``entidad, homicidios, fecha`` with ``Nacional`` rows): stored as state
    ``00``, one row per day."""
    with containers.open_workbook(member, data, max_expanded_bytes()) as wb:
        for ws in wb.worksheets:
            it = containers.sheet_rows(member, ws)
            header = [catalog.normalise(str(c or "")) for c in next(it, ())]
            if header[:3] != ["entidad", "homicidios", "fecha"]:
                raise HeaderError(f"{member}[{ws.title}]", [str(c) for c in header], [], f"{KIND} (national workbook)")
            for line, row in enumerate(it, start=2):
                if not row or all(c is None for c in row):
                    continue
                where = f"{member}[{ws.title}]"
                if catalog.normalise(str(row[0] or "")) not in national:
                    raise CellError(where, line, "entidad", str(row[0]), "'Nacional' (the workbook holds totals)")
                value = row[2]
                if isinstance(value, datetime):
                    day = value.date()
                else:
                    day = _parse_day(where, line, "fecha", str(value or ""))
                got.add_day(report, day, where, [("00", None, [_count(where, line, "homicidios", str(row[1])),
                                                               None, None, None])])  # fmt: skip


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _day_from_name(member: str) -> date | None:
    m = _NAME_DATE.match(PurePosixPath(member.rsplit(":", 1)[-1]).name)
    if not m:
        return None
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


def _parse_day(where: str, line: int, column: str, text: str) -> date:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError(where, line, column, text, "a date (YYYY-MM-DD or DD/MM/YY)")


def _count(where: str, line: int, column: str, text: str, blank_ok: bool = False) -> int | None:
    text = text.strip()
    if blank_ok and not text:
        return None
    if not _WHOLE.fullmatch(text):
        raise CellError(where, line, column, text, "a whole, non-negative number of victims ('4' or '4.0')")
    return int(float(text))


def _municipality_index() -> dict[tuple[str, str], str]:
    """(state code, normalised name) -> municipality code; a name two municipalities of a state share is left out."""
    index: dict[tuple[str, str], str] = {}
    clash: set[tuple[str, str]] = set()
    for code, (state, name) in catalog.municipalities().items():
        key = (state, catalog.normalise(name))
        if key in index:
            clash.add(key)
        index[key] = code
    return {k: v for k, v in index.items() if k not in clash}


def _notes(ctx: ParseContext, got: _Rows) -> list[str]:
    con = ctx.con
    notes = []
    for report, n_days, first, final, victims in con.execute(
        "SELECT report, count(DISTINCT day), min(day), max(day), sum(homicides) FROM _sspc GROUP BY 1 ORDER BY 1"
    ).fetchall():
        notes.append(f"{report}: {victims:,} victims on {n_days:,} days, {first:%Y-%m-%d} to {final:%Y-%m-%d}")
    gaps = con.execute(
        "SELECT report, strftime(period, '%Y-%m'), day(last_day(period)) - count(DISTINCT day) AS missing "
        "FROM _sspc GROUP BY report, period HAVING missing > 0 ORDER BY 1, 2"
    ).fetchall()
    if gaps:
        notes.append(
            "months with missing days (their totals undercount): "
            + "; ".join(f"{r} {m} ({k} missing)" for r, m, k in gaps)
        )
    sums = {
        (r, d): int(s)
        for r, d, s in con.execute("SELECT report, day, sum(homicides) FROM _sspc GROUP BY 1, 2").fetchall()
    }
    differ = [(k, t, sums.get(k, 0)) for k, t in sorted(got.totals.items()) if sums.get(k, 0) != t]
    notes.append(
        f"published Total rows on {len(got.totals):,} days, compared with the sum of the states and not stored"
        + (
            "; they differ on "
            + ", ".join(f"{d:%Y-%m-%d} (Total {t}, states {s})" for (_, d), t, s in differ)
            + " (the table keeps the states)"
            if differ
            else "; all agree"
        )
    )
    unmatched, unmatched_victims = one(
        con,
        "SELECT count(*), coalesce(sum(homicides), 0) FROM _sspc "
        "WHERE municipality_name IS NOT NULL AND municipality_code IS NULL",
    )
    if unmatched:
        notes.append(
            f"{unmatched:,} municipality rows ({unmatched_victims:,} victims) name no municipality of their state in "
            "INEGI's catalogue; kept with a NULL code"
        )
    if got.repeated_rows:
        notes.append(f"{got.repeated_rows:,} municipalities listed twice in one day's report; their counts were added")
    if got.duplicates:
        notes.append("days filed twice with identical counts, kept once: " + "; ".join(got.duplicates))
    for why, n in sorted(got.skipped.items()):
        notes.append(f"{n:,} files not read: {why}")
    return notes


CHECKS = [
    Check(
        "national_or_states",
        "SELECT report, day FROM _sspc GROUP BY 1, 2 "
        "HAVING bool_or(state_code = '00') AND bool_or(state_code <> '00') ORDER BY 2 LIMIT 3",
        lambda rows: (
            f"{rows[0][0]} on {rows[0][1]:%Y-%m-%d} has both a national count (00) and states; a day is one or the "
            "other, or the national total would be counted twice."
        ),
    ),
    Check(
        "sexes_within_total",
        "SELECT day, municipality_name, homicides, male + female + unidentified FROM _sspc "
        "WHERE male + female + unidentified > homicides ORDER BY 1 LIMIT 3",
        lambda rows: (
            f"on {rows[0][0]:%Y-%m-%d} {rows[0][1]} lists {rows[0][3]} victims by sex but {rows[0][2]} in all; the "
            "sexes cannot exceed the total."
        ),
    ),
]
