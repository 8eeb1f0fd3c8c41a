"""The one dashboard issue of a repository: found by its marker on the first line of an open
issue a bot wrote (a person's copy of the marker is ignored), edited in place, opened once."""

from __future__ import annotations

from typing import Any

from ci_agent.forge.protocol import IssueTracker
from ci_agent.forge.types import IssueInfo
from ci_agent.markers import has_marker, marker
from ci_agent.report.issue import open_issue
from ci_agent.report.sticky_comment import is_ours
from ci_agent.sanitize import wire_text

__all__ = [
    "DASHBOARD_KEY",
    "DASHBOARD_KIND",
    "TITLE",
    "body_of",
    "find_dashboard",
    "publish_dashboard",
]

DASHBOARD_KIND = "insights"
DASHBOARD_KEY = "dashboard"
TITLE = "CI health dashboard"


def find_dashboard(forge: IssueTracker, label: str) -> tuple[IssueInfo | None, int]:
    """The oldest open dashboard issue ci-agent wrote, and how many others there are."""
    ours = [
        issue
        for issue in forge.open_issues(label)
        if is_ours(issue) and has_marker(issue.body, DASHBOARD_KIND, DASHBOARD_KEY)
    ]
    if not ours:
        return None, 0
    oldest = min(ours, key=lambda issue: issue.number)
    return oldest, len(ours) - 1


def body_of(dashboard: str, state: str) -> str:
    """The issue body: the marker line, the dashboard, the state comment last."""
    return f"{marker(DASHBOARD_KIND, DASHBOARD_KEY)}\n{dashboard}\n\n{state}\n"


def publish_dashboard(
    forge: Any, existing: IssueInfo | None, body: str, label: str
) -> dict[str, Any]:
    """Edit ``existing`` (unchanged bodies are not sent again) or open the dashboard."""
    body = wire_text(body)
    if existing is None:
        created = open_issue(forge, TITLE, body, [label])
        return {"number": created.number, "action": "opened", "url": created.url}
    if existing.body == body:
        return {"number": existing.number, "action": "unchanged", "url": existing.url}
    edited = forge.edit_issue(existing.number, body)
    return {"number": edited.number, "action": "edited", "url": edited.url or existing.url}
