"""Files that hold other files: a tar archive of text files (the daily homicide count comes as one CSV per day in a
tarball) and a spreadsheet workbook (the GI-TOC index). The raw store records what such a file holds (its regular
files, or its sheets) without extracting anything to disk: parsers read members in memory, so a member's name
cannot reach outside the archive, and links, devices and directories are not data and are not listed. Size limits
guard against archive bombs as they do for compressed text.
"""

from __future__ import annotations

import contextlib
import io
import posixpath
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from .errors import UnknownFormatError

MAX_MEMBERS = 100_000  # files in one archive
#: the most one archive member may hold: members are parsed in memory (the daily count's files are a few KB, its
#: national workbooks under 1 MB)
MAX_MEMBER_BYTES = 16 << 20
#: the most the members of an archive parsed in memory may hold together (the daily count to 2026: about 30 MB)
MAX_ARCHIVE_BYTES = 256 << 20
#: the most a workbook's parts may expand to: workbooks are read in memory (the GI-TOC index: 0.65 MB)
MAX_WORKBOOK_BYTES = 32 << 20
_XML_CHUNK = 1 << 16


def is_tar(head: bytes) -> bool:
    """A POSIX (ustar or GNU) tar stream: the magic sits at byte 257 of the first header block."""
    return len(head) >= 512 and head[257:262] == b"ustar"


def is_workbook(path: Path) -> bool:
    """An Office Open XML workbook (``.xlsx``): a zip holding ``xl/workbook.xml``."""
    with zipfile.ZipFile(path) as zf:
        return "xl/workbook.xml" in zf.namelist()


def _bomb(shown: object, what: str, limit: int) -> UnknownFormatError:
    return UnknownFormatError(
        f"{shown}: {what} more than {limit:,} bytes; refused as a likely decompression bomb (usmx reads such files "
        "in memory; set USMX_MAX_EXPANDED_BYTES lower to refuse more, or extract the data you want)."
    )


def tar_members(shown: Path, stored: Path, max_bytes: int) -> tuple[str, ...]:
    """The archive's regular files, in stored order. Sizes come from the member headers, which bound what a reader
    gets (tarfile reads exactly that many bytes), so nothing is decompressed into memory here."""
    members: list[str] = []
    expanded = 0
    limit = min(max_bytes, MAX_ARCHIVE_BYTES)
    with tarfile.open(stored, "r:*") as tf:
        for info in tf:
            if not info.isreg():
                continue
            members.append(info.name)
            expanded += info.size
            if info.size > MAX_MEMBER_BYTES:
                raise _bomb(f"{shown}:{info.name}", "the member holds", MAX_MEMBER_BYTES)
            if len(members) > MAX_MEMBERS:
                raise UnknownFormatError(
                    f"{shown}: the archive holds more than {MAX_MEMBERS:,} files; refused as a likely archive bomb."
                )
            if expanded > limit:
                raise _bomb(shown, "the archive's files hold", limit)
    if not members:
        raise UnknownFormatError(f"{shown}: the archive holds no files. Re-download it; nothing was loaded.")
    return tuple(members)


