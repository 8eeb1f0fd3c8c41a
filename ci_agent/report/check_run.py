"""The check-run surface: a named check on the head commit, with a summary and annotations.

The summary and text are fitted to 65,535 characters and the title to GitHub's 1,000; the forge
sends annotations in batches of 50 (further updates append them).
"""

from __future__ import annotations

from collections.abc import Sequence

from ci_agent.forge.protocol import CheckReporter
from ci_agent.forge.run_types import Annotation, CheckOutput, CheckRun
from ci_agent.report.fit import fit_text
from ci_agent.report.limits import CHECK_SUMMARY_LIMIT, CHECK_TEXT_LIMIT, CHECK_TITLE_LIMIT
from ci_agent.report.value import Report
from ci_agent.sanitize import wire_text

__all__ = ["complete_check", "start_check"]


def start_check(forge: CheckReporter, name: str, head_sha: str) -> CheckRun:
    """Create the check run, in progress."""
    return forge.start_check_run(name, head_sha)


def complete_check(
    forge: CheckReporter,
    check_run_id: int,
    report: Report,
    *,
    summary: str,
    text: str = "",
    annotations: Sequence[Annotation] = (),
) -> CheckRun:
    """Finish the check run with the report's conclusion and title, and everything fitted to
    GitHub's limits."""
    output = CheckOutput(
        title=wire_text(report.title)[:CHECK_TITLE_LIMIT],
        summary=fit_text(wire_text(summary), CHECK_SUMMARY_LIMIT),
        text=fit_text(wire_text(text), CHECK_TEXT_LIMIT),
        annotations=tuple(annotations),
    )
    return forge.complete_check_run(check_run_id, report.conclusion, output)
