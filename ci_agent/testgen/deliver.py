"""How accepted tests land on a pull request: a pull request of their own into the pull
request's branch (from a ``ci-agent/tests-…`` branch), an opt-in commit on the branch itself,
or only the artifact and the comment. Forks always get the artifact: their branch is not ours."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from ci_agent.change.claims import Claims
from ci_agent.forge.types import PullRequestInfo
from ci_agent.testgen.landing_checks import check_new_tests
from ci_agent.testgen.writer import GeneratedFile

__all__ = ["Delivery", "PullRequestHead", "Pusher", "deliver_tests"]

Delivery = Literal["artifact", "pull-request", "commit"]


class Pusher(Protocol):
    """What delivery needs of the forge (the push token's, when one is set)."""

    def commit_files(
        self, base_sha: str, files: dict[str, bytes], message: str, author: str
    ) -> str:
        """A commit on ``base_sha`` that adds ``files``; its SHA."""
        ...

    def branch_head(self, name: str) -> str | None:
        """Where branch ``name`` points, None when it does not exist."""
        ...

    def create_branch(self, name: str, sha: str) -> None:
        """Create branch ``name`` at ``sha``."""
        ...

    def advance_branch(self, branch: str, sha: str, expected: str) -> None:
        """Fast-forward ``branch`` from ``expected`` to ``sha`` (CA531 when it moved)."""
        ...

    def open_pull_request(
        self, base: str, head: str, title: str, body: str, draft: bool = False
    ) -> PullRequestInfo:
        """Open a pull request from ``head`` into ``base``."""
        ...


@dataclass(frozen=True)
class PullRequestHead:
    """The pull request the tests are for."""

    number: int
    head_sha: str
    head_branch: str
    is_fork: bool


def deliver_tests(
    pusher: Pusher,
    files: Sequence[GeneratedFile],
    pull: PullRequestHead,
    *,
    mode: Delivery,
    author: str,
    output: str,
    existing: Sequence[str] = (),
) -> dict[str, object]:
    """Land ``files`` as ``mode`` says; what was done, for the result. Before anything is
    pushed every file must be a new test module under ``output``'s directory that passes the
    change core's checks (CA583); ``existing`` are the paths of the head commit."""
    if not files:
        return {"mode": "none", "why": "no test was accepted"}
    if mode == "artifact":
        return {"mode": "artifact", "why": "test-generation.delivery is artifact"}
    if pull.is_fork:
        return {"mode": "artifact", "why": "the pull request comes from a fork"}
    check_new_tests(files, output, existing)
    paths = ", ".join(f.path for f in files)
    branch = f"ci-agent/tests-{pull.number}-{pull.head_sha[:12]}"
    if mode == "pull-request":
        earlier = pusher.branch_head(branch)
        if earlier is not None:
            # Named after the head commit: an earlier run for this very code delivered already.
            why = "an earlier run for this commit delivered it"
            return {"mode": "pull-request", "commit": earlier, "branch": branch, "why": why}
    # The funnel and the suite ran in this very process: the proof is claimed as verified.
    proof = (
        "each test passed alone and repeatedly in random order, added coverage of its target "
        f"and killed a mutant of it, with the whole suite green, on {pull.head_sha[:12]}"
    )
    trailers = Claims(proven_here=True, run_id=0, proof=proof).trailers()
    message = (
        f"Add generated tests for #{pull.number}\n\n{paths}: {proof}.\n\n"
        + "".join(f"{key}: {value}\n" for key, value in trailers.items())
        + "Generated-by: ci-agent tests\n"
    )
    sha = pusher.commit_files(
        pull.head_sha, {f.path: f.text.encode("utf-8") for f in files}, message, author
    )
    if mode == "commit":
        pusher.advance_branch(pull.head_branch, sha, expected=pull.head_sha)
        return {"mode": "commit", "commit": sha, "branch": pull.head_branch}
    pusher.create_branch(branch, sha)
    opened = pusher.open_pull_request(
        pull.head_branch,
        branch,
        f"ci-agent: tests for #{pull.number}",
        f"Generated tests for #{pull.number} ({pull.head_sha[:12]}): {paths}. Each one was "
        "checked by ci-agent's funnel; the pull request's comment lists what each adds.",
    )
    return {"mode": "pull-request", "commit": sha, "branch": branch, "url": opened.url}
