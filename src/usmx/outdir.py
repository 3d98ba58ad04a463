"""Folders usmx writes (``usmx site``, ``usmx snapshot``): never a file usmx did not write is deleted.

A folder is written whole beside its target and moved into place, so a reader never sees half of it. The target
must be one of:

- a path where nothing exists yet (its parent folders are created);
- an empty folder;
- a folder usmx wrote before for the same command: it holds :data:`MARK`, which lists every file usmx put there,
  and nothing else. The old copy is replaced.

Anything else (a file, a folder holding files usmx did not write, the mark of another command) is refused with
:class:`~usmx.errors.OutputError` before anything is written or deleted.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from ._version import __version__
from .errors import OutputError

#: the file that says a folder is usmx's output, and which files in it usmx wrote
MARK = ".usmx-output.json"

T = TypeVar("T")


def _listing(folder: Path) -> list[str]:
    """Every file and link under ``folder``, as POSIX paths relative to it (folders are implied by their files)."""
    found = []
    for root, dirs, files in os.walk(folder):
        rel = Path(root).relative_to(folder)
        found += [(rel / f).as_posix() for f in files]
        found += [(rel / d).as_posix() for d in dirs if (Path(root) / d).is_symlink()]
    return sorted(found)


def _foreign(folder: Path, command: str) -> str | None:
    """Why ``folder`` may not be replaced by ``command``'s output, or None when it may."""
    entries = _listing(folder)
    if not entries and not any(folder.iterdir()):
        return None
    mark = folder / MARK
    try:
        owned = json.loads(mark.read_text("utf-8"))
    except (OSError, ValueError):
        shown = ", ".join(entries[:3]) + (f" and {len(entries) - 3} more" if len(entries) > 3 else "")
        return f"it already holds files usmx did not write ({shown or 'empty folders'})"
    if not isinstance(owned, dict) or owned.get("command") != command:
        other = owned.get("command") if isinstance(owned, dict) else None
        return f"it holds the output of `usmx {other}`, not of `usmx {command}`" if other else f"its {MARK} is damaged"
    ours = set(owned.get("files") or ()) | {MARK}
    extra = [e for e in entries if e not in ours]
    if extra:
        shown = ", ".join(extra[:3]) + (f" and {len(extra) - 3} more" if len(extra) > 3 else "")
        return f"files were added to it after usmx wrote it ({shown})"
    return None


def write_folder(output: str | os.PathLike[str], command: str, fill: Callable[[Path], T]) -> T:
    """Write ``command``'s output into folder ``output``: ``fill(tmp)`` writes the files into a fresh temporary
    folder beside it, which then takes ``output``'s place. Returns what ``fill`` returned.

    Refused (nothing written, nothing deleted) when ``output`` is a file or a folder holding anything usmx did not
    write there for ``command``.
    """
    target = Path(os.path.abspath(Path(output).expanduser()))
    if target.exists() and not target.is_dir():
        raise OutputError(f"--output {output}: is a file; give a folder (a new one, or one usmx {command} wrote).")
    if target.is_dir():
        why = _foreign(target, command)
        if why:
            raise OutputError(
                f"--output {output}: refused, {why}. usmx {command} writes into a new or empty folder, or replaces "
                f"a folder it wrote itself; nothing was written or deleted. Choose another folder."
            )
    if target.parent == target:
        raise OutputError(f"--output {output}: cannot write over the root folder; choose another folder.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".usmx-part", dir=target.parent))
    except OSError as exc:
        raise OutputError(f"--output {output}: cannot create a folder there ({exc.strerror}).") from None
    try:
        result = fill(tmp)
        mark = {
            "command": command,
            "usmx_version": __version__,
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": [f for f in _listing(tmp) if f != MARK],
        }
        (tmp / MARK).write_text(json.dumps(mark, indent=1) + "\n", "utf-8")
        os.chmod(tmp, 0o755)  # mkdtemp made it private; the output is meant to be published
        _swap(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result


def _swap(new: Path, target: Path) -> None:
    """Put folder ``new`` in ``target``'s place: a rename when ``target`` is missing; else its old content (checked
    to be usmx's, or nothing) moves aside and is removed."""
    if not target.exists():
        new.rename(target)
        return
    if target == Path.cwd().absolute():  # the working folder cannot be renamed under the shell: move its entries
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".usmx-old", dir=target))
        for entry in list(target.iterdir()):
            if entry != old:
                entry.rename(old / entry.name)
        for entry in list(new.iterdir()):
            entry.rename(target / entry.name)
        new.rmdir()
    else:
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".usmx-old", dir=target.parent))
        old.rmdir()
        target.rename(old)
        new.rename(target)
    with contextlib.suppress(OSError):
        shutil.rmtree(old)
