"""The raw store: one immutable, content-addressed copy of every file that enters usmx.

Layout: ``<data_dir>/raw/<source>/<sha256>.<ext>`` plus ``<sha256>.<ext>.json`` (the provenance sidecar: original
name or URL, retrieved_at, bytes, sha256, license). Files are written to a temporary name in the same folder and
renamed into place, so a crash never leaves a half-written file under a real name. Nothing here modifies or deletes
a stored file.
"""

from __future__ import annotations

import bz2
import codecs
import contextlib
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from .errors import UnknownFormatError

CHUNK = 1 << 20
HEAD_BYTES = 1 << 16
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]{1,3}")


@dataclass(frozen=True)
class FileFacts:
    """What usmx learns about a file in one streaming pass, before parsing it."""

    path: Path
    sha256: str
    bytes: int
    compression: str | None  # gzip, bz2, zip or None
    encoding: str  # utf-8, utf-8-sig or latin-1 (DuckDB's names)
    head: str  # the first ~64 KiB of decoded text
    lines_sampled: int

    @property
    def python_encoding(self) -> str:
        """The codec name for Python's text readers (a BOM, if any, is skipped)."""
        return "utf-8-sig" if self.encoding.startswith("utf-8") else "latin-1"

    @property
    def duckdb_encoding(self) -> str:
        """The encoding name DuckDB's CSV reader takes."""
        return "utf-8" if self.encoding.startswith("utf-8") else self.encoding

    @property
    def ext(self) -> str:
        """The stored file's extension, keeping the compression suffix (``csv.gz``)."""
        name = self.path.name.lower()
        for suffix in (".csv.gz", ".csv.bz2", ".csv.zip", ".txt.gz", ".txt.bz2"):
            if name.endswith(suffix):
                return suffix[1:]
        suffix = self.path.suffix.lower().lstrip(".")
        return suffix or "bin"


def _magic(path: Path) -> str | None:
    with path.open("rb") as fh:
        start = fh.read(4)
    if start[:2] == b"\x1f\x8b":
        return "gzip"
    if start[:3] == b"BZh":
        return "bz2"
    if start[:4] == b"PK\x03\x04":
        return "zip"
    return None


@contextlib.contextmanager
def _open_decompressed(path: Path, compression: str | None) -> Iterator:
    if compression == "gzip":
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


