"""Deterministic generators of files in official layouts, for tests and benchmarks.

SESNSP's municipal file (IDM_NM, ~250 MB) is too large to bundle, so usmx builds files in its exact layout from real
ingredients: INEGI's municipal catalogue (real names and codes), the 98 crime rows of the bundled state file, and
that file's real state totals, split among each state's municipalities with fixed-seed weights so that the
municipal rows add up exactly to the official state figures. Same seed, same bytes.

Needs numpy (installed with the ``test`` extra).
"""

from __future__ import annotations

import csv
import gzip
import io
from collections import defaultdict
from importlib import resources
from pathlib import Path

from . import catalog

STATE_SAMPLE = "data/sesnsp/IDEFC_NM_dic2020.csv.gz"
MONTHS_ES = ["Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Septiembre", "Octubre",
             "Noviembre", "Diciembre"]
MUNICIPAL_HEADER = ["Año", "Clave_Ent", "Entidad", "Cve. Municipio", "Municipio", "Bien jurídico afectado",
                    "Tipo de delito", "Subtipo de delito", "Modalidad", *MONTHS_ES]


def state_totals() -> tuple[list[tuple[str, str, str, str]], dict[tuple[int, str], dict[tuple, list[int]]]]:
    """The bundled state file as (crime rows in file order, {(year, state): {crime row: 12 monthly counts}})."""
    raw = resources.files("usmx").joinpath(STATE_SAMPLE).read_bytes()
    text = gzip.decompress(raw).decode("latin-1")
    reader = csv.reader(io.StringIO(text))
    next(reader)
    crimes: list[tuple[str, str, str, str]] = []
    seen = set()
    totals: dict[tuple[int, str], dict[tuple, list[int]]] = defaultdict(dict)
    for row in reader:
        key = tuple(row[3:7])
        if key not in seen:
            seen.add(key)
            crimes.append(key)
        totals[(int(row[0]), f"{int(row[1]):02d}")][key] = [int(v.replace(",", "")) for v in row[7:19]]
    return crimes, totals


def _split(total_matrix, weights, rng):
    """Split each column total among rows in proportion to weights, exactly (largest remainder)."""
    import numpy as np

    share = weights[:, None] * total_matrix[None, :]
    base = np.floor(share).astype(np.int64)
    short = (total_matrix - base.sum(axis=0)).astype(np.int64)
    remainder = share - base + rng.random(share.shape) * 1e-9
    order = np.argsort(-remainder, axis=0)
    for col in np.nonzero(short)[0]:
        base[order[: short[col], col], col] += 1
    return base


def write_municipal_incidence(path: str | Path, *, years: list[int] | None = None, states: list[str] | None = None,
                              cutoff_month: int = 12, seed: int = 2015, encoding: str = "latin-1",
                              newline: str = "\r\n", thousands: bool = True, pad_codes: bool = False) -> dict:
    """Write a SESNSP IDM_NM-layout file; return facts for tests (rows, totals by year and state).

    Years outside the bundled 2015-2020 reuse the nearest year's state totals. Months after ``cutoff_month`` in
    the last year are left blank, as in an official release. Codes are not zero-padded unless ``pad_codes``.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    crimes, totals = state_totals()
    years = years or [2019, 2020]
    states = states or sorted(catalog.states())
    muns_by_state: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for code, (st, name) in sorted(catalog.municipalities().items()):
        muns_by_state[st].append((code, name))
    state_names = {c: s.name for c, s in catalog.states().items()}
    available = sorted({y for y, _ in totals})
    facts = {"rows": 0, "total": 0, "by_state_year": defaultdict(int), "by_crime_year": defaultdict(int)}
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, lineterminator=newline)
        w.writerow(MUNICIPAL_HEADER)
        for year in years:
            src_year = min(available, key=lambda y: abs(y - year))
            last = year == years[-1]
            for st in states:
                muns = muns_by_state[st]
                weights = rng.gamma(0.6, 1.0, len(muns))
                weights /= weights.sum()
                matrix = np.array([totals[(src_year, st)][c] for c in crimes], dtype=np.int64)  # crimes x 12
                split = _split(matrix.reshape(-1).astype(float), weights, rng).reshape(len(muns), len(crimes), 12)
                st_code = st if pad_codes else str(int(st))
                for m_idx, (mcode, mname) in enumerate(muns):
                    mun_code = mcode if pad_codes else str(int(mcode))
                    for c_idx, crime in enumerate(crimes):
                        cells = []
                        for month in range(12):
                            if last and month >= cutoff_month:
                                cells.append("")
                                continue
                            v = int(split[m_idx, c_idx, month])
                            facts["total"] += v
                            facts["by_state_year"][(st, year)] += v
                            facts["by_crime_year"][(crime, year)] += v
                            cells.append(f"{v:,}" if thousands else str(v))
                        w.writerow([year, st_code, state_names[st], mun_code, mname, *crime, *cells])
                        facts["rows"] += 1
    return facts
