"""INEGI mortality statistics: homicide deaths by municipality of occurrence and month of registration.

The files are exports of INEGI's online cubes ("Consulta interactiva de datos"), one per registration year, and are
not tidy CSV: five title rows (one of them says the year), a header with a trailing empty column, a national
``Total`` row, state subtotal rows whose code cell is the spreadsheet artefact ``=CONCATENAR(0,01)``, municipality
rows coded ``" 01 001 "``, thousands separators, empty cells meaning zero, and a ``FUENTE`` footer. Subtotals are
not stored; a check proves the stored rows add up to them and to the national total.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pyarrow as pa

from .. import catalog
from ..errors import CellError, CheckError, UnknownFormatError
from ..rawstore import FileFacts, _open_decompressed
from ._base import Candidate, ParseContext, Staged

SOURCE = "inegi"
LICENSE = "Libre Uso MX (INEGI, Estadísticas de mortalidad)"
URLS = {
    # Cube exports have no stable download URL: build the query (Defunciones por homicidio, rows: entidad y
    # municipio de ocurrencia, columns: mes de registro, filter: año de registro) and export CSV.
    "inegi_homicide_deaths": "https://www.inegi.org.mx/sistemas/olap/proyectos/bd/continuas/mortalidad/defuncioneshom.asp",
}
KIND = "inegi_homicide_deaths"
_MUN_CODE = re.compile(r"^\s*(\d{1,2})\s+(\d{1,3})\s*$")
_SUBTOTAL = re.compile(r"^=CONCATENAR\(\s*0?\s*,\s*(\d{1,2})\s*\)\s*$", re.IGNORECASE)
_YEAR = re.compile(r"(\d{4})")


def detect(facts: FileFacts) -> list[Candidate]:
    layout = catalog.layouts(SOURCE)[KIND]
    head = catalog.normalise(facts.head[:2000])
    if any(catalog.normalise(t) in head for t in layout.extra["title_contains"]):
        return [Candidate(KIND, {0: "title"}, [], [], [])]
    return []


def _number(text: str) -> int | None:
    t = text.strip().replace(",", "")
    if t == "":
        return 0
    if not t.isdigit():
        return None
    return int(t)


def parse(ctx: ParseContext, kind: str) -> Staged:
    layout = catalog.layouts(SOURCE)[kind]
    spec = catalog.tables()[layout.table]
    enc = "utf-8-sig" if ctx.facts.encoding.startswith("utf-8") else "latin-1"
    with _open_decompressed(ctx.facts.path, ctx.facts.compression) as raw:
        rows = list(csv.reader(io.TextIOWrapper(raw, encoding=enc, newline="")))

    year = None
    header_at = None
    year_titles = [catalog.normalise(t) for t in layout.extra["year_title"]]
    for i, row in enumerate(rows[:20]):
        cell = catalog.normalise(row[0]) if row else ""
        if year is None and any(cell.startswith(t) for t in year_titles):
            m = _YEAR.search(row[0])
            year = int(m.group(1)) if m else None
        if len(row) >= 14 and catalog.normalise(row[2]) == "total" and catalog.normalise(row[3]) == "enero":
            header_at = i
            break
    if header_at is None:
        raise UnknownFormatError(
            f"{ctx.display}: no header row ('', '', 'Total', 'Enero', ..., 'Diciembre') in the first 20 rows; this "
            "is not an INEGI cube export by municipality and month of registration."
        )
    if year is None:
        raise UnknownFormatError(
            f"{ctx.display}: the title rows do not say the year ('Año de registro : YYYY'); export the cube with "
            "the registration year as a filter."
        )
    header = rows[header_at]
    months = [catalog.normalise(h) for h in header[3:15]]
    expected = [catalog.normalise(s[0]) for k, s in layout.columns.items() if k.startswith("m")]
    if months != expected:
        raise CheckError(ctx.display, "month_columns", f"header months are {header[3:15]}, expected Enero..Diciembre.")

    national: list[int] | None = None
    subtotals: dict[str, list[int]] = {}
    current_group: str | None = None
    group_sums: dict[str, list[int]] = {}
    out_state, out_mun, out_period, out_deaths = [], [], [], []
    periods = [date(year, m, 1) for m in range(1, 13)]
    data_rows = 0
    for lineno, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        if not row or all(not c.strip() for c in row):
            continue
        code = row[0]
        if code.strip().upper().startswith("FUENTE") or (len(row) == 1 and "fuente" in catalog.normalise(code)):
            break
        if len(row) < 15:
            raise CellError(ctx.display, lineno, "row", ",".join(row)[:60],
                            "15 cells (code, name, total and 12 months); the file looks truncated")
        values = []
        for col in range(2, 15):
            v = _number(row[col])
            if v is None:
                raise CellError(ctx.display, lineno, header[col] or f"column {col + 1}", row[col],
                                "a whole, non-negative number (thousands separators allowed)")
            values.append(v)
        total, monthly = values[0], values[1:]
        if sum(monthly) != total:
            raise CheckError(ctx.display, "row_total",
                             f"row {lineno} ({code.strip()} {row[1]}): months add to {sum(monthly)}, Total says {total}.")
        if code.strip() == "" and catalog.normalise(row[1]) == "total":
            national = monthly
            continue
        sub = _SUBTOTAL.match(code.strip())
        if sub:
            current_group = f"{int(sub.group(1)):02d}"
            subtotals[current_group] = monthly
            group_sums.setdefault(current_group, [0] * 12)
            continue
        mun = _MUN_CODE.match(code)
        if not mun:
            raise CellError(ctx.display, lineno, "code (first column)", code,
                            "a municipality code like ' 01 001 ', a '=CONCATENAR(0,01)' subtotal or the Total row")
        if current_group is None:
            raise CheckError(ctx.display, "rows_under_subtotal", f"row {lineno}: municipality before any state subtotal.")
        state = f"{int(mun.group(1)):02d}"
        municipality = state + f"{int(mun.group(2)):03d}"
        acc = group_sums[current_group]
        for m, v in enumerate(monthly):
            acc[m] += v
            out_state.append(state)
            out_mun.append(municipality)
            out_period.append(periods[m])
            out_deaths.append(v)
        data_rows += 1

    checks = []
    if national is None:
        raise CheckError(ctx.display, "national_total_present", "no national 'Total' row was found.")
    if data_rows == 0:
        raise CheckError(ctx.display, "has_rows", "no municipality rows.")
    for group, sums in group_sums.items():
        if sums != subtotals[group]:
            diff = [(periods[m].strftime("%Y-%m"), s, t) for m, (s, t) in enumerate(zip(sums, subtotals[group])) if s != t]
            raise CheckError(
                ctx.display, "municipalities_add_to_state",
                f"municipality rows under subtotal {group} add to {diff[0][1]} in {diff[0][0]}, the subtotal says "
                f"{diff[0][2]}. The file looks truncated or edited.",
            )
    checks.append("municipalities_add_to_state")
    subtotal_sum = [sum(s[m] for s in subtotals.values()) for m in range(12)]
    if subtotal_sum != national:
        m = next(i for i in range(12) if subtotal_sum[i] != national[i])
        raise CheckError(ctx.display, "states_add_to_national",
                         f"state subtotals add to {subtotal_sum[m]} in {periods[m]:%Y-%m}, the national Total says "
                         f"{national[m]}. The file looks truncated.")
    checks.append("states_add_to_national")
    table = pa.table({
        "registration_period": pa.array(out_period, pa.date32()),
        "state_code": pa.array(out_state, pa.string()),
        "municipality_code": pa.array(out_mun, pa.string()),
        "deaths": pa.array(out_deaths, pa.int64()),
    })
    ctx.con.register("_inegi_rows", table)
    ctx.con.execute("CREATE OR REPLACE TEMP TABLE _inegi AS SELECT * FROM _inegi_rows")
    ctx.con.unregister("_inegi_rows")
    dup = ctx.con.execute(
        "SELECT municipality_code, registration_period FROM _inegi GROUP BY ALL HAVING count(*) > 1 LIMIT 1"
    ).fetchall()
    if dup:
        raise CheckError(ctx.display, "keys_unique", f"municipality {dup[0][0]} appears twice.")
    checks.append("keys_unique")
    unknown = ctx.con.execute(
        "SELECT DISTINCT municipality_code FROM _inegi WHERE state_code <= '32' AND right(municipality_code, 3) "
        "NOT IN ('999', '998') AND municipality_code NOT IN (SELECT municipality_code FROM cat_municipalities) "
        "ORDER BY 1 LIMIT 5"
    ).fetchall()
    if unknown:
        raise CheckError(ctx.display, "municipalities_known",
                         f"codes {[r[0] for r in unknown]} are not in INEGI's municipal catalogue.")
    checks.append("municipalities_known")
    notes = [f"national total {sum(national):,} deaths registered in {year}"]
    return Staged(kind, spec, f"SELECT {', '.join(spec.fact_columns)} FROM _inegi", scope=f"{kind}:{year}",
                  vintage=date(year, 12, 1), period_min=periods[0], period_max=periods[-1],
                  checks_passed=checks, notes=notes)
