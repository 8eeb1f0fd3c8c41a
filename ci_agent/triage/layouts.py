"""The shapes job logs come in, each turned into one plain log file per job.

- a job's log as the API or the web page serves it: read as it is;
- the run-logs archive the API serves (``GET …/actions/runs/{id}/logs``), zipped or unzipped: a
  ``N_job.txt`` per job (``-ID_job.txt`` in archives of the old service) and a ``job/N_step.txt``
  per step, ``N`` the step's number and the rest its name (some archives hold only the steps, old
  ones only the jobs); a job with step files is read from them, joined in their order, and its
  steps are named from the files;
- ``gh run view --log-failed`` (or ``--log``): see :mod:`ci_agent.triage.gh_output`;
- UTF-16 logs and logs whose lines end with a carriage return alone: see
  :mod:`ci_agent.triage.encodings`.

Archives are streamed member by member into a temporary directory; nothing is extracted by its
own name, so a member's path cannot point outside it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from ci_agent.errors import fail
from ci_agent.record import Record, fill
from ci_agent.triage.steps import StepFile

if TYPE_CHECKING:  # zipfile loads only for an archive: a plain job log never needs it
    import zipfile

__all__ = [
    "BOM",
    "CHUNK",
    "JobLog",
    "archive_jobs",
    "has_step_files",
    "is_archive",
    "is_step_folder",
    "job_name",
    "join_steps",
    "scratch_file",
    "step_dirs",
]

_STEP_FILE = re.compile(r"^(\d+)_(.*)\.txt$", re.IGNORECASE)
# A job's whole log: its order in the run (or, from the old service, a negative id), its name.
_JOB_FILE = re.compile(r"^-?\d+_(.+)\.txt$", re.IGNORECASE)
# Every job's first step: a folder holding its file is one job's step files.
_FIRST_STEP = "1_Set up job.txt"
BOM = b"\xef\xbb\xbf"
CHUNK = 1 << 20  # bytes copied at a time
# Bounds on what one archive may make on disk: a run has at most a few hundred jobs (256 per
# matrix) and its logs rarely reach a few hundred MB; a zip bomb stops at these with CA140.
MAX_ARCHIVE_LOGS = 1000
MAX_INFLATED = 1 << 30


class JobLog(Record):
    """One job's log on disk, the job's name, where the log came from, its steps' files (where
    the steps came as files: their names, not the runner's markers, name the steps), and whether
    it came from a run's logs (an archive, gh's output: where a job that passed is a log without
    an error marker)."""

    __slots__ = FIELDS = ("name", "path", "origin", "steps", "archived")

    name: str
    path: Path
    origin: str
    steps: tuple[StepFile, ...]
    archived: bool

    def __init__(
        self,
        name: str,
        path: Path,
        origin: str,
        steps: tuple[StepFile, ...] = (),
        archived: bool = False,
    ) -> None:
        fill(self, name, path, origin, steps, archived)


def is_archive(path: Path) -> bool:
    """Whether the file starts as a zip archive does (it may still be a broken one)."""
    with path.open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def is_step_folder(directory: Path) -> bool:
    """Whether ``directory`` is one job's folder of an unzipped run-log archive (its first
    step, "Set up job", is there as ``1_Set up job.txt``)."""
    return (directory / _FIRST_STEP).is_file()


def archive_jobs(path: Path, temp: Path) -> Iterator[JobLog]:
    """The job logs in the run-log archive at ``path``, written under ``temp``. CA140 for an
    archive that cannot be read."""
    yield from _archive(path, temp)


def step_dirs(directory: Path) -> list[Path]:
    """The subdirectories of an unzipped run-log archive that hold a job's step files."""
    return sorted(d for d in directory.iterdir() if d.is_dir() and has_step_files(d))


def has_step_files(directory: Path) -> bool:
    """Whether ``directory`` holds step files (``N_step.txt``); False for one it cannot read
    (a subdirectory of a directory given to ``--log`` that is not a job's)."""
    try:
        return any(_STEP_FILE.match(p.name) and p.is_file() for p in directory.iterdir())
    except OSError:
        return False


def job_name(file_name: str) -> str | None:
    """The job a run-log archive's top-level file holds (``3_test (3.12).txt`` -> ``test
    (3.12)``), or None for another name."""
    found = _JOB_FILE.match(file_name)
    return found.group(1) if found else None


