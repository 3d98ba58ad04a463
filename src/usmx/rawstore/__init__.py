"""The raw store: one immutable, content-addressed copy of every file that usmx loaded.

Layout: ``<data_dir>/raw/<source>/<sha256>.<ext>`` plus ``<sha256>.<ext>.json`` (the provenance sidecar: original
name or URL, retrieved_at, bytes, sha256, license). A file that enters usmx is read **once**: :func:`receive` copies
it to ``<data_dir>/raw/.incoming/`` while hashing it, sniffing its compression from its bytes (not its name),
sampling its encoding and counting its lines; the parser reads only that copy, so the bytes recorded are the bytes
loaded, and a name with ``*`` or ``?`` in it is never taken for a pattern. The copy becomes the stored file only when
its load succeeds (:meth:`RawStore.keep`); a refused file is deleted (:meth:`RawStore.discard`), and what
interrupted runs left (``.part`` files, files of loads that never committed) is swept away by the next command
that writes (:meth:`RawStore.sweep`). Nothing here modifies a stored file.
"""

from __future__ import annotations

import bz2
import codecs
import contextlib
import hashlib
import io
import os
import re
import shutil
import stat
import tarfile
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import containers
from ..errors import MissingFileError, UnknownFormatError

CHUNK = 1 << 20
HEAD_BYTES = 1 << 16
SAMPLE_BYTES = 1 << 20  # decoded bytes whose encoding is settled here; DuckDB's reader validates the rest


def max_expanded_bytes() -> int:
    """The most a compressed file may expand to (``USMX_MAX_EXPANDED_BYTES``, read when a file is read)."""
    from .. import config

    return int(config.get("USMX_MAX_EXPANDED_BYTES"))


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]{1,3}")
_EXTS = {"gzip": ".gz", "bz2": ".bz2", "zip": ".zip", None: ""}
_BLANK = re.compile(rb"\n(?=\r?\n)")  # a line break followed by an empty line


@dataclass(frozen=True)
class FileFacts:
    """What usmx learns about a file in one streaming pass, before parsing it."""

    path: Path  # the bytes to parse: the incoming copy (or the file itself when only inspected)
    sha256: str
    bytes: int
    compression: str | None  # gzip, bz2, zip or None: from the bytes, not the name
    encoding: str  # utf-8, utf-8-sig or latin-1
    head: str  # the first ~64 KiB of decoded text
    lines_sampled: int
    lines: int | None = None  # text lines once decompressed (None for an archive or a workbook)
    name: str = ""  # the original file name
    container: str | None = None  # "tar" (an archive of text files) or "xlsx" (a workbook); None for a text file
    members: tuple[str, ...] = ()  # the archive's regular files, or the workbook's sheets, in stored order

    @property
    def python_encoding(self) -> str:
        """The codec name for Python's text readers (a BOM, if any, is skipped)."""
        return "utf-8-sig" if self.encoding.startswith("utf-8") else "latin-1"

    @property
    def duckdb_encoding(self) -> str:
        """The encoding name DuckDB's CSV reader takes."""
        return "utf-8" if self.encoding.startswith("utf-8") else self.encoding

    @property
    def duckdb_compression(self) -> str:
        return "gzip" if self.compression == "gzip" else "none"

    @property
    def ext(self) -> str:
        """The stored file's extension: the original's, with the compression suffix the bytes call for."""
        name = (self.name or self.path.name).lower()
        if self.container == "xlsx":
            return "xlsx"
        for suffix in (".gz", ".bz2", ".zip"):
            name = name.removesuffix(suffix)
        base = name.rsplit(".", 1)[-1] if "." in name else "bin"
        if not re.fullmatch(r"[a-z0-9]{1,8}", base):
            base = "bin"
        return base + _EXTS[self.compression]


def _magic(start: bytes) -> str | None:
    if start[:2] == b"\x1f\x8b":
        return "gzip"
    if start[:3] == b"BZh":
        return "bz2"
    if start[:4] == b"PK\x03\x04":
        return "zip"
    return None


