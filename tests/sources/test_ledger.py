"""Ledger version 2: cited events and counts; every bad row refused by position, id and field, nothing half-loaded."""

from __future__ import annotations

import duckdb
import pytest

from usmx import Observatory, warehouse
from usmx.errors import CellError, CheckError

from ..conftest import DATA, snapshot

CITE = "publisher: P, url: 'https://example.org/r', accessed: 2026-01-02"


def _count(**fields: object) -> str:
    base = {"id": "c", "quantity": "extraditions", "period": 2019, "value": 58, "unit": "persons"}
    base.update(fields)
    inner = ", ".join(f"{k}: {v}" for k, v in base.items() if v is not None)
    return f"  - {{{inner}, {CITE}}}\n"


def test_the_bundled_counts_load_with_their_citations(obs):
    (r,) = obs.ingest(DATA / "ledger" / "us_mx_cooperation_counts.yaml")
    assert (r.kind, r.table, r.rows) == ("ledger_counts", "core_ledger__counts", 4)
    rows = obs.sql(
        "SELECT quantity, sum(amount) AS n, min(period_start) AS first, max(period_end) AS last "
        "FROM core_ledger__counts GROUP BY ALL ORDER BY quantity"
    ).to_pylist()
    assert [(x["quantity"], x["n"]) for x in rows] == [("terrorist_designations", 6.0), ("transfers", 92.0)]
    assert str(rows[1]["last"]) == "2026-01-31"
    assert obs.sql("SELECT count(*) AS n FROM core_ledger__counts WHERE url NOT LIKE 'https://%'").to_pylist() == [
        {"n": 0}
    ]


def test_several_publishers_for_one_count_are_all_kept(obs, tmp_path):
    p = tmp_path / "extraditions.yaml"
    p.write_text(
        "counts:\n" + _count(id="a").replace("P,", "Publisher A,") + _count(id="b", value=60).replace("P,", "B,"),
        encoding="utf-8",
    )
    (r,) = obs.ingest(p)
    assert r.rows == 2
    got = obs.sql("SELECT publisher, amount FROM core_ledger__counts ORDER BY publisher").to_pylist()
    assert got == [{"publisher": "B", "amount": 60.0}, {"publisher": "Publisher A", "amount": 58.0}]


@pytest.mark.parametrize(
    "body, error, pattern",
    [
        (_count().replace("url: 'https://example.org/r', ", ""), CheckError, r"count 1 \(c\) lacks url"),
        (_count().replace("publisher: P, ", ""), CheckError, r"count 1 \(c\) lacks publisher"),
        (_count().replace(", accessed: 2026-01-02", ""), CheckError, "lacks accessed"),
        (_count().replace("https://example.org/r", "ftp://example.org/r"), CellError, "http:// or https://"),
        (_count().replace("2026-01-02", "2999-01-01"), CellError, "accessed.*not in the future"),
        (_count(quantity="extradition"), CellError, "quantity.*did you mean extraditions"),
        (_count(unit="people"), CellError, "'persons', the unit of extraditions"),
        (_count(value=-1), CellError, "value.*at least 0"),
        (_count(value="'many'"), CellError, "value.*a number"),
        (_count(period="2019-13"), CellError, r"a year \(2019\) or a month \(2019-03\)"),
        (_count(period=None), CheckError, "has no period"),
        (_count(period=None, start="2019-05-01", end="2019-04-01"), CellError, "on or after its start"),
        (_count(start="2019-01-01"), CellError, "period, or start and end, not both"),
        (_count() + _count(), CheckError, r"ids_unique.*count 2 \(c\) repeats the id 'c' of count 1"),
        (_count(period="2999"), CheckError, "periods_plausible.*2999-01"),
    ],
)
def test_a_bad_count_is_refused_by_row_and_field_and_writes_nothing(obs, tmp_path, body, error, pattern):
    obs.ingest(DATA / "ledger" / "us_mx_cooperation_counts.yaml")
    before = snapshot(obs)
    p = tmp_path / "bad.yaml"
    p.write_text("counts:\n" + body, encoding="utf-8")
    with pytest.raises(error, match=pattern) as info:
        obs.ingest(p)
    assert "bad.yaml" in str(info.value)
    assert snapshot(obs) == before


def test_a_version_1_file_and_a_file_of_both_lists_are_refused_with_what_to_do(obs, tmp_path):
    v1 = tmp_path / "v1.yaml"
    v1.write_text("events:\n  - {id: x, date: 2025-03-01, kind: meeting, title_en: a, title_es: b, source: s}\n")
    with pytest.raises(CheckError, match="names a `source` \\(ledger version 1\\); version 2 cites a `publisher`"):
        obs.ingest(v1)
    both = tmp_path / "both.yaml"
    both.write_text("events:\n  - {id: x}\ncounts:\n" + _count(), encoding="utf-8")
    with pytest.raises(CheckError, match="both `events:` and `counts:`"):
        obs.ingest(both)
    assert obs.sql("SELECT count(*) AS n FROM loads").to_pylist() == [{"n": 0}]


def test_a_warehouse_of_schema_2_gains_the_citation_columns_and_keeps_its_ledger(tmp_path):
    """Schema 2 stored the ledger's publisher as `source`; opening it for writing adds the new columns, fills
    `publisher` from `source` and keeps every row."""
    db = tmp_path / "old.duckdb"
    obs = Observatory(db)
    obs.ingest(DATA / "ledger" / "us_mx_security_events.yaml")
    con = duckdb.connect(str(db))
    facts = next(
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_name LIKE '%ledger__events%' "
            "AND table_type = 'BASE TABLE'"
        ).fetchall()
    )
    con.execute(f"ALTER TABLE {facts} ADD COLUMN source VARCHAR")
    con.execute(f"UPDATE {facts} SET source = publisher")
    for col in ("publisher", "url", "accessed", "note"):
        con.execute(f"ALTER TABLE {facts} DROP COLUMN {col}")
    con.execute("UPDATE usmx_meta SET value = '2' WHERE key = 'schema_version'")
    con.close()
    obs.ingest(DATA / "ledger" / "us_mx_cooperation_counts.yaml")  # opens it for writing: the migration runs
    rows = obs.sql("SELECT count(*) AS n, count(publisher) AS p, count(url) AS u FROM core_ledger__events").to_pylist()
    assert rows == [{"n": 23, "p": 23, "u": 0}]
    version = obs.sql("SELECT value FROM usmx_meta WHERE key = 'schema_version'").to_pylist()
    assert version == [{"value": str(warehouse.SCHEMA_VERSION)}]


def test_a_key_written_twice_is_refused_with_its_lines(obs, tmp_path, capsys):
    """YAML keeps the last of two equal keys: an entry edited in two places lost one value without a word."""
    from usmx import cli

    p = tmp_path / "twice.yaml"
    p.write_text("counts:\n" + _count().replace("value: 58", "value: 58, value: 85"), encoding="utf-8")
    before = snapshot(obs)
    assert cli.main(["ingest", str(p), "--db", str(obs.db)]) == 2
    err = capsys.readouterr().err
    assert "twice.yaml: line 2: the key 'value' appears twice (first on line 2)" in err, err
    assert snapshot(obs) == before