def join_steps(directory: Path, temp: Path, name: str | None = None) -> JobLog:
    """One job's log made of the step files of ``directory``, in the steps' order, each step
    named from its file (``3_Run tests.txt``: step 3, ``Run tests``)."""
    steps = sorted(
        (int(found.group(1)), found.group(2), p)
        for p in directory.iterdir()
        if p.is_file() and (found := _STEP_FILE.match(p.name))
    )
    target = scratch_file(temp, directory.name, 0)  # a fresh ``temp`` for each folder
    opened = [(number, step, _file_opener(path)) for number, step, path in steps]
    files = _join(opened, target, None)
    return JobLog(name or directory.name, target, str(directory), files, archived=True)


def _join(
    steps: Sequence[tuple[int, str, Callable[[str], BinaryIO]]],
    target: Path,
    budget: _Budget | None,
) -> tuple[StepFile, ...]:
    """Write the step files ``steps`` (number, name, opener) one after the other to ``target``:
    each without its byte-order mark and ending with a newline, so that every step starts a line
    (and its runner markers are seen as such); where each starts, as :class:`StepFile`."""
    files: list[StepFile] = []
    written = 0
    with target.open("wb") as out:
        for number, name, opener in steps:
            start, last = written, b"\n"
            with opener("rb") as source:
                chunk = source.read(CHUNK)
                chunk = chunk.removeprefix(BOM)
                while chunk:
                    if budget is not None:  # counted as it inflates: a declared size may lie
                        budget.spend(len(chunk))
                    out.write(chunk)
                    written += len(chunk)
                    last = chunk[-1:]
                    chunk = source.read(CHUNK)
            if last != b"\n":
                out.write(b"\n")
                written += 1
            if written > start:  # an empty step (nothing logged) starts no step
                files.append(StepFile(start, number, name))
    return tuple(files)


def _archive(path: Path, temp: Path) -> Iterator[JobLog]:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            jobs = [m for m in members if "/" not in m.filename and job_name(m.filename)]
            folders: dict[str, list[tuple[int, str, zipfile.ZipInfo]]] = {}
            for member in members:
                folder, _, file = member.filename.rpartition("/")
                found = _STEP_FILE.match(file)
                if folder and found:
                    step = (int(found.group(1)), found.group(2), member)
                    folders.setdefault(folder, []).append(step)
            budget = _Budget(path)

            def joined(folder: str, name: str, index: int) -> JobLog:
                steps = sorted(folders[folder], key=lambda step: step[0])
                opened = [(n, s, _opener(archive, m)) for n, s, m in steps]
                target = scratch_file(temp, name, index)
                files = _join(opened, target, budget)
                return JobLog(name, target, f"{path}: {folder}/", files, archived=True)

            if jobs:  # one per job; the job's step files (where there are) name its steps
                _check_count(path, len(jobs), "job logs")
                for index, member in enumerate(sorted(jobs, key=_job_order)):
                    name = job_name(member.filename) or member.filename
                    if name in folders:
                        yield joined(name, name, index)
                        continue
                    target = scratch_file(temp, name, index)
                    _join([(0, name, _opener(archive, member))], target, budget)
                    yield JobLog(name, target, f"{path}: {member.filename}", archived=True)
                return
            if not folders:
                raise fail("CA140", path=path, problem="it holds no job or step logs (*.txt)")
            _check_count(path, len(folders), "jobs' step folders")
            for index, folder in enumerate(sorted(folders)):
                yield joined(folder, folder.rsplit("/", 1)[-1], index)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise fail("CA140", path=path, problem=str(exc) or type(exc).__name__) from None


def _job_order(member: zipfile.ZipInfo) -> tuple[int, str]:
    """A top-level job log's place: its number (the job's order in the run), then its name."""
    number = member.filename.split("_", 1)[0]
    return int(number), member.filename


def _file_opener(path: Path) -> Callable[[str], BinaryIO]:
    return lambda mode: path.open("rb")


def _opener(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> Callable[[str], BinaryIO]:
    return lambda mode: archive.open(member)  # type: ignore[return-value]


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


def scratch_file(temp: Path, name: str, index: int) -> Path:
    """A fresh file under ``temp`` for the ``index``-th job of its source, ``name`` (the name
    alone never makes the path)."""
    return temp / f"{index}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)[:60]}.log"
