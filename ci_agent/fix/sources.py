"""Local log files: expanding ``--log`` arguments (files, or directories of logs) and refusing
what is not a job log, with coded errors."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ci_agent.errors import fail
from ci_agent.fix.logs import sniff

__all__ = ["LOG_SUFFIXES", "check_log", "job_name", "log_files"]

LOG_SUFFIXES = (".log", ".txt")
# GitHub's run-log archive names job logs "<index>_<job name>.txt".
_ARCHIVE_INDEX = re.compile(r"^\d+_")


def log_files(paths: Sequence[Path]) -> list[Path]:
    """The log files named: files as given, directories by their ``*.log``/``*.txt`` files
    (not recursive: in an unzipped run-log archive the subdirectories hold per-step copies).

    CA130 for a path that does not exist, CA137 for a directory without logs.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            logs = sorted(
                p for p in path.iterdir() if p.is_file() and p.suffix.lower() in LOG_SUFFIXES
            )
            if not logs:
                raise fail("CA137", path=path)
            found.extend(logs)
        elif path.exists():
            found.append(path)
        else:
            raise fail("CA130", what="log file", path=path)
    return found


def check_log(path: Path) -> int:
    """The size of the log at ``path``; CA133 when it is empty, CA131 when it is not text."""
    try:
        size = path.stat().st_size
        problem = sniff(path) if size else None
    except OSError as exc:
        raise fail("CA131", path=path, problem=exc.strerror or str(exc)) from None
    if size == 0:
        raise fail("CA133", path=path)
    if problem is not None:
        raise fail("CA131", path=path, problem=problem)
    return size


def job_name(path: Path) -> str:
    """A job's name from its log file's name (``3_test (3.12).txt`` -> ``test (3.12)``)."""
    return _ARCHIVE_INDEX.sub("", path.stem) or path.stem
