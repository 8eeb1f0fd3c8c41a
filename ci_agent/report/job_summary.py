"""The job-summary surface: the run's report on the workflow run's summary page.

The capability's Markdown comes already fitted to the 1 MiB limit (whole rows left out); the
runner's summary writer still cuts at the byte limit as a last resort. Error messages can
quote untrusted text, so they are HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from ci_agent.errors import CiAgentError
from ci_agent.redact import Redactor

__all__ = ["write_job_summary"]


def write_job_summary(
    environ: Mapping[str, str],
    title: str,
    markdown: str,
    errors: Sequence[CiAgentError],
    redact: Redactor,
    *,
    notes: Sequence[str] = (),
) -> bool:
    """Append the report to ``GITHUB_STEP_SUMMARY``; False when there is no summary file."""
    from ci_agent.runner.summary import StepSummary

    if not environ.get("GITHUB_STEP_SUMMARY"):
        return False
    summary = StepSummary().add_heading(title, 3)
    if markdown:
        # A blank line ends the HTML heading block so the markdown after it renders.
        summary.add_raw("\n" + redact(markdown), add_eol=True)
    for note in notes:
        summary.add_raw(f"\n> {html.escape(redact(note))}\n")
    for error in errors:
        message = html.escape(redact(error.message))
        summary.add_raw(f"\n> **{error.code}** {message}  \n> {html.escape(error.suggestion)}\n")
    summary.write(environ)
    return True
