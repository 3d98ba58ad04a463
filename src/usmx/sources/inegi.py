"""INEGI mortality statistics: homicide deaths by municipality of occurrence and month of registration.

The files are exports of INEGI's online cubes ("Consulta interactiva de datos"), one per registration year, and are
not tidy CSV: five title rows (one of them says the year), a header with a trailing empty column, a national
``Total`` row, state subtotal rows whose code cell is the spreadsheet artefact ``=CONCATENAR(0,01)``, municipality
rows coded ``" 01 001 "``, thousands separators, empty cells meaning zero, and a ``FUENTE`` footer. Subtotals are
not stored; a check proves the stored rows add up to them and to the national total.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .. import catalog
from .._db import one
from ..catalog import MONTHS
from ..checks import Check
from ..errors import CellError, UnknownFormatError
from ..rawstore import FileFacts, open_text
from ._base import Candidate, ParseContext, Staged, header_row, rows_of

SOURCE = "inegi"
LICENSE = "Libre Uso MX (INEGI, Estadísticas de mortalidad)"
URLS = {
    # Cube exports have no stable download URL: build the query (Defunciones por homicidio, rows: entidad y
    # municipio de ocurrencia, columns: mes de registro, filter: año de registro) and export CSV.
    "inegi_homicide_deaths": "https://www.inegi.org.mx/sistemas/olap/proyectos/bd/continuas/mortalidad/defuncioneshom.asp",
    # the tabulation by month of occurrence (Gargiulo, Aburto and Floridi 2024), from its repository
    "inegi_homicide_occurrence_state": "https://raw.githubusercontent.com/thegargiulian/mexico-homicide-rates/6869d42f/"
    "data/mexico-state-month-homicide-rates-2000-2022.csv",
    "inegi_homicide_occurrence_municipal": "https://raw.githubusercontent.com/thegargiulian/mexico-homicide-rates/"
    "6869d42f/data/mexico-muni-month-homicide-rates-2000-2021.csv",
}
#: kinds whose licence differs from the source's
LICENSES = dict.fromkeys(
    ("inegi_homicide_occurrence_state", "inegi_homicide_occurrence_municipal"),
    "CC BY 4.0 (Gargiulo, Aburto, Floridi 2024, doi:10.17605/OSF.IO/U8DC3)",
)
KIND = "inegi_homicide_deaths"
_MUN_CODE = re.compile(r"^\s*(\d{1,2})\s+(\d{1,3})\s*$")
_SUBTOTAL = re.compile(r"^=CONCATENAR\(\s*0?\s*,\s*(\d{1,2})\s*\)\s*$", re.IGNORECASE)
_YEAR = re.compile(r"(\d{4})")


OCCURRENCE_KIND = "inegi_homicide_occurrence_state"
OCCURRENCE_MUNICIPAL_KIND = "inegi_homicide_occurrence_municipal"


def detect(facts: FileFacts) -> list[Candidate]:
    layout = catalog.layouts(SOURCE)[KIND]
    head = catalog.normalise(facts.head[:2000])
    if any(catalog.normalise(t) in head for t in layout.extra["title_contains"]):
        return [Candidate(KIND, {0: "title"}, [], [], [])]
    # the state x month-of-occurrence tabulation has a plain header (sources/inegi_occurrence.py)
    header, _ = header_row(facts)
    out = []
    for kind in (OCCURRENCE_KIND, OCCURRENCE_MUNICIPAL_KIND):
        mapping, unknown, missing = catalog.layouts(SOURCE)[kind].match(header)
        if mapping:
            out.append(Candidate(kind, mapping, unknown, missing, header))
    return out


def _header(ctx: ParseContext, rows: list[list[str]], layout: catalog.Layout) -> tuple[int, int]:
    """The registration year (from the titles) and the index of the header row."""
    year = None
    year_titles = [catalog.normalise(t) for t in layout.extra["year_title"]]
    for i, row in enumerate(rows[:20]):
        cell = catalog.normalise(row[0]) if row else ""
        if year is None and any(cell.startswith(t) for t in year_titles):
            m = _YEAR.search(row[0])
            year = int(m.group(1)) if m else None
        if len(row) >= 14 and catalog.normalise(row[2]) == "total" and catalog.normalise(row[3]) == "enero":
            if year is None:
                raise UnknownFormatError(
                    f"{ctx.display}: the title rows do not say the year ('Año de registro : YYYY'); export the cube "
                    "with the registration year as a filter."
                )
            expected = [catalog.normalise(sp[0]) for k, sp in layout.columns.items() if k.startswith("m")]
            if [catalog.normalise(h) for h in row[3:15]] != expected:
                raise CellError(ctx.display, i + 1, "header", ",".join(row[3:15])[:80], "the months Enero..Diciembre")
            return year, i
    raise UnknownFormatError(
        f"{ctx.display}: no header row ('', '', 'Total', 'Enero', ..., 'Diciembre') in the first 20 rows; this "
        "is not an INEGI cube export by municipality and month of registration."
    )


def parse(ctx: ParseContext, kind: str) -> Staged:
    if kind in (OCCURRENCE_KIND, OCCURRENCE_MUNICIPAL_KIND):
        from .inegi_occurrence import parse_occurrence

        return parse_occurrence(ctx, kind)
    layout = catalog.layouts(SOURCE)[kind]
    spec = catalog.tables()[layout.table]
    with open_text(ctx.facts) as text:
        rows = list(csv.reader(text))
    year, header_at = _header(ctx, rows, layout)
    header = rows[header_at]
    periods = [date(year, m, 1) for m in range(1, 13)]
    # Every data line, typed, with what it is: the national total, a state subtotal or a municipality. The checks
    # below compare them in SQL; only a cell that is not a number is reported here.
    lines: dict[str, list[Any]] = {
        k: [] for k in ("line", "level", "state_code", "municipality_code", "label", "total")
    }
    data_rows: list[list[str]] = []
    linenos: list[int] = []
    for lineno, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not row or all(not c.strip() for c in row):
            continue
        code = row[0]
        if code.strip().upper().startswith("FUENTE") or (len(row) == 1 and "fuente" in catalog.normalise(code)):
            break
        if len(row) < 15:
            raise CellError(
                ctx.display,
                lineno,
                "row",
                ",".join(row)[:60],
                "15 cells (code, name, total and 12 months); the file looks truncated",
            )
        data_rows.append(row)
        linenos.append(lineno)
    # the 13 number columns (total and months), typed column by column; the first cell that is not a number is named
    columns = list(zip(*data_rows)) if data_rows else [()] * 15
    numbers: list[pa.Array] = []
    for col in range(2, 15):
        cells = pa.array(columns[col], pa.string())
        clean = pc.replace_substring(pc.utf8_trim_whitespace(cells), ",", "")
        clean = pc.if_else(pc.equal(clean, ""), "0", clean)
        ok = pc.utf8_is_digit(clean)
        if len(clean) and not pc.all(ok).as_py():
            i = pc.index(ok, False).as_py()
            raise CellError(
                ctx.display,
                linenos[i],
                header[col] or f"column {col + 1}",
                columns[col][i],
                "a whole, non-negative number (thousands separators allowed)",
            )
        numbers.append(pc.cast(clean, pa.int64()))
    group: str | None = None
    for lineno, row in zip(linenos, data_rows):
        code = row[0]
        sub, mun = _SUBTOTAL.match(code.strip()), _MUN_CODE.match(code)
        if code.strip() == "" and catalog.normalise(row[1]) == "total":
            level, state, municipality = "national", None, None
        elif sub:
            group = f"{int(sub.group(1)):02d}"
            level, state, municipality = "state", group, None
        elif mun:
            if group is None:
                raise CellError(ctx.display, lineno, "code (first column)", code, "a state subtotal row before it")
            level, state = "municipality", f"{int(mun.group(1)):02d}"
            municipality = state + f"{int(mun.group(2)):03d}"
        else:
            raise CellError(
                ctx.display,
                lineno,
                "code (first column)",
                code,
                "a municipality code like ' 01 001 ', a '=CONCATENAR(0,01)' subtotal or the Total row",
            )
        lines["line"].append(lineno)
        lines["level"].append(level)
        lines["state_code"].append(state if level != "municipality" else group)
        lines["municipality_code"].append(municipality)
        lines["label"].append(f"{code.strip()} {row[1]}".strip())
    lines["total"] = numbers[0]
    table = pa.table({**lines, **{f"m{m:02d}": numbers[m] for m in range(1, 13)}})
    ctx.con.register("_inegi_arrow", table)
    ctx.con.execute("CREATE OR REPLACE TEMP TABLE _inegi_lines AS SELECT * FROM _inegi_arrow")
    ctx.con.unregister("_inegi_arrow")
    # municipality rows: the state is the code's own (municipalities of 34 abroad sit under their subtotal)
    unpivot = " UNION ALL ".join(
        f"SELECT DATE '{p}' AS registration_period, left(municipality_code, 2) AS state_code, municipality_code, "
        f"m{p.month:02d} AS deaths FROM _inegi_lines WHERE level = 'municipality'"
        for p in periods
    )
    ctx.con.execute(f"CREATE OR REPLACE TEMP TABLE _inegi AS {unpivot}")
    national = one(ctx.con, "SELECT sum(total) FROM _inegi_lines WHERE level = 'national'")[0]
    return Staged(
        kind,
        spec,
        "_inegi",
        rows_of(spec, "_inegi"),
        scope=f"{kind}:{year}",
        vintage=date(year, 12, 1),
        period_min=periods[0],
        period_max=periods[-1],
        checks=CHECKS,
        notes=[f"national total {national or 0:,} deaths registered in {year}"],
    )


_SUM = " + ".join(MONTHS)
CHECKS = [
    Check(
        "row_total",
        f"SELECT line, label, {_SUM}, total FROM _inegi_lines WHERE {_SUM} <> total LIMIT 1",
        lambda r: f"row {r[0][0]} ({r[0][1]}): months add to {r[0][2]}, Total says {r[0][3]}.",
        early=True,
    ),
    Check(
        "national_total_present",
        "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM _inegi_lines WHERE level = 'national')",
        lambda _: "no national 'Total' row was found.",
        early=True,
    ),
    Check(
        "municipalities_add_to_state",
        "WITH m AS (SELECT state_code, " + ", ".join(f"sum({c}) AS {c}" for c in MONTHS) + " FROM _inegi_lines "
        "WHERE level = 'municipality' GROUP BY 1), s AS (SELECT * FROM _inegi_lines WHERE level = 'state') "
        "SELECT s.state_code, " + ", ".join(f"coalesce(m.{c}, 0), s.{c}" for c in MONTHS) + " FROM s LEFT JOIN m "
        "USING (state_code) WHERE " + " OR ".join(f"coalesce(m.{c}, 0) <> s.{c}" for c in MONTHS) + " LIMIT 1",
        lambda r: _first_gap(
            "municipality rows under subtotal " + r[0][0] + " add to {got} in month {m}, the "
            "subtotal says {want}. The file looks truncated or edited.",
            r[0][1:],
        ),
    ),
    Check(
        "states_add_to_national",
        "WITH s AS (SELECT " + ", ".join(f"sum({c}) AS {c}" for c in MONTHS) + " FROM _inegi_lines WHERE level = "
        "'state'), n AS (SELECT * FROM _inegi_lines WHERE level = 'national') SELECT "
        + ", ".join(f"s.{c}, n.{c}" for c in MONTHS)
        + " FROM s, n WHERE "
        + " OR ".join(f"s.{c} <> n.{c}" for c in MONTHS),
        lambda r: _first_gap(
            "state subtotals add to {got} in month {m}, the national Total says {want}. The file looks truncated.", r[0]
        ),
    ),
]


def _first_gap(template: str, pairs: tuple) -> str:
    for m in range(12):
        got, want = pairs[2 * m], pairs[2 * m + 1]
        if got != want:
            return template.format(got=got, want=want, m=m + 1)
    return template.format(got="?", want="?", m="?")
