"""Tests and jobs the CI insights dashboard found flaky, as triage reads them: a small hidden
comment in the dashboard issue's body (written by ``ci-agent insights``), read back through the
forge. A failure made only of these tests, or of tests of a job known to flake, is re-run with
the evidence in its reason instead of being sent to the patch loop.

Only the dashboard issue ci-agent wrote counts (a bot author, the marker on its first line): a
person cannot make triage re-run a real failure by writing a list into an issue of theirs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ci_agent.record import Record, fill

if TYPE_CHECKING:  # classification imports this module: it stays light
    from ci_agent.forge.protocol import IssueTracker

__all__ = [
    "DASHBOARD_KEY",
    "DASHBOARD_KIND",
    "KnownFlaky",
    "find_known_flaky",
    "flaky_comment",
    "parse_known_flaky",
]

DASHBOARD_KIND = "insights"
DASHBOARD_KEY = "dashboard"
_VERSION = 1
_LIMIT = 200  # entries of each kind kept in the comment: the most flaky first
_COMMENT = re.compile(r"<!-- ci-agent-insights-flaky v(?P<v>\d+) (?P<data>[A-Za-z0-9+/=]*) -->")
_SEP = "\t"


class KnownFlaky(Record):
    """Test ids and job names (``workflow<TAB>job`` until :meth:`of_workflow`) known to flake,
    each with its evidence."""

    __slots__ = FIELDS = ("tests", "jobs", "source")

    tests: Mapping[str, str]
    jobs: Mapping[str, str]
    source: str  # where it was read (the dashboard issue's URL)

    def __init__(
        self,
        tests: Mapping[str, str] | None = None,
        jobs: Mapping[str, str] | None = None,
        source: str = "",
    ) -> None:
        fill(self, {} if tests is None else tests, {} if jobs is None else jobs, source)

    def __bool__(self) -> bool:
        return bool(self.tests or self.jobs)

    def tests_evidence(self, tests: Iterable[str]) -> str | None:
        """The evidence when every one of ``tests`` is known flaky, else None."""
        wanted = sorted(set(tests))
        if not wanted or any(t not in self.tests for t in wanted):
            return None
        shown = "; ".join(f"{t}: {self.tests[t]}" for t in wanted[:3])
        more = f" and {len(wanted) - 3} more" if len(wanted) > 3 else ""
        return shown + more

    def of_workflow(self, workflow: str) -> KnownFlaky:
        """The same tests, and the jobs of ``workflow`` keyed by job name alone."""
        prefix = f"{workflow}{_SEP}"
        jobs = {k.removeprefix(prefix): v for k, v in self.jobs.items() if k.startswith(prefix)}
        return KnownFlaky(self.tests, jobs, self.source)


def flaky_comment(tests: Mapping[str, str], jobs: Mapping[str, str]) -> str:
    """The hidden comment listing ``tests`` and ``jobs`` (the first 200 of each)."""
    import base64  # here, not at the top: local triage imports this module and never encodes
    import json
    import zlib

    data = {"tests": dict(list(tests.items())[:_LIMIT]), "jobs": dict(list(jobs.items())[:_LIMIT])}
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    text = base64.b64encode(zlib.compress(raw, 9)).decode("ascii")
    return f"<!-- ci-agent-insights-flaky v{_VERSION} {text} -->"


def parse_known_flaky(body: str, source: str = "") -> KnownFlaky:
    """The lists in ``body``; an absent or unreadable comment is an empty set."""
    found = None
    for match in _COMMENT.finditer(body or ""):
        found = match
    if found is None or int(found["v"]) != _VERSION:
        return KnownFlaky(source=source)
    import base64
    import json
    import zlib

    try:
        data: Any = json.loads(zlib.decompress(base64.b64decode(found["data"], validate=True)))
    except (ValueError, zlib.error):
        return KnownFlaky(source=source)
    if not isinstance(data, dict):
        return KnownFlaky(source=source)
    return KnownFlaky(_strings(data.get("tests")), _strings(data.get("jobs")), source)


def _strings(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items()}


def find_known_flaky(forge: IssueTracker, label: str) -> KnownFlaky:
    """The known-flaky lists of the repository's dashboard issue (oldest of ci-agent's)."""
    from ci_agent.markers import has_marker
    from ci_agent.report.sticky_comment import is_ours

    ours = [
        issue
        for issue in forge.open_issues(label)
        if is_ours(issue) and has_marker(issue.body, DASHBOARD_KIND, DASHBOARD_KEY)
    ]
    if not ours:
        return KnownFlaky()
    issue = min(ours, key=lambda i: i.number)
    return parse_known_flaky(issue.body, issue.url or f"issue #{issue.number}")
