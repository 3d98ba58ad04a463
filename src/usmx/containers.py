"""Files that hold other files: a tar archive of text files (the daily homicide count comes as one CSV per day in a
tarball) and a spreadsheet workbook (the GI-TOC index). The raw store records what such a file holds (its regular
files, or its sheets) without extracting anything to disk: parsers read members in memory, so a member's name
cannot reach outside the archive, and links, devices and directories are not data and are not listed. Size limits
guard against archive bombs as they do for compressed text.
"""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from .errors import UnknownFormatError

MAX_MEMBERS = 100_000  # files in one archive


def is_tar(head: bytes) -> bool:
    """A POSIX (ustar or GNU) tar stream: the magic sits at byte 257 of the first header block."""
    return len(head) >= 512 and head[257:262] == b"ustar"


def is_workbook(path: Path) -> bool:
    """An Office Open XML workbook (``.xlsx``): a zip holding ``xl/workbook.xml``."""
    with zipfile.ZipFile(path) as zf:
        return "xl/workbook.xml" in zf.namelist()


def tar_members(shown: Path, stored: Path, max_bytes: int) -> tuple[str, ...]:
    """The archive's regular files, in stored order."""
    members: list[str] = []
    expanded = 0
    with tarfile.open(stored, "r:*") as tf:
        for info in tf:
            if not info.isreg():
                continue
            members.append(info.name)
            expanded += info.size
            if len(members) > MAX_MEMBERS or expanded > max_bytes:
                raise UnknownFormatError(
                    f"{shown}: the archive holds more than {MAX_MEMBERS:,} files or expands to more than "
                    f"{max_bytes:,} bytes; refused as a likely archive bomb (set USMX_MAX_EXPANDED_BYTES to allow "
                    "more)."
                )
    if not members:
        raise UnknownFormatError(f"{shown}: the archive holds no files. Re-download it; nothing was loaded.")
    return tuple(members)


def workbook_sheets(shown: Path, stored: Path, max_bytes: int) -> tuple[str, ...]:
    """The workbook's sheet names, read from ``xl/workbook.xml`` without loading any cell."""
    with zipfile.ZipFile(stored) as zf:
        if sum(i.file_size for i in zf.infolist()) > max_bytes:
            raise UnknownFormatError(
                f"{shown}: the workbook expands to more than {max_bytes:,} bytes; refused as a likely decompression "
                "bomb (set USMX_MAX_EXPANDED_BYTES to allow more)."
            )
        try:
            root = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        except ElementTree.ParseError as exc:
            raise UnknownFormatError(f"{shown}: the workbook's sheet list is corrupt ({exc}). Re-download it.") from exc
    sheets = tuple(el.get("name", "") for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "sheet")
    if not sheets:
        raise UnknownFormatError(f"{shown}: the workbook has no sheets. Re-download it; nothing was loaded.")
    return sheets