def inspect(path: str | os.PathLike[str]) -> FileFacts:
    """Hash a file and settle its compression and text encoding in one streaming pass.

    Raises UnknownFormatError for empty files, binary data, UTF-16, corrupt archives, and files that mix UTF-8 and
    Latin-1 (a sign of a file edited by hand in two programs): loading those would silently garble labels.
    """
    path = Path(path)
    if not path.is_file():
        raise UnknownFormatError(f"{path}: no such file.")
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            sha.update(chunk)
            size += len(chunk)
    if size == 0:
        raise UnknownFormatError(f"{path}: the file is empty (0 bytes). Re-download it; nothing was loaded.")
    compression = _magic(path)

    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    first_bad: int | None = None
    multibyte_seen = False
    head = b""
    offset = 0
    newlines_before_bad = 0
    try:
        with _open_decompressed(path, compression) as fh:
            for chunk in iter(lambda: fh.read(CHUNK), b""):
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                if offset == 0 and chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
                    raise UnknownFormatError(
                        f"{path}: the file is UTF-16 encoded; usmx reads UTF-8 and Latin-1. Save it as UTF-8 CSV "
                        "and try again."
                    )
                if b"\x00" in chunk:
                    raise _binary(path, chunk, offset)
                if utf8_ok:
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError as exc:
                        utf8_ok = False
                        first_bad = offset + exc.start
                        newlines_before_bad += chunk.count(b"\n", 0, exc.start)
                        multibyte_seen = multibyte_seen or bool(_UTF8_MULTIBYTE.search(chunk[: exc.start]))
                    else:
                        newlines_before_bad += chunk.count(b"\n")
                        multibyte_seen = multibyte_seen or bool(_UTF8_MULTIBYTE.search(chunk))
                offset += len(chunk)
            if utf8_ok:
                try:
                    decoder.decode(b"", final=True)
                except UnicodeDecodeError:
                    utf8_ok, first_bad = False, offset
    except (OSError, EOFError, zipfile.BadZipFile, gzip.BadGzipFile) as exc:
        raise UnknownFormatError(
            f"{path}: the {compression or 'file'} data are corrupt or truncated ({exc}). Re-download the file."
        ) from exc
    if offset == 0:
        raise UnknownFormatError(f"{path}: the file holds no data once decompressed. Re-download it.")

    if utf8_ok:
        encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    else:
        if multibyte_seen:
            raise UnknownFormatError(
                f"{path}: mixed text encodings: the file reads as UTF-8 up to line {newlines_before_bad + 1}, "
                f"where byte offset {first_bad} is not valid UTF-8. Official files use one encoding; the file was "
                "probably edited and re-saved. Re-download the original."
            )
        encoding = "latin-1"
    text = head.decode("utf-8-sig" if encoding.startswith("utf-8") else "latin-1", errors="replace")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t")
    if controls > max(8, len(text) // 200):
        raise _binary(path, head, 0)
    return FileFacts(path, sha.hexdigest(), size, compression, encoding, text, text.count("\n"))


def _binary(path: Path, chunk: bytes, offset: int) -> UnknownFormatError:
    return UnknownFormatError(
        f"{path}: this is binary data, not a text (CSV) file (control bytes near offset {offset}). If it is a "
        "spreadsheet, export it as CSV; if it is a download, re-download it."
    )


@contextlib.contextmanager
def open_text(facts: FileFacts) -> Iterator[io.TextIOWrapper]:
    """The file's text, decompressed and decoded as inspected (newlines untranslated, for the csv module)."""
    with _open_decompressed(facts.path, facts.compression) as raw:
        yield io.TextIOWrapper(raw, encoding=facts.python_encoding, newline="")


@contextlib.contextmanager
def readable_path(facts: FileFacts, scratch: Path) -> Iterator[Path]:
    """A path DuckDB can read: the file itself when plain or gzip, else a decompressed temporary copy."""
    if facts.compression in (None, "gzip"):
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


@dataclass(frozen=True)
class RawFile:
    path: Path
    sha256: str
    bytes: int
    origin: str
    retrieved_at: str
    source: str
    license: str | None = None


class RawStore:
    """Content-addressed store under ``<root>/raw``."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root) / "raw"

    def path_for(self, source: str, sha256: str, ext: str) -> Path:
        return self.root / source / f"{sha256}.{ext}"

    def find(self, sha256: str) -> Path | None:
        for candidate in self.root.glob(f"*/{sha256}.*"):
            if not candidate.name.endswith(".json") and ".part" not in candidate.name:
                return candidate
        return None

    def add(self, facts: FileFacts, source: str, origin: str, license: str | None = None) -> RawFile:
        """Copy a file into the store (once) and write its sidecar. Returns the stored file's record."""
        dest = self.path_for(source, facts.sha256, facts.ext)
        sidecar = dest.with_name(dest.name + ".json")
        if dest.exists() and sidecar.exists():
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
            return RawFile(
                dest, facts.sha256, facts.bytes, meta["origin"], meta["retrieved_at"], source, meta.get("license")
            )
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.exists():
            tmp = dest.with_name(dest.name + f".part{os.getpid()}")
            shutil.copyfile(facts.path, tmp)
            os.replace(tmp, dest)
        record = RawFile(dest, facts.sha256, facts.bytes, origin, _now(), source, license)
        write_sidecar(record)
        return record

    def adopt(self, tmp: Path, source: str, sha256: str, ext: str, origin: str, license: str | None) -> RawFile:
        """Move a fully downloaded and verified temporary file into place (atomic rename)."""
        dest = self.path_for(source, sha256, ext)
        dest.parent.mkdir(parents=True, exist_ok=True)
        size = tmp.stat().st_size
        os.replace(tmp, dest)
        record = RawFile(dest, sha256, size, origin, _now(), source, license)
        write_sidecar(record)
        return record


def write_sidecar(record: RawFile) -> None:
    sidecar = record.path.with_name(record.path.name + ".json")
    meta = asdict(record)
    meta["path"] = record.path.name
    tmp = sidecar.with_name(sidecar.name + f".part{os.getpid()}")
    tmp.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, sidecar)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
