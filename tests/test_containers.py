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


def _workbook(path, sheets: dict[str, str | None], extra: dict[str, str] | None = None) -> None:
    """A minimal workbook: each sheet name with its XML (None: listed but its part missing)."""
    book = "".join(f'<sheet name="{n}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(sheets, start=1))
    rels = "".join(
        f'<Relationship Id="rId{i}" Target="worksheets/sheet{i}.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
        for i, _ in enumerate(sheets, start=1)
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for i, _ in enumerate(sheets, start=1)
            )
            + "</Types>",
        )
        zf.writestr(
            "xl/workbook.xml",
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f"<sheets>{book}</sheets></workbook>",
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
            "</Relationships>",
        )
        for i, xml in enumerate(sheets.values(), start=1):
            if xml is not None:
                zf.writestr(f"xl/worksheets/sheet{i}.xml", xml)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)


_SHEET = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'
    '<row r="2"><c r="A2"><v>1</v></c></row></sheetData></worksheet>'
)


def test_a_sound_workbook_opens_and_its_rows_read(tmp_path):
    path = tmp_path / "ok.xlsx"
    _workbook(path, {"2023_dataset": _SHEET, "notes": _SHEET})
    assert inspect(path).members == ("2023_dataset", "notes")
    with containers.open_workbook("ok.xlsx", path, 1 << 30) as wb:
        assert [list(containers.sheet_rows("ok.xlsx", ws)) for ws in wb.worksheets] == [[("a",), (1,)]] * 2


def test_a_workbook_missing_a_sheet_it_lists_is_refused(tmp_path):
    path = tmp_path / "cut.xlsx"
    _workbook(path, {"2021_dataset": _SHEET, "2023_dataset": None})
    with pytest.raises(UnknownFormatError, match=r"cut.xlsx: the workbook lists sheet\(s\) '2023_dataset' but holds"):
        inspect(path)


@pytest.mark.parametrize(
    "xml",
    [
        # a billion-laughs entity bomb
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        + _SHEET.replace("<t>a</t>", "<t>&b;</t>"),
        # an external entity (XXE) reading a local file
        '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + _SHEET.replace("<t>a</t>", "<t>&x;</t>"),
    ],
    ids=["entity-bomb", "xxe"],
)
def test_a_workbook_declaring_entities_is_refused_before_it_is_parsed(tmp_path, xml):
    path = tmp_path / "evil.xlsx"
    _workbook(path, {"2023_dataset": xml})
    with pytest.raises(UnknownFormatError, match="evil.xlsx: the part xl/worksheets/sheet1.xml declares a DTD"):
        inspect(path)


def test_a_sheet_whose_xml_breaks_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.xlsx"
    _workbook(path, {"2023_dataset": _SHEET[: len(_SHEET) // 2]})
    # openpyxl reads the start of each sheet when it opens the workbook, the rest as rows are read: either way the
    # error names the file (and the sheet when it is found part-way)
    with (
        pytest.raises(
            UnknownFormatError, match=r"broken.xlsx(\[2023_dataset\])?: the (sheet's XML|workbook) is damaged"
        ),
        containers.open_workbook("broken.xlsx", path, 1 << 30) as wb,
    ):
        for ws in wb.worksheets:
            list(containers.sheet_rows("broken.xlsx", ws))


def test_a_workbook_that_expands_past_its_cap_is_refused_without_expanding_it(tmp_path, monkeypatch):
    path = tmp_path / "big.xlsx"
    _workbook(path, {"s": _SHEET}, {"xl/sharedStrings.xml": "<sst>" + "x" * (3 << 20) + "</sst>"})
    monkeypatch.setattr(containers, "MAX_WORKBOOK_BYTES", 1 << 20)
    with pytest.raises(UnknownFormatError, match="big.xlsx: the workbook expands to more than 1,048,576 bytes"):
        inspect(path)


def test_an_archive_member_past_its_cap_is_refused_from_its_header(tmp_path, monkeypatch):
    monkeypatch.setattr(containers, "MAX_MEMBER_BYTES", 1000)
    path = tmp_path / "a.tar.gz"
    path.write_bytes(gzip.compress(_tar({"small.csv": b"a\n1\n", "big.csv": b"a\n" * 1000})))
    with pytest.raises(UnknownFormatError, match="a.tar.gz:big.csv: the member holds more than 1,000 bytes"):
        inspect(path)
    monkeypatch.setattr(containers, "MAX_MEMBER_BYTES", 1 << 20)
    monkeypatch.setattr(containers, "MAX_ARCHIVE_BYTES", 1500)
    with pytest.raises(UnknownFormatError, match="a.tar.gz: the archive's files hold more than 1,500 bytes"):
        inspect(path)
