"""Errors usmx raises on purpose.

Every message names the file (and where it can, the row and column), says what was found and what was expected,
and ends with what the user can do about it. The front ends map these classes, never their messages, to what the
user gets: the CLI to exit codes (``usmx.cli.EXIT_CODES``: 2 for any ``UsmxError``), the web app to HTTP statuses
(``usmx.web.app.STATUS``: 404 for an unknown name, 503 when there is no warehouse, 422 for the rest). Anything else
is a bug (exit 1, HTTP 500).
"""

from __future__ import annotations

from pathlib import Path


class UsmxError(Exception):
    """Base class: bad input or a request usmx cannot honour. Exit code 2 in the CLI."""


class UnknownNameError(UsmxError):
    """A thing named by the user does not exist: an indicator, an evaluation, an audit, a table, a fetch target."""


class ParameterError(UsmxError):
    """A parameter a user gave is not one the command or indicator takes, or its value is out of form or range."""


class MissingFileError(UsmxError, FileNotFoundError):
    """A file the user named does not exist or cannot be opened (also a FileNotFoundError for Python callers)."""


class UnknownFormatError(UsmxError):
    """The file is not one of the layouts usmx knows (or is not text at all)."""


class HeaderError(UsmxError):
    """The header row has columns usmx does not know, or lacks columns it needs."""

    def __init__(self, path: Path | str, unknown: list[str], missing: list[str], kind: str):
        self.unknown, self.missing, self.kind = unknown, missing, kind
        parts = [f"{path}: the header does not match the {kind} layout."]
        if unknown:
            parts.append("Unknown columns: " + ", ".join(repr(c) for c in unknown) + ".")
        if missing:
            parts.append("Missing columns: " + ", ".join(repr(c) for c in missing) + ".")
        parts.append(
            "If this is a new official release that renamed a column, add the new spelling to the header map in "
            "src/usmx/catalog/headers/ (one line), or pass --kind to choose another layout."
        )
        super().__init__(" ".join(parts))


class CellError(UsmxError):
    """A cell holds a value of the wrong form (row and column are named)."""

    def __init__(self, path: Path | str, row: int | None, column: str, value: str, expected: str):
        self.row, self.column, self.value = row, column, value
        where = f"row {row}, " if row is not None else ""
        super().__init__(
            f"{path}: {where}column {column!r} holds {value!r}, but {expected} was expected. "
            "Fix or re-download the file; nothing from it was loaded."
        )


class CheckError(UsmxError):
    """A named check on a parsed table failed; nothing of the file was loaded."""

    def __init__(self, path: Path | str, check: str, detail: str):
        self.check = check
        super().__init__(
            f"{path}: check {check!r} failed: {detail} Nothing from this file was loaded; the warehouse is unchanged."
        )


class FetchError(UsmxError):
    """A download failed (after retries) or did not match what was expected."""


class ReadOnlyError(UsmxError):
    """A statement that would write was sent to the read-only query interface."""


class OutputError(UsmxError):
    """An output path usmx may not write (a missing folder, a folder holding files usmx did not write)."""


class SettingError(UsmxError):
    """An environment variable usmx reads holds a value of the wrong form (usmx.config names it)."""
