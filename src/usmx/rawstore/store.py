"""The store itself: content-addressed files with provenance sidecars, kept only for loads that commit, and the
sweep that clears what interrupted runs left."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import FileFacts, _remove, receive


@dataclass(frozen=True)
class RawFile:
    path: Path
    sha256: str
    bytes: int
    origin: str
    retrieved_at: str
    source: str
    license: str | None = None


def part_name(name: str) -> str:
    """A temporary file's name: ``<name>.<pid>.part``, so that a later command can tell whether the process that
    was writing it still runs."""
    return f"{name}.{os.getpid()}.part"


_OWNER = re.compile(r"\.(\d+)\.part$")


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (this process counts)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def leftover(path: Path, stale_seconds: float) -> bool:
    """A temporary file no running process is writing: its owner (from its name) has exited, or it has no owner in
    its name and is older than ``stale_seconds``, or it is older than that whoever owns it (a reused pid)."""
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return False
    m = _OWNER.search(path.name)
    if m and not alive(int(m.group(1))):
        return True
    return age > stale_seconds


@dataclass
class Swept:
    """What a clean-up removed (or, dry, would remove): paths and their bytes, and loads settled."""

    removed: list[tuple[Path, int]]
    settled: int = 0

    @property
    def bytes(self) -> int:
        return sum(n for _, n in self.removed)


class RawStore:
    """Content-addressed store under ``<root>/raw``.

    A file a load stores is *pending* until the load commits: :meth:`keep` writes a marker under
    ``raw/.pending/`` naming the process and the warehouse, :meth:`settle` removes it after the commit. A load killed
    in between leaves the marker; the next command that writes to that warehouse (:meth:`sweep`) keeps the file when
    the warehouse has its load and deletes it when not. Temporary files carry their writer's process id
    (:func:`part_name`) and are deleted once that process has exited."""

    STALE_SECONDS = 24 * 3600  # a .part older than this belongs to no running process

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root) / "raw"

    @property
    def incoming(self) -> Path:
        return self.root / ".incoming"

    @property
    def pending(self) -> Path:
        return self.root / ".pending"

    def path_for(self, source: str, sha256: str, ext: str) -> Path:
        return self.root / source / f"{sha256}.{ext}"

    def find(self, sha256: str) -> Path | None:
        for candidate in self.root.glob(f"*/{sha256}.*"):
            if not candidate.name.endswith((".json", ".part")):
                return candidate
        return None

    def receive(self, path: str | os.PathLike[str]) -> FileFacts:
        """Copy a file into the incoming area in one pass (see :func:`receive`); sweep leftovers first."""
        self.sweep()
        return receive(path, self.incoming)

    def keep(
        self, facts: FileFacts, source: str, origin: str, license: str | None = None, *, warehouse: str | None = None
    ) -> tuple[RawFile, bool]:
        """Move an incoming copy into place (once) and write its sidecar. Returns the record and whether it is new
        (False: the store had these bytes already, and the copy was dropped). A new file is pending for
        ``warehouse`` until :meth:`settle`."""
        dest = self.path_for(source, facts.sha256, facts.ext)
        existing = self.find(facts.sha256)
        if existing is not None and existing.with_name(existing.name + ".json").exists():
            self.discard(facts)
            meta = json.loads(existing.with_name(existing.name + ".json").read_text(encoding="utf-8"))
            return RawFile(
                existing, facts.sha256, facts.bytes, meta["origin"], meta["retrieved_at"], source, meta.get("license")
            ), False
        if warehouse is not None:
            self._mark(facts.sha256, dest, warehouse)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if facts.path.parent == self.incoming:
            os.replace(facts.path, dest)
        else:  # inspected in place: copy
            tmp = dest.with_name(part_name(dest.name))
            shutil.copyfile(facts.path, tmp)
            os.replace(tmp, dest)
        record = RawFile(dest, facts.sha256, facts.bytes, origin, _now(), source, license)
        write_sidecar(record)
        return record, True

    def _mark(self, sha256: str, dest: Path, warehouse: str) -> None:
        self.pending.mkdir(parents=True, exist_ok=True)
        marker = self.pending / f"{sha256}.json"
        tmp = marker.with_name(part_name(marker.name))
        tmp.write_text(json.dumps({"pid": os.getpid(), "warehouse": warehouse, "path": str(dest)}), "utf-8")
        os.replace(tmp, marker)

    def settle(self, record: RawFile) -> None:
        """The load that stored ``record`` committed: the file is the warehouse's now."""
        _remove(self.pending / f"{record.sha256}.json")

    def discard(self, facts: FileFacts) -> None:
        """Delete an incoming copy (a refused or already-stored file)."""
        if facts.path.parent == self.incoming:
            _remove(facts.path)

    def forget(self, record: RawFile) -> None:
        """Remove a file this load just added (its load was rolled back)."""
        _remove(record.path)
        _remove(record.path.with_name(record.path.name + ".json"))
        _remove(self.pending / f"{record.sha256}.json")

    def add(self, facts: FileFacts, source: str, origin: str, license: str | None = None) -> RawFile:
        """Store a file inspected in place (kept for callers that do not receive first)."""
        return self.keep(facts, source, origin, license)[0]

    def adopt(self, tmp: Path, source: str, sha256: str, ext: str, origin: str, license: str | None) -> RawFile:
        """Move a fully downloaded and verified temporary file into place (atomic rename)."""
        dest = self.path_for(source, sha256, ext)
        dest.parent.mkdir(parents=True, exist_ok=True)
        size = tmp.stat().st_size
        os.replace(tmp, dest)
        record = RawFile(dest, sha256, size, origin, _now(), source, license)
        write_sidecar(record)
        return record

    def sweep(self, warehouse: str | None = None, loaded=None, *, dry_run: bool = False) -> Swept:
        """Delete what interrupted runs left: temporary files whose writer has exited (or older than a day), and,
        given the ``warehouse`` and ``loaded(sha256) -> bool`` on it, the files of its loads that never committed
        (a load that did commit has its marker removed). Markers of live processes and of other warehouses are left
        alone. ``dry_run``: only say what would go."""
        out = Swept([])
        if not self.root.exists():
            return out
        for part in self.root.rglob("*.part"):
            if leftover(part, self.STALE_SECONDS):
                out.removed.append((part, _size(part)))
        if warehouse is not None and loaded is not None and self.pending.is_dir():
            for marker in self.pending.glob("*.json"):
                try:
                    meta = json.loads(marker.read_text("utf-8"))
                except (OSError, ValueError):
                    continue
                if meta.get("warehouse") != warehouse or alive(int(meta.get("pid", 0))):
                    continue
                sha = marker.name.removesuffix(".json")
                if loaded(sha):
                    out.settled += 1
                    if not dry_run:
                        _remove(marker)
                    continue
                stored = Path(meta.get("path", ""))
                if stored.parent.parent == self.root and stored.name.startswith(sha):
                    for path in (stored, stored.with_name(stored.name + ".json")):
                        if path.exists():
                            out.removed.append((path, _size(path)))
                out.removed.append((marker, _size(marker)))
        if not dry_run:
            for path, _ in out.removed:
                _remove(path)
        return out


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def write_sidecar(record: RawFile) -> None:
    sidecar = record.path.with_name(record.path.name + ".json")
    meta = asdict(record)
    meta["path"] = record.path.name
    tmp = sidecar.with_name(part_name(sidecar.name))
    tmp.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, sidecar)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
