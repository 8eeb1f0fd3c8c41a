"""Annotations and the budget that keeps them within what GitHub shows for a step and a job.

GitHub silently drops annotations past its limits, so ci-agent picks which ones to emit
(errors first) and reports the rest in the job summary instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ci_agent.runner.commands import AnnotationLevel, AnnotationProperties, CommandSink

__all__ = [
    "JOB_USAGE_FILE",
    "LEVELS",
    "MAX_PER_JOB",
    "MAX_PER_LEVEL_PER_STEP",
    "Annotation",
    "AnnotationBudget",
    "AnnotationSelection",
    "emit_annotations",
    "read_job_usage",
    "record_job_usage",
]

# "10 warning annotations, 10 error annotations, and 10 notice annotations per step" and
# "50 annotations per job (sum of annotations from all the steps)":
# https://github.com/actions/toolkit/blob/main/docs/problem-matchers.md#limitations
MAX_PER_LEVEL_PER_STEP = 10
MAX_PER_JOB = 50

# Emission priority: what GitHub keeps should be the most severe.
LEVELS: tuple[AnnotationLevel, ...] = ("error", "warning", "notice")

# RUNNER_TEMP "is emptied at the beginning and end of each job", so a count kept there is
# exactly this job's: https://docs.github.com/en/actions/learn-github-actions/variables
JOB_USAGE_FILE = "ci-agent-annotations-used"


@dataclass(frozen=True)
class Annotation:
    """One annotation: a level, a message and an optional source location."""

    level: AnnotationLevel
    message: str
    title: str | None = None
    file: str | None = None
    line: int | None = None
    end_line: int | None = None
    col: int | None = None
    end_column: int | None = None

    def properties(self) -> AnnotationProperties:
        """The location and title as keyword arguments for :class:`CommandSink` methods."""
        return AnnotationProperties(
            title=self.title,
            file=self.file,
            line=self.line,
            end_line=self.end_line,
            col=self.col,
            end_column=self.end_column,
        )


@dataclass(frozen=True)
class AnnotationSelection:
    """What a budget let through, in emission order, and what it held back."""

    emitted: tuple[Annotation, ...]
    dropped: tuple[Annotation, ...] = ()

    @property
    def dropped_counts(self) -> Mapping[AnnotationLevel, int]:
        """Dropped annotations per level, every level present."""
        return {level: sum(a.level == level for a in self.dropped) for level in LEVELS}

    def summary_text(self) -> str:
        """One line for the job summary saying what was dropped, or '' when nothing was."""
        counts = self.dropped_counts
        parts = [f"{n} {lvl}{'' if n == 1 else 's'}" for lvl, n in counts.items() if n]
        if not parts:
            return ""
        return (
            f"{', '.join(parts)} not shown as annotations (GitHub shows at most "
            f"{MAX_PER_LEVEL_PER_STEP} per level per step and {MAX_PER_JOB} per job); "
            "see the step log for all of them."
        )


@dataclass
class AnnotationBudget:
    """Counts annotations of one step and its job; :meth:`select` spends what is left.

    Use one budget per step; call :meth:`next_step` for a later step of the same job, or
    start it with ``job_used`` from :func:`read_job_usage` when the step is a new process.
    """

    job_used: int = 0
    per_level: int = MAX_PER_LEVEL_PER_STEP
    per_job: int = MAX_PER_JOB
    step_used: dict[AnnotationLevel, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))

    def select(self, annotations: Iterable[Annotation]) -> AnnotationSelection:
        """Take errors, then warnings, then notices (each in given order) while the limits allow."""
        items = list(annotations)
        emitted: list[Annotation] = []
        dropped: list[Annotation] = []
        for level in LEVELS:
            for item in (a for a in items if a.level == level):
                if self.step_used[level] < self.per_level and self.job_used < self.per_job:
                    self.step_used[level] += 1
                    self.job_used += 1
                    emitted.append(item)
                else:
                    dropped.append(item)
        return AnnotationSelection(tuple(emitted), tuple(dropped))

    def next_step(self) -> AnnotationBudget:
        """A budget for the job's next step: fresh per-level counts, the job count carried on."""
        return dataclasses.replace(self, step_used=dict.fromkeys(LEVELS, 0))


def emit_annotations(sink: CommandSink, annotations: Iterable[Annotation]) -> None:
    """Write each annotation through the sink (workflow commands or plain lines)."""
    for item in annotations:
        sink.annotate(item.level, item.message, **item.properties())


def _usage_file(environ: Mapping[str, str]) -> Path | None:
    temp = environ.get("RUNNER_TEMP", "")
    return Path(temp) / JOB_USAGE_FILE if temp else None


def read_job_usage(environ: Mapping[str, str]) -> int:
    """Annotations earlier ci-agent steps of this job emitted (0 when unknown)."""
    path = _usage_file(environ)
    try:
        text = path.read_text(encoding="ascii") if path else ""
        return max(0, int(text))
    except (OSError, ValueError):
        # A missing or unreadable count only means we may overspend; GitHub then drops extras.
        return 0


def record_job_usage(environ: Mapping[str, str], used: int) -> None:
    """Remember the job's annotation count for later ci-agent steps (no-op without RUNNER_TEMP)."""
    path = _usage_file(environ)
    if path is None:
        return
    try:
        path.write_text(str(used), encoding="ascii")
    except OSError:
        # Best effort, for the same reason as in read_job_usage.
        return