def read_member(shown: str, tf: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    """One member's bytes, never more than MAX_MEMBER_BYTES (whatever its header says)."""
    if info.size > MAX_MEMBER_BYTES:
        raise _bomb(shown, "the member holds", MAX_MEMBER_BYTES)
    fh = tf.extractfile(info)
    if fh is None:
        raise UnknownFormatError(f"{shown}: the member cannot be read as a file.")
    data = fh.read(MAX_MEMBER_BYTES + 1)
    if len(data) > MAX_MEMBER_BYTES:
        raise _bomb(shown, "the member holds", MAX_MEMBER_BYTES)
    return data


def _xml(shown: object, zf: zipfile.ZipFile, part: str, what: str) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(zf.read(part))
    except KeyError:
        raise UnknownFormatError(
            f"{shown}: the workbook has no {part}, which every workbook has. Re-download it."
        ) from None
    except ElementTree.ParseError as exc:
        raise UnknownFormatError(f"{shown}: the workbook's {what} is corrupt ({exc}). Re-download it.") from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_parts(shown: object, zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part path) for every sheet ``xl/workbook.xml`` lists, through ``xl/_rels/workbook.xml.rels``."""
    sheets = [el for el in _xml(shown, zf, "xl/workbook.xml", "sheet list").iter() if _local(el.tag) == "sheet"]
    if not sheets:
        return []
    rels = _xml(shown, zf, "xl/_rels/workbook.xml.rels", "list of parts")
    targets = {el.get("Id"): el.get("Target", "") for el in rels.iter() if _local(el.tag) == "Relationship"}
    out = []
    for el in sheets:
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
        target = targets.get(rid, "")
        part = posixpath.normpath(target.lstrip("/") if target.startswith("/") else f"xl/{target}")
        out.append((el.get("name", ""), part))
    return out


def _refuse_dtd(shown: object, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """A workbook's XML never declares a DTD; one that does may carry entity bombs or external entities (XXE).
    Streams the part in small chunks, so a part's size does not matter."""
    tail = b""
    with zf.open(info) as fh:
        for chunk in iter(lambda: fh.read(_XML_CHUNK), b""):
            if b"<!DOCTYPE" in tail + chunk or b"<!ENTITY" in tail + chunk:
                raise UnknownFormatError(
                    f"{shown}: the part {info.filename} declares a DTD or XML entities, which workbooks never do "
                    "(an entity bomb or an external-entity read); refused."
                )
            tail = chunk[-16:]


def check_workbook(shown: object, zf: zipfile.ZipFile, max_bytes: int) -> tuple[str, ...]:
    """The workbook's sheet names, once its size, its XML and its sheet list are sound: expanded size within
    MAX_WORKBOOK_BYTES (declared sizes bound what the zip reader returns), no DTD or entity in any XML part, and a
    part for every sheet it lists."""
    limit = min(max_bytes, MAX_WORKBOOK_BYTES)
    infos = zf.infolist()
    if sum(i.file_size for i in infos) > limit:
        raise _bomb(shown, "the workbook expands to", limit)
    for info in infos:
        if info.filename.endswith((".xml", ".rels")):
            _refuse_dtd(shown, zf, info)
    parts = _sheet_parts(shown, zf)
    if not parts:
        raise UnknownFormatError(f"{shown}: the workbook has no sheets. Re-download it; nothing was loaded.")
    names = set(zf.namelist())
    missing = [name for name, part in parts if part not in names]
    if missing:
        raise UnknownFormatError(
            f"{shown}: the workbook lists sheet(s) {', '.join(repr(m) for m in missing)} but holds no data for them; "
            "it is damaged or was cut short. Re-download it; nothing was loaded."
        )
    return tuple(name for name, _ in parts)


def workbook_sheets(shown: Path, stored: Path, max_bytes: int) -> tuple[str, ...]:
    """The workbook's sheet names, read from ``xl/workbook.xml`` without loading any cell."""
    with zipfile.ZipFile(stored) as zf:
        return check_workbook(shown, zf, max_bytes)


@contextlib.contextmanager
def open_workbook(shown: str, source: Path | bytes, max_bytes: int) -> Iterator[Any]:
    """An openpyxl workbook (read-only, values), once :func:`check_workbook` passes; every listed sheet must load."""
    import openpyxl

    data = source if isinstance(source, bytes) else source.read_bytes()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            listed = check_workbook(shown, zf, max_bytes)
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, ElementTree.ParseError) as exc:
        raise UnknownFormatError(f"{shown}: the workbook is damaged ({exc}). Re-download it.") from exc
    try:
        if list(wb.sheetnames) != list(listed):
            lost = [s for s in listed if s not in wb.sheetnames]
            raise UnknownFormatError(
                f"{shown}: the workbook lists sheet(s) {', '.join(repr(s) for s in lost)} that cannot be read; "
                "it is damaged. Re-download it; nothing was loaded."
            )
        yield wb
    finally:
        wb.close()


def sheet_rows(shown: str, ws: Any) -> Iterator[tuple]:
    """A sheet's rows (values); a sheet whose XML breaks part-way is a clear error naming the sheet, not a crash."""
    try:
        yield from ws.iter_rows(values_only=True)
    except (ElementTree.ParseError, KeyError, ValueError, TypeError, zipfile.BadZipFile) as exc:
        raise UnknownFormatError(
            f"{shown}[{ws.title}]: the sheet's XML is damaged ({type(exc).__name__}: {exc}). Re-download the "
            "workbook; nothing was loaded."
        ) from exc
