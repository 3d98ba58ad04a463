"""Bad input gets a specific error and leaves the warehouse exactly as it was (tables, rows, loads)."""

from __future__ import annotations

import gzip

import pytest

from usmx.errors import CellError, CheckError, HeaderError, UnknownFormatError, UsmxError

from .conftest import CONAPO_STATE, STATE_CRIMES, STATE_VICTIMS, text_of

HEADER = text_of(STATE_CRIMES).split("\r\n", 1)[0]
BODY = text_of(STATE_CRIMES).split("\r\n")[1:]


def _write(tmp_path, name, lines, encoding="latin-1"):
    p = tmp_path / name
    p.write_bytes("\r\n".join(lines).encode(encoding))
    return p


def _edit(row: int, col: int, value: str):
    """The kit file with one cell replaced (row is the 1-based file line, col 0-based)."""
    lines = [HEADER, *BODY]
    cells = lines[row - 1].split(",")
    cells[col] = value
    lines[row - 1] = ",".join(cells)
    return lines


CASES = {
    "non-numeric cell": (
        lambda t: _write(t, "a.csv", _edit(40, 10, "n/d")),
        CellError,
        r"row 40, column 'Abril' holds 'n/d'",
    ),
    "negative count": (
        lambda t: _write(t, "b.csv", _edit(7, 8, "-3")),
        CellError,
        r"row 7, column 'Febrero' holds '-3', but a count of zero or more",
    ),
    "decimal count": (lambda t: _write(t, "c.csv", _edit(12, 18, "2.5")), CellError, r"row 12, column 'Diciembre'"),
    "bad state code": (
        lambda t: _write(t, "d.csv", _edit(30, 1, "33")),
        CellError,
        r"row 30, column 'Clave_Ent' holds '33'.*state code from 1 to 32",
    ),
    "bad year": (lambda t: _write(t, "e.csv", _edit(3, 0, "20x5")), CellError, r"row 3, column 'Año' holds '20x5'"),
    "duplicate keys": (
        lambda t: _write(t, "f.csv", [HEADER, *BODY[:50], BODY[10], *BODY[50:]]),
        CheckError,
        r"keys_unique.*appears 2 times",
    ),
    "truncated mid-row": (
        lambda t: _write(t, "g.csv", [HEADER, *BODY[:-200], BODY[-200][:25]]),
        UsmxError,
        r"g.csv: the file could not be read",
    ),
    "truncated at a line end": (
        lambda t: _write(t, "h.csv", [HEADER, *BODY[:-150], ""]),
        CheckError,
        r"all_states_every_year.*\[\(2020, 31\)\].*truncated",
    ),
    "truncated inside a state": (
        lambda t: _write(t, "h2.csv", [HEADER, *BODY[:-51], ""]),
        CheckError,
        r"complete_panel.*32 has 48 rows in 2020 where other units have 98",
    ),
    "truncated gzip": (
        lambda t: _bytes(t, "i.csv.gz", STATE_CRIMES.read_bytes()[:100_000]),
        UnknownFormatError,
        r"corrupt or truncated",
    ),
    "empty file": (lambda t: _bytes(t, "j.csv", b""), UnknownFormatError, r"j.csv: the file is empty"),
    "header only": (lambda t: _write(t, "k.csv", [HEADER, ""]), CheckError, r"has_rows"),
    "binary garbage": (lambda t: _bytes(t, "l.csv", bytes(range(256)) * 400), UnknownFormatError, r"binary data"),
    "utf-16": (
        lambda t: _bytes(t, "m.csv", "\r\n".join([HEADER, *BODY[:5]]).encode("utf-16")),
        UnknownFormatError,
        r"UTF-16",
    ),
    "mixed encodings": (
        lambda t: _bytes(
            t,
            "n.csv",
            "\r\n".join([HEADER, *BODY[:3]]).encode("utf-8") + b"\r\n" + "\r\n".join(BODY[3:600]).encode("latin-1"),
        ),
        UnknownFormatError,
        r"mixed text encodings",
    ),
    "unknown header": (
        lambda t: _write(t, "o.csv", [HEADER.replace("Modalidad", "Modo").replace(",Diciembre", ""), *BODY]),
        HeaderError,
        r"Unknown columns: 'Modo'\. Missing columns: ('Diciembre', 'Modalidad'|'Modalidad', 'Diciembre')\.",
    ),
    "another kind of file": (
        lambda t: _bytes(
            t,
            "p.csv",
            b"CAMEOEVENTCODE\tEVENTDESCRIPTION\n01\tMAKE PUBLIC STATEMENT\n010\tMake statement, not specified below\n",
        ),
        UnknownFormatError,
        r"does not match any layout usmx knows",
    ),
}


