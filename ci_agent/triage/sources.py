"""Local log files: expanding ``--log`` arguments (files, directories of logs, run-log
archives, ``gh run view --log-failed`` output) into one log per job, and refusing what is not a
job log, with coded errors."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from ci_agent.errors import fail
from ci_agent.triage.encodings import cr_lines, is_cr_only, is_utf16, utf8_copy
from ci_agent.triage.gh_output import is_log_failed, log_failed_jobs
from ci_agent.triage.layouts import (
    JobLog,
    archive_jobs,
    has_step_files,
    is_archive,
    is_step_folder,
    join_steps,
    step_dirs,
)
from ci_agent.triage.layouts import job_name as archive_job_name
from ci_agent.triage.logs import sniff

__all__ = ["LOG_SUFFIXES", "check_log", "collect", "job_name", "log_files", "unique_paths"]

LOG_SUFFIXES = (".log", ".txt")
# GitHub's run-log archive names job logs "<index>_<job name>.txt" ("-<id>_…" from its old
# service).
_ARCHIVE_INDEX = re.compile(r"^-?\d+_")


def collect(paths: Sequence[Path], scratch: Callable[[], Path]) -> list[JobLog]:
    """One log per job from ``--log`` arguments; archives, ``--log-failed`` files and
    directories of step files are split or joined into files under ``scratch()`` (called only
    for them: a plain job log is read where it is).

    CA130/CA137 for missing logs, CA133 for an empty one, CA131 for one that is not text,
    CA140 for an archive that cannot be read.
    """
    found: list[JobLog] = []
    for path in log_files(paths):
        if path.is_dir():  # a job's folder of step files (an unzipped archive's)
            found.append(join_steps(path, scratch()))
            continue
        check_log(path)
        found.extend(_file_jobs(path, scratch))
    return found


def _file_jobs(given: Path, scratch: Callable[[], Path]) -> list[JobLog]:
    """The jobs of one log file: an archive's or gh's, or the one it is (UTF-16 and
    carriage-return-only logs rewritten under ``scratch()`` for reading)."""
    path, name, archived = given, job_name(given), False
    if is_utf16(given):  # PowerShell's redirection: read as the UTF-8 it holds
        path = utf8_copy(given, scratch(), name)
    if is_archive(path):
        return list(archive_jobs(path, scratch()))
    if is_log_failed(path):
        return list(log_failed_jobs(path, scratch(), given))
    # An unzipped archive's job log ("0_test.txt") beside its folder ("test/"): read from the
    # folder's step files where it has them (they name the steps).
    job = archive_job_name(given.name)
    if job and (given.parent / job).is_dir():
        if has_step_files(given.parent / job):
            return [join_steps(given.parent / job, scratch(), job)]
        name, archived = job, True
    if is_cr_only(path):  # lines ended by a carriage return alone (old Mac style)
        path = cr_lines(path, scratch(), name)
    return [JobLog(name, path, str(given), archived=archived)]


def log_files(paths: Sequence[Path]) -> list[Path]:
    """The log files named: files as given, directories by their ``*.log``/``*.txt`` files
    (not recursive: in an unzipped run-log archive the subdirectories hold the jobs' step
    files); a job's folder of step files, and the step folders of an unzipped archive that has
    no job logs of its own, are returned as they are (one job each).

    CA130 for a path that does not exist, CA137 for a directory without logs.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            if is_step_folder(path):
                found.append(path)
                continue
            try:
                logs = sorted(
                    p for p in path.iterdir() if p.is_file() and p.suffix.lower() in LOG_SUFFIXES
                )
                if not logs:
                    logs = step_dirs(path)
            except OSError as exc:  # a directory the user cannot read
                problem = f"it cannot be read ({exc.strerror or exc})"
                raise fail("CA131", path=path, problem=problem) from None
            if not logs:
                raise fail("CA137", path=path)
            found.extend(logs)
        elif path.exists():
            found.append(path)
        else:
            raise fail("CA130", what="log file", path=path)
    return unique_paths(found)


def unique_paths(paths: Sequence[Path]) -> list[Path]:
    """``paths`` in order without a second spelling of a file already there."""
    first: dict[Path, Path] = {}
    for path in paths:
        first.setdefault(path.resolve(), path)
    return list(first.values())


def check_log(path: Path) -> int:
    """The size of the log at ``path``; CA133 when it is empty, CA131 when it is not text."""
    try:
        if not path.is_file():  # a FIFO or a device: its size says nothing, reading may not end
            raise fail("CA131", path=path, problem="it is not a regular file")
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
