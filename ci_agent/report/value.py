"""The typed report of one run: what every surface reads, instead of a result's JSON keys.

A capability fills a :class:`Report` next to its command-specific ``result`` JSON (which stays
the user's, see docs/cli.md); the step outputs, the job summary, the check run and the issue
title read only these fields, so a capability's JSON can change without breaking a surface.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from ci_agent.record import Record, fill

__all__ = ["SEVERITIES", "ArtifactRef", "Conclusion", "Report", "severity_counts"]

# How a run ends, in the check-run conclusions GitHub knows (forge.run_types.CheckConclusion;
# spelled out here so the report value loads without the forge at start-up).
Conclusion = Literal[
    "success", "failure", "neutral", "cancelled", "skipped", "timed_out", "action_required"
]
# Highest first: the order summaries and counts list them in.
SEVERITIES = ("critical", "high", "medium", "low", "info")


class ArtifactRef(Record):
    """A file produced for upload: where it is, the name it is uploaded under, its SHA-256."""

    __slots__ = FIELDS = ("path", "name", "sha256")

    path: Path
    name: str
    sha256: str

    def __init__(self, path: Path, name: str, sha256: str) -> None:
        fill(self, path, name, sha256)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> ArtifactRef | None:
        """The reference a result's ``artifact`` entry (path, name, sha256) names; None
        without a path."""
        if not data or not data.get("path"):
            return None
        path = Path(str(data["path"]))
        return cls(path, str(data.get("name") or path.name), str(data.get("sha256") or ""))


class Report(Record):
    """What a run found, in the fields every surface reads; never changed once made."""

    __slots__ = FIELDS = (
        "title",
        "job",
        "conclusion",
        "severity_counts",
        "findings_count",
        "max_severity",
        "artifact",
        "config_note",
        "outputs",
    )

    # One line saying what the run found (the check run's title, a headline).
    title: str
    # The action job that ran (``review``, ``comment-fix``); "" outside ``ci-agent run``.
    job: str
    conclusion: Conclusion
    # Findings by severity (every one of SEVERITIES, in that order) for capabilities that find.
    severity_counts: Mapping[str, int]
    # None: the capability does not report findings (the outputs then say 0 and "none").
    findings_count: int | None
    max_severity: str | None
    # The file holding the whole report or the run's product (an archive, a bundle).
    artifact: ArtifactRef | None
    # Which configuration the run used, one line (ConfigSource.note); "" when not read.
    config_note: str
    # Step outputs of this capability besides the common ones (e.g. the plan's ``matrix``).
    outputs: Mapping[str, str]

    def __init__(
        self,
        title: str = "",
        *,
        job: str = "",
        conclusion: Conclusion = "neutral",
        severity_counts: Mapping[str, int] | None = None,
        findings_count: int | None = None,
        max_severity: str | None = None,
        artifact: ArtifactRef | None = None,
        config_note: str = "",
        outputs: Mapping[str, str] | None = None,
    ) -> None:
        fill(
            self,
            title,
            job,
            conclusion,
            {} if severity_counts is None else severity_counts,
            findings_count,
            max_severity,
            artifact,
            config_note,
            {} if outputs is None else outputs,
        )

    @property
    def counts_findings(self) -> bool:
        """Whether the capability reports findings (review does; backup does not)."""
        return self.findings_count is not None


def severity_counts(severities: Iterable[str]) -> dict[str, int]:
    """How many of ``severities`` there are of each level, every level listed, highest first."""
    found = list(severities)
    return {level: found.count(level) for level in SEVERITIES}
