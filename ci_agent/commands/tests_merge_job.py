"""The delivery of the action's merge job when no pull request is involved (a scheduled or
dispatched matrix of shards): one landing on the run's branch and, when it opens a pull request,
one sticky comment on it listing the accepted tests and the funnel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ci_agent.commands.common import Invocation
from ci_agent.runner.events import Event

__all__ = ["deliver_merged", "run_branch"]


def run_branch(event: Event, environ: Mapping[str, str]) -> str | None:
    """The branch the run is on: the event's, else ``GITHUB_REF`` when it names a branch."""
    if event.head_ref:
        return event.head_ref
    ref = environ.get("GITHUB_REF", "")
    return ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None


def deliver_merged(
    invocation: Invocation,
    event: Event,
    result: Mapping[str, Any],
    repository: str | None,
    markdown: str,
) -> dict[str, Any]:
    """``delivery`` and ``comment`` entries of the merged result."""
    from ci_agent.commands.tests_job import publish_tests
    from ci_agent.testgen.deliver import BranchHead, deliver_to_branch
    from ci_agent.testgen.writer import GeneratedFile

    branch = run_branch(event, invocation.environ)
    commit = str(result.get("commit") or "")
    if not branch or not commit:
        why = "the run is on no branch (a tag or a detached commit): the artifact holds the files"
        return {"delivery": {"mode": "artifact", "why": why}}
    config = invocation.settings.config
    files = [GeneratedFile(f["path"], f["text"], tuple(f["targets"])) for f in result["files"]]
    # The merge ran on the shards' commit (checked): a path in the checkout exists there.
    existing = [f.path for f in files if (invocation.cwd / f.path).exists()]
    forge = invocation.use.github(repository, push=True)
    delivery = deliver_to_branch(
        forge,
        files,
        BranchHead(branch, commit),
        mode=config.test_generation.delivery,
        author=config.fix.author,
        output=config.test_generation.output,
        existing=existing,
    )
    found: dict[str, Any] = {"delivery": delivery}
    number = delivery.get("number")
    if number is None and delivery.get("mode") == "pull-request" and delivery.get("commit"):
        # Delivered by an earlier run: its pull request gets the comment, edited in place.
        pulls = invocation.use.github(repository).pull_requests_for(str(delivery["commit"]))
        number = next((p.number for p in pulls), None)
    if isinstance(number, int):
        found["comment"] = publish_tests(invocation.use.github(repository), number, markdown)
    return found
