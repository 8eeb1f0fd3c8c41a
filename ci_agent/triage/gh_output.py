"""``gh run view --log-failed`` (and ``--log``) output: ``job<TAB>step<TAB>line`` for every line of
every job (of its failed steps), split into one log per job with the prefix removed, each job's
steps named from the step column (where gh knew them: not ``UNKNOWN STEP``, which it prints
when the run's archive held no step files)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ci_agent.triage.layouts import BOM, JobLog, scratch_file
from ci_agent.triage.steps import StepFile

__all__ = ["is_log_failed", "log_failed_jobs"]

# job, step, then the line with its timestamp (a step's first line may carry the byte-order mark)
_LOG_FAILED = re.compile(rb"^([^\t\n]*)\t([^\t\n]*)\t(?:\xef\xbb\xbf)?\d{4}-\d\d-\d\dT\d\d:\d\d")
_UNKNOWN_STEP = b"UNKNOWN STEP"


def is_log_failed(path: Path) -> bool:
    """Whether the file is in ``gh run view --log-failed`` layout (its first line tells)."""
    with path.open("rb") as handle:
        first = handle.readline(64 << 10)
    return bool(_LOG_FAILED.match(first.removeprefix(BOM)))


def log_failed_jobs(path: Path, temp: Path, given: Path) -> Iterator[JobLog]:
    """Split a ``--log-failed`` file by job; a line without the prefix continues its job. Each
    job's steps are named from the step column (where gh knew them: not ``UNKNOWN STEP``)."""
    outputs: dict[bytes, _Split] = {}
    try:
        current: _Split | None = None
        with path.open("rb") as source:
            for raw in source:
                line = raw.removeprefix(BOM)
                found = _LOG_FAILED.match(line)
                if found is not None:
                    job = found.group(1)
                    if job not in outputs:
                        target = scratch_file(temp, job.decode("utf-8", "replace"), len(outputs))
                        outputs[job] = _Split(target)
                    current = outputs[job]
                    current.step(found.group(2))
                    line = line[found.end(2) + 1 :].removeprefix(BOM)
                if current is not None:
                    current.write(line)
    finally:
        for split in outputs.values():
            split.handle.close()
    for job, split in outputs.items():
        name = job.decode("utf-8", "replace")
        steps = () if split.unknown else tuple(split.steps)
        yield JobLog(name, split.target, f"{given}: job {name}", steps, archived=True)


class _Split:
    """One job's part of a ``--log-failed`` file: its file, and where each of its steps starts."""

    def __init__(self, target: Path) -> None:
        self.target, self.handle = target, target.open("wb")
        self.steps: list[StepFile] = []
        self.written, self.name, self.unknown = 0, b"", False

    def step(self, name: bytes) -> None:
        """The step of the next line: a new one when it is not the last line's."""
        if self.steps and name == self.name:
            return
        self.name = name
        self.unknown = self.unknown or name == _UNKNOWN_STEP
        self.steps.append(
            StepFile(self.written, len(self.steps) + 1, name.decode("utf-8", "replace"))
        )

    def write(self, line: bytes) -> None:
        """Append ``line`` (a newline ends a step's last line that had none)."""
        if not line.endswith(b"\n"):
            line += b"\n"
        self.handle.write(line)
        self.written += len(line)
