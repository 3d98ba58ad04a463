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

from usmx import catalog

STATE_SAMPLE = "data/sesnsp/IDEFC_NM_dic2020.csv.gz"
MONTHS_ES = [
    "Enero",
    "Febrero",
    "Marzo",
    "Abril",
    "Mayo",
    "Junio",
    "Julio",
    "Agosto",
    "Septiembre",
    "Octubre",
    "Noviembre",
    "Diciembre",
]
MUNICIPAL_HEADER = [
    "Año",
    "Clave_Ent",
    "Entidad",
    "Cve. Municipio",
    "Municipio",
    "Bien jurídico afectado",
    "Tipo de delito",
    "Subtipo de delito",
    "Modalidad",
    *MONTHS_ES,
]


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


def write_municipal_incidence(
    path: str | Path,
    *,
    years: list[int] | None = None,
    states: list[str] | None = None,
    cutoff_month: int = 12,
    seed: int = 2015,
    encoding: str = "latin-1",
    newline: str = "\r\n",
    thousands: bool = True,
    pad_codes: bool = False,
) -> dict:
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


# -- GDELT and ACLED -------------------------------------------------------------------------------------------------
#: the event mix of generated GDELT rows, by (row // months) % 100: USA->MEX law enforcement, USA->MEX other,
#: MEX->USA law enforcement, and the rest between other countries
GDELT_LAW_CODES = ["062", "0631", "064", "063"]


def gdelt_row_kind(j: int) -> str:
    """The planted kind of generated row ``j`` (j = row // months): the test oracle and the generator agree on it."""
    r = j % 100
    if r < 2:
        return "usa_mex_law"
    if r < 6:
        return "usa_mex_other"
    if r == 6:
        return "mex_usa_law"
    return "other"