def _regular(path: Path) -> None:
    """Refuse what is not a regular file, saying what it is."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise MissingFileError(f"{path}: no such file.") from None
    except OSError as exc:
        raise MissingFileError(f"{path}: cannot be read ({exc.strerror}).") from None
    if stat.S_ISDIR(mode):
        raise UnknownFormatError(f"{path}: is a directory, not a file; give the files in it instead.")
    if not stat.S_ISREG(mode):
        raise UnknownFormatError(f"{path}: is not a regular file (a pipe, socket or device); save it as a file first.")


@contextlib.contextmanager
def _open_decompressed(path: Path, compression: str | None) -> Iterator:
    if compression == "gzip":
        import gzip

        with gzip.open(path, "rb") as fh:
            yield fh
    elif compression == "bz2":
        with bz2.open(path, "rb") as fh:
            yield fh
    elif compression == "zip":
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if len(members) != 1:
                raise UnknownFormatError(
                    f"{path}: a zip archive must hold exactly one data file; it holds {len(members)}. "
                    "Extract the file you want and ingest it directly."
                )
            with zf.open(members[0]) as fh:
                yield fh
    else:
        with path.open("rb") as fh:
            yield fh


class _Lines:
    """Counts the lines of a decompressed stream fed in chunks, and keeps its first bytes."""

    def __init__(self) -> None:
        self.newlines = 0
        self.size = 0
        self.head = b""
        self.tail = b""  # the last bytes seen (is the last line complete?)
        self.nul_at: int | None = None
        self.limit = max_expanded_bytes()

    def feed(self, data: bytes) -> None:
        if not data:
            return
        if self.nul_at is None and b"\x00" in data:
            self.nul_at = self.size + data.index(b"\x00")
        if len(self.head) < SAMPLE_BYTES:
            self.head += data[: SAMPLE_BYTES - len(self.head)]
        self.newlines += data.count(b"\n")
        self.tail = (self.tail + data[-2:])[-2:]
        self.size += len(data)
        if self.size > self.limit:
            raise UnknownFormatError(
                f"the file expands to more than {self.limit:,} bytes; refused as a likely decompression bomb "
                "(set USMX_MAX_EXPANDED_BYTES to allow more)."
            )

    @property
    def lines(self) -> int:
        return self.newlines + (1 if self.size and not self.tail.endswith(b"\n") else 0)


def receive(path: str | os.PathLike[str], incoming: Path | None) -> FileFacts:
    """Read a file once: copy it into ``incoming`` (None: inspect in place), hash it, sniff its compression from its
    bytes, settle its encoding from a sample, count its lines. Returns the facts of the copy.

    Raises MissingFileError for a missing file and UnknownFormatError for directories, pipes, empty files, binary
    data, UTF-16/UTF-32, corrupt archives, and files whose sample mixes UTF-8 and Latin-1.
    """
    path = Path(path)
    _regular(path)
    sha = hashlib.sha256()
    size = 0
    dest: Path | None = None
    out = None
    if incoming is not None:
        incoming.mkdir(parents=True, exist_ok=True)
        dest = incoming / part_name(uuid.uuid4().hex)
        out = dest.open("wb")
    counter = _Lines()
    compression: str | None = None
    state: dict[str, Any] = {}  # the running decompressor, for gzip and bz2
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(CHUNK), b""):
                if size == 0:
                    compression = _magic(chunk)
                    if compression in ("gzip", "bz2"):
                        state["d"] = _decompressor(compression)
                sha.update(chunk)
                size += len(chunk)
                if out is not None:
                    out.write(chunk)
                if compression is None:
                    counter.feed(chunk)
                elif state:
                    _feed_compressed(state, chunk, counter, compression)
        if out is not None:
            out.close()
        if size == 0:
            raise UnknownFormatError(f"{path}: the file is empty (0 bytes). Re-download it; nothing was loaded.")
        if compression in ("gzip", "bz2") and not state["d"].eof:
            raise UnknownFormatError(f"{path}: the {compression} data are corrupt or truncated. Re-download the file.")
        if compression == "zip" and containers.is_workbook(dest or path):
            facts = _workbook_facts(path, dest or path, sha.hexdigest(), size)
        elif containers.is_tar(counter.head):
            facts = _tar_facts(path, dest or path, sha.hexdigest(), size, compression)
        else:
            if compression == "zip":
                _count_zip(dest or path, counter, path)
            facts = _facts(path, dest or path, sha.hexdigest(), size, compression, counter)
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile, tarfile.TarError) as exc:
        _remove(dest)
        raise UnknownFormatError(
            f"{path}: the {compression or 'file'} data are corrupt or truncated ({exc}). Re-download the file."
        ) from exc
    except BaseException:
        if out is not None and not out.closed:
            out.close()
        _remove(dest)
        raise
    return facts


def _decompressor(compression: str) -> Any:
    return zlib.decompressobj(wbits=47) if compression == "gzip" else bz2.BZ2Decompressor()


def _feed_compressed(state: dict[str, Any], chunk: bytes, counter: _Lines, compression: str) -> None:
    """Decompress a chunk into the line counter, at most CHUNK bytes at a time (one compressed megabyte can expand
    to a gigabyte: memory stays bounded and the expanded size is counted as it grows); a file may hold several
    gzip members (or bz2 streams)."""
    data = chunk
    while data:
        d = state["d"]
        if compression == "gzip":
            counter.feed(d.decompress(data, CHUNK))
            data = d.unconsumed_tail
        else:
            counter.feed(d.decompress(data, max_length=CHUNK))
            data = b""
            while not d.eof and not d.needs_input:
                counter.feed(d.decompress(b"", max_length=CHUNK))
        if data:
            continue
        if not d.eof:
            return
        data = d.unused_data
        if data:
            state["d"] = _decompressor(compression)


def _count_zip(stored: Path, counter: _Lines, shown: Path) -> None:
    with _open_decompressed(stored, "zip") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            counter.feed(chunk)


def _tar_facts(shown: Path, stored: Path, sha: str, size: int, compression: str | None) -> FileFacts:
    members = containers.tar_members(shown, stored, max_expanded_bytes())
    return FileFacts(stored, sha, size, compression, "utf-8", "", 0, None, shown.name, "tar", members)


def _workbook_facts(shown: Path, stored: Path, sha: str, size: int) -> FileFacts:
    sheets = containers.workbook_sheets(shown, stored, max_expanded_bytes())
    return FileFacts(stored, sha, size, "zip", "utf-8", "", 0, None, shown.name, "xlsx", sheets)


#: control characters that text files do not hold (tab, line ends and the DOS end-of-file mark excepted)
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x19\x1b-\x1f]")


def _facts(path: Path, stored: Path, sha: str, size: int, compression: str | None, counter: _Lines) -> FileFacts:
    head = counter.head
    if counter.size == 0:
        raise UnknownFormatError(f"{path}: the file holds no data once decompressed. Re-download it.")
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise UnknownFormatError(
            f"{path}: the file is UTF-32 encoded; usmx reads UTF-8 and Latin-1. Save it as UTF-8 CSV and try again."
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnknownFormatError(
            f"{path}: the file is UTF-16 encoded; usmx reads UTF-8 and Latin-1. Save it as UTF-8 CSV and try again."
        )
    if counter.nul_at is not None:
        raise _binary(path, counter.nul_at)
    encoding = _encoding(path, head)
    text = head[:HEAD_BYTES].decode("utf-8-sig" if encoding.startswith("utf-8") else "latin-1", errors="replace")
    controls = len(_CONTROLS.findall(text))
    if controls > max(8, len(text) // 200):
        raise _binary(path, 0)
    return FileFacts(
        stored,
        sha,
        size,
        compression,
        encoding,
        text,
        text.count("\n"),
        counter.lines if counter.size else None,
        path.name,
    )


def _encoding(path: Path, sample: bytes) -> str:
    """UTF-8 (with or without BOM) if the sample decodes as UTF-8, Latin-1 if it has no UTF-8 sequence before its
    first invalid byte; a sample that is UTF-8 and then not is refused as mixed."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=len(sample) < SAMPLE_BYTES)
    except UnicodeDecodeError as exc:
        if _UTF8_MULTIBYTE.search(sample[: exc.start]):
            line = sample[: exc.start].count(b"\n") + 1
            raise UnknownFormatError(
                f"{path}: mixed text encodings: the file reads as UTF-8 up to line {line}, where byte offset "
                f"{exc.start} is not valid UTF-8. Official files use one encoding; the file was probably edited and "
                "re-saved. Re-download the original."
            ) from None
        return "latin-1"
    return "utf-8-sig" if sample.startswith(codecs.BOM_UTF8) else "utf-8"


