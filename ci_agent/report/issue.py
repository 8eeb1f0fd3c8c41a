"""The issue surface: an issue ci-agent opens (failing default branch, dashboards).

The title is one line within GitHub's 256 characters and the body within 65,536; comments on
the issue go through the sticky-comment surface.
"""

from __future__ import annotations

from collections.abc import Sequence

from ci_agent.forge.protocol import IssueTracker
from ci_agent.forge.types import IssueInfo
from ci_agent.report.fit import fit_text
from ci_agent.report.limits import ISSUE_BODY_LIMIT, ISSUE_TITLE_LIMIT
from ci_agent.sanitize import wire_text

__all__ = ["open_issue"]


def open_issue(forge: IssueTracker, title: str, body: str, labels: Sequence[str]) -> IssueInfo:
    """Open an issue with its title and body fitted to GitHub's limits."""
    line = " ".join(wire_text(title).split())[:ISSUE_TITLE_LIMIT]
    return forge.create_issue(line, fit_text(wire_text(body), ISSUE_BODY_LIMIT), list(labels))