def write_gdelt_events(
    folder: str | Path,
    n: int,
    *,
    start: str = "2019-01",
    months: int = 24,
    files: int = 4,
    compress: str | None = "zip",
) -> list[Path]:
    """Write ``n`` GDELT 2.0 export rows (61 tab-separated columns, no header) across ``files`` files.

    Row i falls in month i % months; its kind is gdelt_row_kind(i // months); actor types cycle COP, JUD, MIL, GOV
    and none by i % 5; Goldstein = (i % 7) - 3; mentions = 1 + i % 9. Deterministic: the same n gives the same bytes.
    Built by DuckDB so that tens of millions of rows take seconds. ``compress``: "zip" (GDELT's format), "gz" or None.
    """
    import zipfile

    import duckdb

    from usmx.sources import gdelt

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    y0, m0 = (int(x) for x in start.split("-"))
    kind = (
        f"CASE WHEN (i // {months}) % 100 < 2 THEN 'usa_mex_law' WHEN (i // {months}) % 100 < 6 THEN 'usa_mex_other' "
        f"WHEN (i // {months}) % 100 = 6 THEN 'mex_usa_law' ELSE 'other' END"
    )
    law = "['062', '0631', '064', '063'][(i % 4) + 1]"
    exprs = {
        "global_event_id": "CAST(1000000000 + i AS VARCHAR)",
        "sql_date": f"strftime(make_date({y0}, {m0}, 1) + to_months(CAST(i % {months} AS INTEGER)) "
        f"+ to_days(CAST((i // {months}) % 28 AS INTEGER)), '%Y%m%d')",
        "actor1_code": "CASE WHEN k IN ('usa_mex_law', 'usa_mex_other') THEN 'USAGOV' WHEN k = 'mex_usa_law' "
        "THEN 'MEXCOP' ELSE 'FRA' END",
        "actor1_name": "CASE WHEN k LIKE 'usa%' THEN 'UNITED STATES' WHEN k = 'mex_usa_law' THEN 'MEXICO' "
        "ELSE 'FRANCE' END",
        "actor1_country_code": "CASE WHEN k LIKE 'usa%' THEN 'USA' WHEN k = 'mex_usa_law' THEN 'MEX' ELSE 'FRA' END",
        "actor1_type1_code": "['COP', 'JUD', 'MIL', 'GOV', ''][(i % 5) + 1]",
        "actor2_code": "CASE WHEN k LIKE 'usa%' THEN 'MEXGOV' WHEN k = 'mex_usa_law' THEN 'USAJUD' ELSE 'DEU' END",
        "actor2_name": "CASE WHEN k LIKE 'usa%' THEN 'MEXICO' WHEN k = 'mex_usa_law' THEN 'UNITED STATES' "
        "ELSE 'GERMANY' END",
        "actor2_country_code": "CASE WHEN k LIKE 'usa%' THEN 'MEX' WHEN k = 'mex_usa_law' THEN 'USA' ELSE 'DEU' END",
        "actor2_type1_code": "''",
        "is_root_event": "CAST(i % 2 AS VARCHAR)",
        "event_code": f"CASE WHEN k LIKE '%law' THEN {law} WHEN k = 'usa_mex_other' THEN '042' ELSE '0211' END",
        "event_base_code": f"left(CASE WHEN k LIKE '%law' THEN {law} WHEN k = 'usa_mex_other' THEN '042' "
        "ELSE '0211' END, 3)",
        "event_root_code": "CASE WHEN k LIKE '%law' THEN '06' WHEN k = 'usa_mex_other' THEN '04' ELSE '02' END",
        "quad_class": "CASE WHEN k LIKE '%law' THEN '2' ELSE '1' END",
        "goldstein_scale": "CAST((i % 7) - 3 AS DOUBLE)::VARCHAR",
        "num_mentions": "CAST(1 + i % 9 AS VARCHAR)",
        "num_sources": "'1'",
        "num_articles": "CAST(1 + i % 9 AS VARCHAR)",
        "avg_tone": "'-1.5'",
        "action_geo_type": "'1'",
        "action_geo_country_code": "CASE WHEN k = 'other' THEN 'FR' ELSE 'MX' END",
        "action_geo_lat": "'19.43'",
        "action_geo_long": "'-99.13'",
        "date_added": f"strftime(make_date({y0}, {m0}, 1) + to_months(CAST(i % {months} AS INTEGER)) "
        f"+ to_days(CAST((i // {months}) % 28 AS INTEGER)), '%Y%m%d') || '150000'",
        "source_url": "'https://example.org/news/' || CAST(i AS VARCHAR)",
    }
    cols = gdelt.columns()
    select = ", ".join(f"{exprs.get(c, chr(39) * 2)} AS {c}" for c in cols)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    paths = []
    per = -(-n // files)
    for f in range(files):
        lo, hi = f * per, min(n, (f + 1) * per)
        if lo >= hi:
            break
        name = f"2019010{f % 10}{f:06d}.export.CSV"
        plain = folder / name
        con.execute(
            f"COPY (SELECT {select} FROM (SELECT i, {kind} AS k FROM range({lo}, {hi}) t(i)) ORDER BY i) "
            f"TO '{plain}' (FORMAT csv, DELIMITER '\t', HEADER false, QUOTE '', ESCAPE '')"
        )
        if compress == "zip":
            target = plain.with_name(name + ".zip")
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.write(plain, name)
            plain.unlink()
        elif compress == "gz":
            import shutil

            target = plain.with_name(name + ".gz")
            with open(plain, "rb") as src, gzip.open(target, "wb", compresslevel=1) as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            plain.unlink()
        else:
            target = plain
        paths.append(target)
    con.close()
    return paths


def write_acled_events(path: str | Path, planted: list[dict]) -> Path:
    """Write an ACLED-layout CSV from planted events (keys: id, date, actor1, assoc_actor_1, actor2, country,
    admin1, fatalities); other columns get plausible fixed values."""
    from usmx.sources.acled import ACLED_HEADER

    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(ACLED_HEADER)
        for e in planted:
            row = {
                "event_id_cnty": e["id"],
                "event_date": e["date"],
                "year": e["date"][:4],
                "time_precision": 1,
                "disorder_type": "Political violence",
                "event_type": "Violence against civilians",
                "sub_event_type": "Attack",
                "actor1": e.get("actor1", ""),
                "assoc_actor_1": e.get("assoc_actor_1", ""),
                "inter1": 3,
                "actor2": e.get("actor2", "Civilians (Mexico)"),
                "assoc_actor_2": e.get("assoc_actor_2", ""),
                "inter2": 7,
                "interaction": 37,
                "civilian_targeting": "Civilian targeting",
                "iso": 484,
                "region": "Central America",
                "country": e["country"],
                "admin1": e.get("admin1", ""),
                "admin2": "",
                "admin3": "",
                "location": e.get("admin1", ""),
                "latitude": "24.8",
                "longitude": "-107.4",
                "geo_precision": 1,
                "source": "El Universal",
                "source_scale": "National",
                "notes": "planted",
                "fatalities": e.get("fatalities", 0),
                "tags": "",
                "timestamp": 1700000000,
            }
            w.writerow([row[c] for c in ACLED_HEADER])
    return path


#: families of monthly count series for the interrupted-time-series simulation study: trend x noise
ITS_FAMILIES = ("flat", "linear", "exponential", "damped", "poisson", "overdispersed", "ar1")


def its_series(family: str, seed: int, *, effect: float = 0.0, pre: int = 60, post: int = 18):
    """A monthly count series of one family, with ``effect`` (e.g. -0.2) applied from month ``pre`` on.

    Trends (on about 1,500 a month, with a calendar-month pattern): flat; linear (+8 a month); exponential (+1.2% a
    month); damped (rising towards a ceiling, the slope halving about every 28 months). Noise: negative binomial
    with a small overdispersion for the trend families; pure Poisson on a low level (about 40 a month; ``poisson``);
    heavily overdispersed (``overdispersed``, coefficient of variation about 15%); AR(1) multiplicative noise with
    autocorrelation 0.7 (``ar1``).
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = pre + post
    idx = pd.date_range("2018-01-01", periods=n, freq="MS")
    t = np.arange(n, dtype=float)
    season = 1 + 0.08 * np.sin(2 * np.pi * (idx.month.to_numpy() - 3) / 12)
    base = {
        "flat": np.full(n, 1500.0),
        "linear": 1200 + 8 * t,
        "exponential": 1200 * np.exp(0.012 * t),
        "damped": 1000 + 900 * (1 - np.exp(-t / 40)),
        "poisson": 40 + 0.1 * t,
        "overdispersed": 1500 + 3 * t,
        "ar1": 1500 * np.exp(0.004 * t),
    }[family]
    mu = base * season * np.where(t >= pre, 1 + effect, 1.0)
    if family == "ar1":
        e = np.zeros(n)
        for i in range(1, n):
            e[i] = 0.7 * e[i - 1] + 0.05 * rng.standard_normal()
        return pd.Series(rng.poisson(mu * np.exp(e)).astype(float), idx)
    if family == "poisson":
        return pd.Series(rng.poisson(mu).astype(float), idx)
    size = 45.0 if family == "overdispersed" else 400.0  # NB variance mu + mu^2 / size
    return pd.Series(rng.negative_binomial(size, size / (size + mu)).astype(float), idx)
