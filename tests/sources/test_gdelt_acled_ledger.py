"""GDELT exports, ACLED exports and the cooperation ledger: planted counts come back exactly."""

from __future__ import annotations

import zipfile
from collections import defaultdict
from datetime import date

import pytest

from tests import synthetic
from usmx.errors import CellError, CheckError, UnknownFormatError

from ..conftest import DATA, snapshot

CITE = ", publisher: s, url: 'https://example.org/r', accessed: 2026-01-02"  # a ledger row's citation

MONTHS = 24
N = 20_000


def gdelt_oracle(n: int = N, months: int = MONTHS, start=(2019, 1), types: set[str] | None = None) -> dict:
    """Expected monthly USA-MEX aggregates, computed row by row from the generator's documented rules."""
    out = defaultdict(lambda: {"dyad_events": 0, "law_enforcement_events": 0, "goldstein": [], "mentions": 0})
    type_cycle = ["COP", "JUD", "MIL", "GOV", ""]
    for i in range(n):
        kind = synthetic.gdelt_row_kind(i // months)
        if kind == "other":
            continue
        if types is not None and type_cycle[i % 5] not in types:
            continue  # actor 2's type is blank in the generator
        m = i % months
        period = date(start[0] + (start[1] - 1 + m) // 12, (start[1] - 1 + m) % 12 + 1, 1)
        r = out[period]
        r["dyad_events"] += 1
        r["law_enforcement_events"] += kind.endswith("law")
        r["goldstein"].append((i % 7) - 3)
        r["mentions"] += 1 + i % 9
    return dict(out)


@pytest.fixture(scope="module")
def gdelt_files(tmp_path_factory):
    return synthetic.write_gdelt_events(tmp_path_factory.mktemp("gdelt"), N, months=MONTHS, files=3)


def test_gdelt_exports_load_with_cameo_codes_as_text(obs, gdelt_files):
    results = obs.ingest(*gdelt_files)
    assert [r.kind for r in results] == ["gdelt_events"] * 3 and sum(r.rows for r in results) == N
    assert obs.sql("SELECT count(*) AS n FROM core_gdelt__events").to_pylist()[0]["n"] == N
    codes = set(obs.sql("SELECT DISTINCT event_code FROM core_gdelt__events").column("event_code").to_pylist())
    assert codes == {"062", "0631", "064", "063", "042", "0211"}
    root = obs.sql("SELECT DISTINCT event_root_code FROM core_gdelt__events ORDER BY 1").column("event_root_code")
    assert root.to_pylist() == ["02", "04", "06"]


def test_cooperation_events_match_the_planted_counts(obs, gdelt_files):
    obs.ingest(*gdelt_files)
    got = {r["period"]: r for r in obs.indicator("cooperation_events").to_pylist()}
    want = gdelt_oracle()
    assert set(got) == set(want)
    for p, w in want.items():
        g = got[p]
        assert (g["dyad_events"], g["value"], g["mentions"]) == (
            w["dyad_events"],
            w["law_enforcement_events"],
            w["mentions"],
        )
        assert g["goldstein_mean"] == pytest.approx(sum(w["goldstein"]) / len(w["goldstein"]))
    police = {
        r["period"]: r["dyad_events"] for r in obs.indicator("cooperation_events", actor_types="police").to_pylist()
    }
    assert police == {p: w["dyad_events"] for p, w in gdelt_oracle(types={"COP"}).items()}


def test_cooperation_index_share_smoothing_and_ledger(obs, gdelt_files):
    obs.ingest(*gdelt_files, DATA / "ledger" / "us_mx_security_events.yaml")
    rows = obs.indicator("cooperation_index", smooth=3).to_pylist()
    shares = [r["law_enforcement_events"] / r["dyad_events"] for r in rows]
    assert [r["share"] for r in rows] == pytest.approx(shares)
    assert rows[5]["value"] == pytest.approx(sum(shares[3:6]) / 3)
    assert rows[0]["value"] == pytest.approx(shares[0])
    notes = {r["period"]: r["ledger_events"] for r in rows if r["ledger_events"]}
    assert "culiacanazo" in notes[date(2019, 10, 1)] and "cienfuegos-arrest" in notes[date(2020, 10, 1)]


def test_a_gdelt_file_with_lost_leading_zeros_is_refused(obs, tmp_path, gdelt_files):
    with zipfile.ZipFile(gdelt_files[0]) as zf:
        text = zf.read(zf.namelist()[0]).decode()
    bad = text.replace("\t0211\t021\t", "\t211\t21\t", 1)
    p = tmp_path / "20190101000000.export.CSV"
    p.write_text(bad)
    before = snapshot(obs)
    with pytest.raises(CheckError, match="cameo_codes_are_text"):
        obs.ingest(p)
    short = tmp_path / "20190101001500.export.CSV"
    short.write_text("\n".join("\t".join(line.split("\t")[:40]) for line in text.splitlines()[:50]))
    with pytest.raises(Exception, match="20190101001500.export.CSV"):
        obs.ingest(short)
    assert snapshot(obs) == before


PLANTED = [
    {
        "id": "MEX1",
        "date": "2023-01-05",
        "actor1": "Sinaloa Cartel",
        "country": "Mexico",
        "admin1": "Sinaloa",
        "fatalities": 3,
    },
    {
        "id": "MEX2",
        "date": "2023-02-10",
        "actor1": "Police Forces of Mexico (2018-2024)",
        "assoc_actor_1": "Sinaloa Cartel: Los Chapitos",
        "country": "Mexico",
        "admin1": "Sonora",
        "fatalities": 1,
    },
    {
        "id": "MEX3",
        "date": "2023-03-11",
        "actor1": "CJNG: Jalisco New Generation Cartel",
        "actor2": "Sinaloa Cartel",
        "country": "Mexico",
        "admin1": "Zacatecas",
        "fatalities": 5,
    },
    {
        "id": "MEX4",
        "date": "2024-06-01",
        "actor1": "Cártel Jalisco Nueva Generación",
        "country": "Mexico",
        "admin1": "Jalisco",
        "fatalities": 2,
    },
    {
        "id": "COL1",
        "date": "2023-07-07",
        "actor1": "Sinaloa Cartel",
        "country": "Colombia",
        "admin1": "Cauca",
        "fatalities": 0,
    },
    {
        "id": "ECU1",
        "date": "2024-02-02",
        "actor1": "Los Lobos",
        "assoc_actor_1": "CJNG",
        "country": "Ecuador",
        "admin1": "Guayas",
        "fatalities": 4,
    },
    {
        "id": "MEX5",
        "date": "2024-03-03",
        "actor1": "Unidentified Armed Group (Mexico)",
        "country": "Mexico",
        "admin1": "Guerrero",
        "fatalities": 2,
    },
]


def test_acled_presence_by_state_country_and_summary(obs, tmp_path):
    p = synthetic.write_acled_events(tmp_path / "acled_mexico.csv", PLANTED)
    (r,) = obs.ingest(p)
    assert r.kind == "acled_events" and r.rows == 7
    summary = {(x["group"], x["year"]): x for x in obs.indicator("criminal_group_presence").to_pylist()}
    s23 = summary[("sinaloa_cartel", 2023)]
    assert (s23["value"], s23["fatalities"], s23["states_reached"], s23["countries_reached"]) == (4, 9, 3, 1)
    c23, c24 = summary[("cjng", 2023)], summary[("cjng", 2024)]
    assert (c23["value"], c24["value"], c24["countries_reached"], c24["states_reached"]) == (1, 2, 1, 1)
    assert not any(k[0] == "gulf_cartel" for k in summary)
    states = obs.indicator("criminal_group_presence", by="state", group="sinaloa_cartel").to_pylist()
    assert {(x["admin1"], x["value"]) for x in states} == {("Sinaloa", 1), ("Sonora", 1), ("Zacatecas", 1)}
    countries = obs.indicator("criminal_group_presence", by="country").to_pylist()
    assert {(x["group"], x["country"]) for x in countries} == {("sinaloa_cartel", "Colombia"), ("cjng", "Ecuador")}


def test_a_newer_acled_export_applies_deletions_and_changes(obs, tmp_path):
    obs.ingest(synthetic.write_acled_events(tmp_path / "acled_1.csv", PLANTED))
    changed = [e | {"fatalities": 10} if e["id"] == "MEX1" else e for e in PLANTED if e["id"] != "MEX3"]
    changed.append(
        {
            "id": "MEX6",
            "date": "2024-06-30",
            "actor1": "Gulf Cartel",
            "country": "Mexico",
            "admin1": "Tamaulipas",
            "fatalities": 1,
        }
    )
    (r,) = obs.ingest(synthetic.write_acled_events(tmp_path / "acled_2.csv", changed))
    assert r.is_current
    ids = set(obs.sql("SELECT event_id_cnty FROM core_acled__events").column("event_id_cnty").to_pylist())
    assert "MEX3" not in ids and "MEX6" in ids
    assert obs.sql("SELECT fatalities FROM core_acled__events WHERE event_id_cnty = 'MEX1'").to_pylist() == [
        {"fatalities": 10}
    ]
    # the older export stays queryable
    assert obs.sql("SELECT count(*) AS n FROM core_acled__events__all_vintages").to_pylist()[0]["n"] == 7 + 7


def test_ledger_loads_and_validates(obs, tmp_path):
    (r,) = obs.ingest(DATA / "ledger" / "us_mx_security_events.yaml")
    assert r.kind == "ledger_events" and r.rows == 23
    uncited = "SELECT count(*) AS n FROM core_ledger__events WHERE publisher = '' OR url NOT LIKE 'https://%'"
    assert obs.sql(uncited).to_pylist()[0]["n"] == 0
    transfers = obs.sql("SELECT sum(persons) AS n FROM core_ledger__events WHERE kind = 'transfer'").to_pylist()
    assert transfers == [{"n": 92}]  # 29 + 26 + 37
    mine = tmp_path / "my_events.yaml"
    mine.write_text(
        "events:\n  - {id: my-1, date: 2025-03-01, kind: meeting, title_en: A meeting, "
        "title_es: Una reunión, publisher: Official communiqué, url: 'https://example.org/c', accessed: 2026-01-02}\n",
        encoding="utf-8",
    )
    (r2,) = obs.ingest(mine)
    assert r2.rows == 1 and obs.sql("SELECT count(*) AS n FROM core_ledger__events").to_pylist()[0]["n"] == 24
    cases = {
        "no publisher": (
            "  - {id: x, date: 2025-03-01, kind: meeting, title_en: a, title_es: b, url: 'https://e.org', "
            "accessed: 2026-01-02}\n",
            CheckError,
            "event 1 \\(x\\) lacks publisher",
        ),
        "bad date": (
            "  - {id: x, date: 2025-13-01, kind: meeting, title_en: a, title_es: b" + CITE + "}\n",
            CellError,
            "an ISO date",
        ),
        "bad kind": (
            "  - {id: x, date: 2025-03-01, kind: party, title_en: a, title_es: b" + CITE + "}\n",
            CheckError,
            "kinds_known.*kind 'party' is not one of",
        ),
        "duplicate id": (
            ("  - {id: x, date: 2025-03-01, kind: meeting, title_en: a, title_es: b" + CITE + "}\n") * 2,
            CheckError,
            "ids_unique.*event 2 \\(x\\) repeats the id 'x' of event 1",
        ),
        "future": (
            "  - {id: x, date: 2999-01-01, kind: meeting, title_en: a, title_es: b" + CITE + "}\n",
            CheckError,
            "future",
        ),
    }
    before = snapshot(obs)
    for name, (body, error, pattern) in cases.items():
        p = tmp_path / f"{name.replace(' ', '_')}.yaml"
        p.write_text("events:\n" + body, encoding="utf-8")
        with pytest.raises(error, match=pattern):
            obs.ingest(p)
    bad = tmp_path / "broken.yaml"
    bad.write_text("events:\n  - {id: [unclosed\n", encoding="utf-8")
    with pytest.raises(UnknownFormatError, match="not valid YAML"):
        obs.ingest(bad)
    assert snapshot(obs) == before


@pytest.mark.parametrize(
    "body, pattern",
    [
        # a billion laughs: nested aliases that would expand to gigabytes
        (
            'x0: &a0 ["aaaaaaaaaa"]\n'
            + "".join(f"x{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}]\n" for i in range(1, 9))
            + "events:\n  - {id: x, date: 2025-03-01, kind: meeting, title_en: *a8, title_es: b"
            + CITE
            + "}\n",
            "anchors and aliases",
        ),
        (
            "events:\n  - {id: x, date: 2025-03-01, kind: meeting, title_en: "
            + "a" * 5000
            + ", title_es: b"
            + CITE
            + "}\n",
            "at most 2000 characters",
        ),
        (
            "events:\n  - {id: [1, 2], date: 2025-03-01, kind: meeting, title_en: a, title_es: b" + CITE + "}\n",
            "a single value, not a list",
        ),
        (
            "events:\n  - {id: x, date: 2025-03-01, kind: transfer, title_en: a, title_es: b" + CITE + ", "
            "persons: true}\n",
            "a whole number of people",
        ),
    ],
)
def test_hostile_ledger_files_are_refused_quickly(obs, tmp_path, body, pattern):
    import time

    from usmx.errors import UsmxError

    p = tmp_path / "hostile.yaml"
    p.write_text(body if body.startswith("events") else body.replace("events:", "events:", 1), encoding="utf-8")
    if not body.startswith("events"):  # the detector wants `events:` first; put the anchors inside an entry
        p.write_text(
            "events:\n  - {id: y, date: 2025-03-01, kind: meeting, title_en: &t0 a, title_es: *t0" + CITE + "}\n",
            encoding="utf-8",
        )
    t0 = time.perf_counter()
    with pytest.raises(UsmxError, match=pattern if body.startswith("events") else "anchors and aliases"):
        obs.ingest(p)
    assert time.perf_counter() - t0 < 5
    assert obs.sql("SELECT count(*) AS n FROM loads").to_pylist()[0]["n"] == 0
