"""Files that hold files: a tar archive is listed by its regular files and a workbook by its sheets, without
extracting anything; corrupt, empty and oversized containers are refused with the file named."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile

import pytest

from usmx import containers
from usmx.errors import UnknownFormatError
from usmx.rawstore import inspect


def _tar(members: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tf.addfile(info)
        d = tarfile.TarInfo("folder")
        d.type = tarfile.DIRTYPE
        tf.addfile(d)
    return buf.getvalue()


def test_an_archive_lists_only_its_regular_files(tmp_path):
    path = tmp_path / "a.tar.gz"
    path.write_bytes(gzip.compress(_tar({"x/1.csv": b"a\n1\n", "../escape.csv": b"a\n"}, {"ln": "/etc/passwd"})))
    facts = inspect(path)
    assert facts.container == "tar" and facts.members == ("x/1.csv", "../escape.csv")
    plain = tmp_path / "a.tar"
    plain.write_bytes(_tar({"1.csv": b"a\n"}))
    assert inspect(plain).members == ("1.csv",) and inspect(plain).compression is None


def test_a_truncated_archive_is_refused(tmp_path):
    data = gzip.compress(_tar({f"{i}.csv": b"a,b\n" * 2000 for i in range(20)}))
    path = tmp_path / "cut.tar.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnknownFormatError, match=r"cut.tar.gz: the gzip data are corrupt or truncated"):
        inspect(path)


def test_an_empty_archive_and_an_archive_bomb_are_refused(tmp_path, monkeypatch):
    empty = tmp_path / "empty.tar"
    empty.write_bytes(_tar({}))
    with pytest.raises(UnknownFormatError, match="empty.tar: the archive holds no files"):
        inspect(empty)
    many = tmp_path / "many.tar"
    many.write_bytes(_tar({f"{i}.csv": b"a\n" for i in range(12)}))
    monkeypatch.setattr(containers, "MAX_MEMBERS", 10)
    with pytest.raises(UnknownFormatError, match="more than 10 files.*archive bomb"):
        inspect(many)


def test_a_zip_of_several_files_that_is_not_a_workbook_is_still_refused(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.csv", "a\n1\n")
        zf.writestr("b.csv", "a\n2\n")
    with pytest.raises(UnknownFormatError, match="exactly one data file"):
        inspect(path)


def test_a_workbook_with_a_corrupt_sheet_list_is_refused(tmp_path):
    path = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='a'")
    with pytest.raises(UnknownFormatError, match="bad.xlsx: the workbook's sheet list is corrupt"):
        inspect(path)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook><sheets/></workbook>")
    with pytest.raises(UnknownFormatError, match="bad.xlsx: the workbook has no sheets"):
        inspect(path)