def _bytes(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_and_the_warehouse_is_unchanged(loaded, tmp_path, case):
    from .conftest import snapshot

    make, error, pattern = CASES[case]
    path = make(tmp_path)
    before = snapshot(loaded)
    with pytest.raises(error, match=pattern) as info:
        loaded.ingest(path)
    assert str(path) in str(info.value)
    assert snapshot(loaded) == before
    assert not list((loaded.data_dir / "raw").glob("*/*.part*"))


def test_wrong_kind_forced_is_a_header_error(loaded, tmp_path):
    from .conftest import snapshot

    before = snapshot(loaded)
    with pytest.raises(HeaderError, match=r"sesnsp_state_victims layout.*Missing columns: 'Sexo', 'Rango de edad'"):
        loaded.ingest(STATE_CRIMES, kind="sesnsp_state_victims")
    with pytest.raises(UnknownFormatError, match="unknown kind"):
        loaded.ingest(STATE_CRIMES, kind="nope")
    with pytest.raises(HeaderError):
        loaded.ingest(CONAPO_STATE, kind="sesnsp_state_crimes")
    assert snapshot(loaded) == before


def test_files_before_a_bad_one_stay_loaded(obs, tmp_path):
    bad = _write(tmp_path, "bad.csv", _edit(40, 10, "n/d"))
    with pytest.raises(CellError):
        obs.ingest(CONAPO_STATE, bad, STATE_VICTIMS)
    kinds = obs.sql("SELECT kind FROM loads").column("kind").to_pylist()
    assert kinds == ["conapo_state_population"]


def test_gzip_kit_file_and_plain_copy_are_distinct_files_with_equal_rows(obs, tmp_path):
    plain = tmp_path / "IDEFC_NM_dic2020.csv"
    plain.write_bytes(gzip.decompress(STATE_CRIMES.read_bytes()))
    (a,) = obs.ingest(STATE_CRIMES)
    (b,) = obs.ingest(plain)
    assert a.sha256 != b.sha256 and a.rows == b.rows


def test_a_damaged_warehouse_is_never_written_to(tmp_path):
    from usmx import Observatory

    db = tmp_path / "w.duckdb"
    db.write_bytes(b"this is not a database" * 100)
    before = db.read_bytes()
    with pytest.raises(UsmxError, match="not a usmx warehouse.*did not open or change it"):
        Observatory(db).ingest(CONAPO_STATE)
    with pytest.raises(UsmxError, match="not a usmx warehouse"):
        Observatory(db).sql("SELECT 1")
    assert db.read_bytes() == before


def test_a_warehouse_cut_short_is_refused_and_no_byte_of_it_changes(loaded_db, tmp_path, capsys):
    """A copy that stopped half-way opened for writing grew from 8.0 MB to 12.3 MB; for reading it crashed with
    exit 1. Both now refuse it before DuckDB opens it (exit 2 in the CLI)."""
    from usmx import Observatory, cli

    db = tmp_path / "cut.duckdb"
    db.write_bytes(loaded_db.read_bytes()[: loaded_db.stat().st_size // 2])
    before = db.read_bytes()
    with pytest.raises(UsmxError, match=r"cut.duckdb: the warehouse is cut short: .* bytes where its data need"):
        Observatory(db).ingest(CONAPO_STATE)
    for args in (["tables"], ["ingest", str(CONAPO_STATE)], ["sql", "SELECT 1"], ["loads"]):
        code = cli.main([*args, "--db", str(db)])
        err = capsys.readouterr().err
        assert code == 2 and "cut short" in err, (args, err)
    assert db.read_bytes() == before and not db.with_name("cut.duckdb.wal").exists()


def test_a_warehouse_whose_last_free_blocks_were_trimmed_still_opens(tmp_path):
    """DuckDB trims free blocks at the end of the file without lowering the block count in its header: such a file
    is shorter than the header's count and sound."""
    from usmx import Observatory
    from usmx.warehouse import schema

    db = tmp_path / "w.duckdb"
    obs = Observatory(db)
    obs.ingest(CONAPO_STATE)
    count, size = schema._header_bytes(db) or (0, 0)
    used = schema._blocks_in_use(db) or 0
    assert used <= count
    if used < count:  # cut the free tail: still opens
        with db.open("r+b") as fh:
            fh.truncate(3 * 4096 + used * size)
    assert Observatory(db).tables()


def test_a_path_with_a_question_mark_is_refused_for_what_it_is(tmp_path):
    from usmx import Observatory

    folder = tmp_path / "what?ever"
    folder.mkdir()
    with pytest.raises(UsmxError, match=r"DuckDB reads a '\?' in a database path as the start of connection options"):
        Observatory(folder / "w.duckdb").ingest(CONAPO_STATE)
    assert list(folder.iterdir()) == [] and not (tmp_path / "what.wal").exists()


@pytest.mark.slow  # several seconds: CI runs it
def test_a_reader_in_another_process_is_not_called_a_writer(tmp_path, monkeypatch):
    """While another process reads the warehouse (past USMX_LOCK_WAIT), a load is refused with a message that says
    so; a reader that lets go within the wait (a web server copying its snapshot) only delays the load."""
    import subprocess
    import sys
    import time

    from usmx import Observatory

    monkeypatch.setenv("USMX_LOCK_WAIT", "0.5")
    db = tmp_path / "w.duckdb"
    Observatory(db).ingest(CONAPO_STATE)
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db)!r}, "
            "read_only=True); print('open', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "open"
        with pytest.raises(UsmxError, match=r"open in another process \(reading or writing it\)"):
            Observatory(db).ingest(STATE_VICTIMS)
    finally:
        reader.kill()
        reader.wait()
    time.sleep(0.2)
    assert Observatory(db).sql("SELECT count(*) AS n FROM loads").to_pylist()[0]["n"] == 1
    monkeypatch.setenv("USMX_LOCK_WAIT", "20")
    brief = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db)!r}, read_only=True); "
         "print('open', flush=True); time.sleep(1.5)"],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert brief.stdout.readline().strip() == "open"
        t0 = time.monotonic()
        (r,) = Observatory(db).ingest(STATE_VICTIMS)
        assert r.status == "loaded" and time.monotonic() - t0 >= 0.5  # it waited for the reader, then loaded
    finally:
        brief.kill()
        brief.wait()


