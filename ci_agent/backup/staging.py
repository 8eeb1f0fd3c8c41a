"""Staging directories of ``backup create``: marked with their owner, found and removed when
the owner is gone (a create killed before it could clean up after itself).

A create stages everything, the temporary archive included, in ``.ci-agent-backup-XXXX/``
inside ``--out`` with a marker file naming the process (host, pid, start time). A later
``create`` or ``prune`` removes the staging directories whose process no longer runs; ``list``
names them. Older versions left unmarked directories and ``.NAME.tar.gz.*.tmp`` files: those
count as stale once they are an hour old.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ci_agent.backup.naming import PREFIX, SUFFIX

__all__ = ["MARKER", "STAGE_PREFIX", "Stale", "clean_stale", "find_stale", "make_stage"]

STAGE_PREFIX = ".ci-agent-backup-"
MARKER = ".ci-agent-staging.json"
# An unmarked leftover younger than this may belong to a create that is still running.
_UNMARKED_GRACE = 3600.0


@dataclass(frozen=True)
class Stale:
    """A leftover of an interrupted create: its path, size in bytes and why it is stale."""

    path: Path
    size: int
    reason: str


def make_stage(out: Path) -> Path:
    """A new staging directory in ``out``, marked with this process."""
    stage = Path(tempfile.mkdtemp(dir=out, prefix=STAGE_PREFIX))
    marker = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "started_at": int(time.time()),
    }
    (stage / MARKER).write_text(json.dumps(marker, sort_keys=True) + "\n", encoding="utf-8")
    return stage


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _why_stale(path: Path, now: float) -> str | None:
    """Why ``path`` is a stale leftover, or None when it may still be in use."""
    marker = path / MARKER
    if path.is_dir() and marker.is_file():
        try:
            owner = json.loads(marker.read_text(encoding="utf-8"))
            host, pid = str(owner["host"]), int(owner["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            return "its marker is unreadable"
        if host != socket.gethostname():
            return None  # another machine's create (a shared directory): not ours to judge
        if pid != os.getpid() and not _alive(pid):
            return f"process {pid} that staged it is gone"
        return None
    age = now - path.lstat().st_mtime
    if age < _UNMARKED_GRACE:
        return None
    return f"unmarked, {int(age // 60)} minutes old"


def find_stale(out: Path) -> list[Stale]:
    """Leftovers of interrupted creates in ``out``, by name."""
    if not out.is_dir():
        return []
    now = time.time()
    found = []
    candidates = [*out.glob(f"{STAGE_PREFIX}*"), *out.glob(f".{PREFIX}*{SUFFIX}.*.tmp")]
    for path in sorted(set(candidates)):
        if path.is_symlink():
            continue
        reason = _why_stale(path, now)
        if reason is not None:
            found.append(Stale(path, _size(path), reason))
    return found


def clean_stale(out: Path, *, dry_run: bool) -> list[Stale]:
    """Remove (unless ``dry_run``) the leftovers ``find_stale`` reports; what it found."""
    found = find_stale(out)
    if not dry_run:
        for item in found:
            if item.path.is_dir():
                shutil.rmtree(item.path, ignore_errors=True)
            else:
                item.path.unlink(missing_ok=True)
    return found