def blank_lines(facts: FileFacts) -> int:
    """Empty lines in the file (readers skip them). Counted only when the rows read and the lines differ: blank lines
    are rare, and looking for them costs as much as the rest of the pass."""
    count, tail, first = 0, b"", True
    with _open_decompressed(facts.path, facts.compression) as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            if first and chunk[:1] in (b"\n", b"\r"):
                count += 1
            first = False
            joined = tail + chunk
            count += len(_BLANK.findall(joined)) - len(_BLANK.findall(tail))
            tail = joined[-2:]
    return count


def inspect(path: str | os.PathLike[str]) -> FileFacts:
    """The facts of a file read in place (no copy): hash, compression, encoding, lines."""
    return receive(path, None)


def _binary(path: Path, offset: int) -> UnknownFormatError:
    return UnknownFormatError(
        f"{path}: this is binary data, not a text (CSV) file (control bytes near offset {offset}). If it is a "
        "spreadsheet, export it as CSV; if it is a download, re-download it."
    )


def _remove(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@contextlib.contextmanager
def open_text(facts: FileFacts) -> Iterator[io.TextIOWrapper]:
    """The file's text, decompressed and decoded as inspected (newlines untranslated, for the csv module)."""
    with _open_decompressed(facts.path, facts.compression) as raw:
        yield io.TextIOWrapper(raw, encoding=facts.python_encoding, newline="")


@contextlib.contextmanager
def readable_path(facts: FileFacts, scratch: Path) -> Iterator[Path]:
    """A path DuckDB can read: the file itself when plain or gzip, else a decompressed temporary copy."""
    if facts.compression in (None, "gzip") or facts.container:  # archives and workbooks are read as stored
        yield facts.path
        return
    scratch.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=scratch, suffix=".csv")
    try:
        with os.fdopen(fd, "wb") as out, _open_decompressed(facts.path, facts.compression) as fh:
            shutil.copyfileobj(fh, out, CHUNK)
        yield Path(tmp)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


from .store import RawFile, RawStore, Swept, alive, leftover, part_name, write_sidecar  # noqa: E402

__all__ = [
    "CHUNK",
    "FileFacts",
    "RawFile",
    "RawStore",
    "Swept",
    "alive",
    "inspect",
    "leftover",
    "max_expanded_bytes",
    "open_text",
    "part_name",
    "readable_path",
    "receive",
    "write_sidecar",
]