def test_an_over_long_field_before_a_bad_cell_still_names_the_cell(obs, tmp_path):
    """Python's csv module refuses fields over 128 KiB by default; the slow path that names a bad cell must not."""
    lines = [HEADER, *BODY]
    cells = lines[4].split(",")
    cells[6] = "x" * 200_000
    lines[4] = ",".join(cells)
    cells = lines[39].split(",")
    cells[10] = "n/d"
    lines[39] = ",".join(cells)
    p = _write(tmp_path, "long_field.csv", lines)
    with pytest.raises(CellError, match=r"row 40, column 'Abril' holds 'n/d'"):
        obs.ingest(p)


@pytest.mark.parametrize(
    "name, text, lacks, fix",
    [
        (
            "violencia_homicida_municipal_nacional_2024_2025.csv",
            '"Entidad","Municipio","Feminicidio","Homicidio culposo","Homicidio doloso","Total","Año","Mes","Periodo",'
            '"Otros delitos que atentan contra la vida y la integridad corporal"\n'
            '"Aguascalientes","Aguascalientes","0.0","4.0","0.0","4.0","2024","Enero","Enero 2024","0"\n',
            "'Cve. Municipio'",
            "IDM_NM",
        ),
        (
            "violencia_homicida_estatal_mensual_2024_2025_corregido.csv",
            "Año,Mes,Periodo,Estado,Feminicidio,Homicidio culposo,Homicidio doloso,Otros delitos que atentan contra la "
            "vida y la integridad corporal,Total\n2024,Enero,Enero 2024,Aguascalientes,1,10,3,2,16\n",
            "'Clave_Ent'",
            "IDVFC_NM",
        ),
    ],
)
def test_a_known_derivative_is_refused_with_the_column_it_lacks_and_the_fix(loaded, tmp_path, name, text, lacks, fix):
    """The two SESNSP derivatives in the shared kit (same headers, first data row) name what is missing and what to
    load; the warehouse is unchanged."""
    from .conftest import snapshot

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    before = snapshot(loaded)
    with pytest.raises(UnknownFormatError, match="derivative") as err:
        loaded.ingest(path)
    assert lacks in str(err.value) and fix in str(err.value) and name in str(err.value)
    assert snapshot(loaded) == before
