"""The workflow-annotations surface: findings shown on the changed lines of the run's page.

Used when the report configuration asks for it (``report.annotations``): by default only when
the capability's own surfaces (review, check run) could not be written, as with the read-only
token of a fork pull request. The runner keeps GitHub's per-step and per-job limits and says
what it left out; that line goes into the job summary too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ci_agent.runner import Runner
    from ci_agent.runner.annotations import Annotation

__all__ = ["publish_annotations", "wants_annotations"]

AnnotationsMode = Literal["auto", "always", "never"]


def wants_annotations(mode: AnnotationsMode, *, read_only: bool) -> bool:
    """Whether this run emits workflow annotations."""
    return mode == "always" or (mode == "auto" and read_only)


def publish_annotations(runner: Runner, annotations: Sequence[Annotation]) -> str:
    """Emit ``annotations`` within GitHub's limits; a line saying what was left out, or ""."""
    if not annotations:
        return ""
    return runner.annotate(annotations).summary_text()
