"""The report value of one command (immutable) and its renderings: text, JSON envelope, markdown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from ci_agent import __version__
from ci_agent.errors import EXIT_FINDINGS, EXIT_OK, CiAgentError
from ci_agent.json_form import to_json
from ci_agent.metrics import Metrics
from ci_agent.record import Record, fill, replace
from ci_agent.redact import Redactor
from ci_agent.report.value import Report
from ci_agent.report.version import SCHEMA_VERSION
from ci_agent.sanitize import wire_text

if TYPE_CHECKING:
    from ci_agent.runner.annotations import Annotation

__all__ = ["SCHEMA_VERSION", "Outcome", "Report", "Status", "envelope", "render"]

Status = Literal["ok", "findings", "error"]


class Outcome(Record):
    """What a command produced: the typed report the surfaces read, the command's own JSON
    result and its human renderings; never changed once made (``with_result``,
    ``with_report`` and :func:`ci_agent.record.replace` give a new one)."""

    __slots__ = FIELDS = (
        "command",
        "result",
        "text",
        "markdown",
        "findings_at_fail_level",
        "errors",
        "dry_run",
        "annotations",
        "read_only",
        "report",
    )

    command: str
    result: dict[str, Any]
    text: str
    markdown: str
    findings_at_fail_level: int
    errors: list[CiAgentError]
    dry_run: bool
    # Findings as annotations, for the workflow-annotations surface (report/annotations.py).
    annotations: tuple[Annotation, ...]
    # Whether the capability's own GitHub surfaces could not be written (a read-only token).
    read_only: bool
    # What every surface reads (outputs, job summary, check run): never the result's keys.
    report: Report

    def __init__(  # noqa: PLR0917  (positional, as the dataclass's were)
        self,
        command: str,
        result: dict[str, Any] | None = None,
        text: str = "",
        markdown: str = "",
        findings_at_fail_level: int = 0,
        errors: list[CiAgentError] | None = None,
        dry_run: bool = False,
        annotations: tuple[Annotation, ...] = (),
        read_only: bool = False,
        report: Report | None = None,
    ) -> None:
        fill(
            self,
            command,
            {} if result is None else result,
            text,
            markdown,
            findings_at_fail_level,
            [] if errors is None else errors,
            dry_run,
            annotations,
            read_only,
            Report() if report is None else report,
        )

    @property
    def status(self) -> Status:
        """``error`` if anything failed, ``findings`` if the fail level was met, else ``ok``."""
        if self.errors:
            return "error"
        return "findings" if self.findings_at_fail_level else "ok"

    @property
    def exit_code(self) -> int:
        """The process exit code documented in docs/cli.md."""
        if self.errors:
            return max(e.exit_code for e in self.errors)
        return EXIT_FINDINGS if self.findings_at_fail_level else EXIT_OK

    def with_result(self, first: Mapping[str, Any] | None = None, **last: Any) -> Outcome:
        """A copy whose result has ``first`` before its own keys (which win) and ``last``
        after them (which win)."""
        return replace(self, result={**(first or {}), **self.result, **last})

    def with_report(self, **changes: Any) -> Outcome:
        """A copy whose report has ``changes`` (fields of :class:`Report`)."""
        return replace(self, report=replace(self.report, **changes))


def envelope(outcome: Outcome, metrics: Metrics) -> dict[str, Any]:
    """The schema-versioned JSON object every command prints with ``--output json``."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "ci-agent", "version": __version__},
        "command": outcome.command,
        "status": outcome.status,
        "exit_code": outcome.exit_code,
        "dry_run": outcome.dry_run,
        "result": outcome.result,
        "errors": [to_json(e.info) for e in outcome.errors],
        "metrics": to_json(metrics.snapshot()),
    }


def render(outcome: Outcome, metrics: Metrics, fmt: str, redact: Redactor) -> str:
    """Render for stdout in the chosen format, with every secret redacted."""
    if fmt == "json":
        import json  # here: the text a terminal shows needs no encoder

        text = json.dumps(envelope(outcome, metrics), indent=2, sort_keys=False, default=str)
    elif fmt == "markdown":
        text = outcome.markdown or _markdown_fallback(outcome)
    else:
        text = outcome.text
    return redact(wire_text(text))


def _markdown_fallback(outcome: Outcome) -> str:
    import json

    lines = [f"## ci-agent {outcome.command}", ""]
    for key, value in outcome.result.items():
        shown = json.dumps(value, default=str) if isinstance(value, dict | list) else value
        lines.append(f"- **{key}**: {shown}")
    for error in outcome.errors:
        lines.append(f"- **error {error.code}**: {error.message} — {error.suggestion}")
    return "\n".join(lines)
