"""The shapes job logs come in, each turned into one plain log file per job.

- a job's log as the API or the web page serves it: read as it is;
- the run-logs archive the API serves (``GET …/actions/runs/{id}/logs``), zipped or unzipped: a
  ``N_job.txt`` per job, and a ``job/N_step.txt`` per step (some archives hold only the steps);
  a job's steps are joined in their order;
- ``gh run view --log-failed`` (or ``--log``): ``job<TAB>step<TAB>line`` for every line of every
  job; split into one log per job, the prefix removed.

Archives are streamed member by member into a temporary directory; nothing is extracted by its
own name, so a member's path cannot point outside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from ci_agent.errors import fail
from ci_agent.record import Record, fill

if TYPE_CHECKING:  # zipfile loads only for an archive: a plain job log never needs it
    import zipfile

__all__ = ["JobLog", "is_archive", "is_log_failed", "job_logs", "join_steps", "step_dirs"]

_STEP_FILE = re.compile(r"^(\d+)_.*\.txt$", re.IGNORECASE)
_JOB_FILE = re.compile(r"^\d+_(.+)\.txt$", re.IGNORECASE)
# gh's --log-failed: job, step, then the line with its timestamp (a step's first line may
# carry the byte-order mark).
_LOG_FAILED = re.compile(rb"^([^\t\n]*)\t([^\t\n]*)\t(?:\xef\xbb\xbf)?\d{4}-\d\d-\d\dT\d\d:\d\d")
_CHUNK = 1 << 20
# Bounds on what one archive may make on disk: a run has at most a few hundred jobs (256 per
# matrix) and its logs rarely reach a few hundred MB; a zip bomb stops at these with CA140.
MAX_ARCHIVE_LOGS = 1000
MAX_INFLATED = 1 << 30


class JobLog(Record):
    """One job's log on disk, the job's name, and where the log came from."""

    __slots__ = FIELDS = ("name", "path", "origin")

    name: str
    path: Path
    origin: str

    def __init__(self, name: str, path: Path, origin: str) -> None:
        fill(self, name, path, origin)


def is_archive(path: Path) -> bool:
    """Whether the file starts as a zip archive does (it may still be a broken one)."""
    with path.open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def is_log_failed(path: Path) -> bool:
    """Whether the file is in ``gh run view --log-failed`` layout (its first line tells)."""
    with path.open("rb") as handle:
        first = handle.readline(64 << 10)
    return bool(_LOG_FAILED.match(first.removeprefix(b"\xef\xbb\xbf")))


def job_logs(path: Path, temp: Path) -> Iterator[JobLog]:
    """The job logs in the run-log archive or ``--log-failed`` file at ``path``, written under
    ``temp``. CA140 for an archive that cannot be read."""
    if is_archive(path):
        yield from _archive(path, temp)
    else:
        yield from _log_failed(path, temp)


def step_dirs(directory: Path) -> list[Path]:
    """The subdirectories of an unzipped run-log archive that hold a job's step files."""
    return sorted(
        d
        for d in directory.iterdir()
        if d.is_dir() and any(_STEP_FILE.match(p.name) for p in d.iterdir())
    )


def join_steps(directory: Path, temp: Path) -> JobLog:
    """One job's log made of the step files of ``directory``, in the steps' order."""
    steps = sorted(
        (int(found.group(1)), p.name)
        for p in directory.iterdir()
        if p.is_file() and (found := _STEP_FILE.match(p.name))
    )
    import shutil  # here: only step files, archives and --log-failed files are copied

    target = _target(temp, directory.name, 0)  # a fresh ``temp`` for each folder
    with target.open("wb") as out:
        for _, name in steps:
            with (directory / name).open("rb") as source:
                shutil.copyfileobj(source, out, _CHUNK)
    return JobLog(directory.name, target, str(directory))


def _archive(path: Path, temp: Path) -> Iterator[JobLog]:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            jobs = [m for m in members if "/" not in m.filename and _JOB_FILE.match(m.filename)]
            budget = _Budget(path)
            if jobs:  # a whole log per job: the step files repeat them
                _check_count(path, len(jobs), "job logs")
                for index, member in enumerate(sorted(jobs, key=lambda m: m.filename)):
                    name = _JOB_FILE.match(member.filename).group(1)  # type: ignore[union-attr]
                    target = _copy(archive, [member], _target(temp, name, index), budget)
                    yield JobLog(name, target, f"{path}: {member.filename}")
                return
            groups: dict[str, list[tuple[int, zipfile.ZipInfo]]] = {}
            for member in members:
                folder, _, file = member.filename.rpartition("/")
                found = _STEP_FILE.match(file)
                if folder and found:
                    groups.setdefault(folder, []).append((int(found.group(1)), member))
            if not groups:
                raise fail("CA140", path=path, problem="it holds no job or step logs (*.txt)")
            _check_count(path, len(groups), "jobs' step folders")
            for index, folder in enumerate(sorted(groups)):
                steps = [m for _, m in sorted(groups[folder], key=lambda item: item[0])]
                name = folder.rsplit("/", 1)[-1]
                target = _copy(archive, steps, _target(temp, name, index), budget)
                yield JobLog(name, target, f"{path}: {folder}/")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise fail("CA140", path=path, problem=str(exc) or type(exc).__name__) from None


def _check_count(path: Path, count: int, what: str) -> None:
    if count > MAX_ARCHIVE_LOGS:
        problem = (
            f"it holds {count:,} {what}, more than the {MAX_ARCHIVE_LOGS:,} a run's archive "
            "is read for (GitHub runs at most 256 jobs per matrix)"
        )
        raise fail("CA140", path=path, problem=problem)


class _Budget:
    """The bytes an archive may still inflate to (CA140 past :data:`MAX_INFLATED`)."""

    def __init__(self, path: Path) -> None:
        self.path, self.left = path, MAX_INFLATED

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            problem = (
                f"its logs inflate past {MAX_INFLATED >> 30} GiB (a run's logs are far "
                "smaller; nothing of it was kept)"
            )
            raise fail("CA140", path=self.path, problem=problem)


def _copy(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], target: Path, budget: _Budget
) -> Path:
    with target.open("wb") as out:
        for member in members:
            with archive.open(member) as source:
                # Counted as it inflates: a member's declared size may lie.
                while chunk := source.read(_CHUNK):
                    budget.spend(len(chunk))
                    out.write(chunk)
    return target


def _log_failed(path: Path, temp: Path) -> Iterator[JobLog]:
    """Split a ``--log-failed`` file by job; a line without the prefix continues its job."""
    outputs: dict[bytes, tuple[Path, BinaryIO]] = {}
    try:
        current: BinaryIO | None = None
        with path.open("rb") as source:
            for raw in source:
                line = raw.removeprefix(b"\xef\xbb\xbf")
                found = _LOG_FAILED.match(line)
                if found is not None:
                    job = found.group(1)
                    if job not in outputs:
                        target = _target(temp, job.decode("utf-8", "replace"), len(outputs))
                        outputs[job] = (target, target.open("wb"))
                    current = outputs[job][1]
                    line = line[found.end(2) + 1 :].removeprefix(b"\xef\xbb\xbf")
                if current is not None:
                    current.write(line)
    finally:
        for _, handle in outputs.values():
            handle.close()
    for job, (target, _) in outputs.items():
        name = job.decode("utf-8", "replace")
        yield JobLog(name, target, f"{path}: job {name}")


def _target(temp: Path, name: str, index: int) -> Path:
    """A fresh file under ``temp`` for the ``index``-th job of its source, ``name`` (the name
    alone never makes the path)."""
    return temp / f"{index}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)[:60]}.log"
