"""Folders usmx writes never cost a user a file: new, empty or usmx's own folders only (usmx.outdir)."""

from __future__ import annotations

import json
import os

import pytest

from usmx import cli
from usmx.errors import OutputError
from usmx.outdir import MARK, write_folder

from .conftest import STATE_CRIMES


def _fill(names):
    def fill(tmp):
        for name in names:
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_text(name)
        return len(names)

    return fill


def test_a_new_folder_is_written_whole_with_its_mark(tmp_path):
    out = tmp_path / "a" / "b" / "site"
    assert write_folder(out, "site", _fill(["index.html", "data/x.json"])) == 2
    mark = json.loads((out / MARK).read_text())
    assert mark["command"] == "site" and mark["files"] == ["data/x.json", "index.html"]
    leftovers = [p for p in tmp_path.rglob("*") if p.name.endswith((".usmx-part", ".usmx-old"))]
    assert leftovers == []  # no temporary folder left beside it


def test_an_empty_folder_is_filled(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    write_folder(out, "site", _fill(["index.html"]))
    assert (out / "index.html").read_text() == "index.html"


def test_a_folder_with_a_users_file_is_refused_and_nothing_is_deleted(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("two years of work")
    with pytest.raises(OutputError, match=r"thesis\.docx.*nothing was written or deleted"):
        write_folder(out, "site", _fill(["index.html"]))
    assert [p.name for p in out.iterdir()] == ["thesis.docx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]  # no temporary folder either


def test_usmx_replaces_its_own_output_and_drops_the_files_it_no_longer_writes(tmp_path):
    out = tmp_path / "site"
    write_folder(out, "site", _fill(["index.html", "data/old.json"]))
    write_folder(out, "site", _fill(["index.html", "data/new.json"]))
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        MARK,
        "data/new.json",
        "index.html",
    ]


def test_a_file_added_to_usmx_output_is_kept_by_refusing(tmp_path):
    out = tmp_path / "site"
    write_folder(out, "site", _fill(["index.html"]))
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match=r"added to it after usmx wrote it \(notes\.txt\)"):
        write_folder(out, "site", _fill(["index.html"]))
    assert (out / "notes.txt").read_text() == "mine"


def test_another_commands_output_is_not_replaced(tmp_path):
    out = tmp_path / "snap"
    write_folder(out, "snapshot", _fill(["manifest.json"]))
    with pytest.raises(OutputError, match="output of `usmx snapshot`, not of `usmx site`"):
        write_folder(out, "site", _fill(["index.html"]))
    assert (out / "manifest.json").exists()


def test_a_file_is_not_a_folder(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("keep")
    with pytest.raises(OutputError, match="is a file"):
        write_folder(target, "site", _fill(["index.html"]))
    assert target.read_text() == "keep"


def test_a_failure_while_writing_leaves_the_old_output_and_no_temporary_folder(tmp_path):
    out = tmp_path / "site"
    write_folder(out, "site", _fill(["index.html"]))

    def broken(tmp):
        (tmp / "half.json").write_text("{")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_folder(out, "site", broken)
    assert (out / "index.html").exists() and not (out / "half.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_the_working_folder_as_output(tmp_path, monkeypatch):
    """`--output .` works where the working folder is empty or usmx's own, and is refused where it holds anything
    else (it used to be 'a bug in usmx')."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    write_folder(".", "site", _fill(["index.html"]))
    write_folder(".", "site", _fill(["index2.html"]))
    assert sorted(p.name for p in work.iterdir()) == sorted([MARK, "index2.html"])
    (work / "draft.md").write_text("mine")
    with pytest.raises(OutputError, match="draft.md"):
        write_folder(".", "site", _fill(["index.html"]))
    assert (work / "draft.md").exists() and os.getcwd() == str(work)


def test_usmx_site_and_snapshot_refuse_a_folder_of_user_files(obs, tmp_path, capsys):
    """The reported data loss: both commands deleted what was in --output (exit 0, no prompt)."""
    obs.ingest(STATE_CRIMES)
    for command in ("site", "snapshot"):
        out = tmp_path / f"{command}-out"
        out.mkdir()
        (out / "precious.csv").write_text("a,b\n1,2\n")
        code = cli.main([command, "--output", str(out), "--db", str(obs.db)])
        assert code == 2, command
        assert "precious.csv" in capsys.readouterr().err
        assert [p.name for p in out.iterdir()] == ["precious.csv"]
    out = tmp_path / "snap"
    assert cli.main(["snapshot", "--output", str(out), "--db", str(obs.db)]) == 0
    assert cli.main(["snapshot", "--output", str(out), "--db", str(obs.db)]) == 0  # its own output: refreshed
    assert (out / "manifest.json").exists() and (out / MARK).exists()
