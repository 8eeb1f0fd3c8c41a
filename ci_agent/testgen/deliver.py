"""How accepted tests land on a pull request: a pull request of their own into the pull
request's branch (from a ``ci-agent/tests-…`` branch), an opt-in commit on the branch itself,
or only the artifact and the comment. Forks always get the artifact: their branch is not ours."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from ci_agent.change.claims import Claims
from ci_agent.forge.types import PullRequestInfo
from ci_agent.testgen.landing_checks import check_new_tests
from ci_agent.testgen.writer import GeneratedFile

__all__ = [
    "LANDING_CHECKS",
    "BranchHead",
    "Delivery",
    "PullRequestHead",
    "Pusher",
    "deliver_tests",
    "deliver_to_branch",
    "funnel_proof",
]

# What _land checks itself before anything is pushed (check_new_tests), whoever ran the funnel.
LANDING_CHECKS = ("commit", "new test modules only", "pytest options", "tampering", "danger")

Delivery = Literal["artifact", "pull-request", "commit"]
_UNSAFE_REF = re.compile(r"[^A-Za-z0-9._-]+")


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


@dataclass(frozen=True)
class BranchHead:
    """A branch the tests are for when no pull request is (a scheduled or dispatched run)."""

    branch: str
    sha: str


def deliver_tests(
    pusher: Pusher,
    files: Sequence[GeneratedFile],
    pull: PullRequestHead,
    *,
    mode: Delivery,
    author: str,
    output: str,
    existing: Sequence[str] = (),
    claims: Claims | None = None,
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
    return _land(
        pusher,
        files,
        BranchHead(pull.head_branch, pull.head_sha),
        mode=mode,
        author=author,
        output=output,
        existing=existing,
        name=f"{pull.number}-{pull.head_sha[:12]}",
        what=f"#{pull.number}",
        claims=claims,
    )


def deliver_to_branch(
    pusher: Pusher,
    files: Sequence[GeneratedFile],
    head: BranchHead,
    *,
    mode: Delivery,
    author: str,
    output: str,
    existing: Sequence[str] = (),
    claims: Claims | None = None,
) -> dict[str, object]:
    """Land ``files`` on ``head.branch`` (a merged scheduled run): a pull request into it from
    ``ci-agent/tests-BRANCH-SHA``, an opt-in fast-forward commit on it, or nothing more than
    the artifact. The same checks as for a pull request (CA583) come first. ``claims`` says
    who ran the funnel when another job did (default: this process)."""
    if not files:
        return {"mode": "none", "why": "no test was accepted"}
    if mode == "artifact":
        return {"mode": "artifact", "why": "test-generation.delivery is artifact"}
    safe = _UNSAFE_REF.sub("-", head.branch).strip("-.") or "branch"
    return _land(
        pusher,
        files,
        head,
        mode=mode,
        author=author,
        output=output,
        existing=existing,
        name=f"{safe}-{head.sha[:12]}",
        what=f"{head.branch} at {head.sha[:12]}",
        claims=claims,
    )


def funnel_proof(sha: str) -> str:
    """What the funnel and the suite proved of the accepted tests, on commit ``sha``."""
    return (
        "each test passed alone and repeatedly in random order, added coverage of its target "
        f"and killed a mutant of it, with the whole suite green, on {sha[:12]}"
    )


def _land(
    pusher: Pusher,
    files: Sequence[GeneratedFile],
    head: BranchHead,
    *,
    mode: Delivery,
    author: str,
    output: str,
    existing: Sequence[str],
    name: str,
    what: str,
    claims: Claims | None = None,
) -> dict[str, object]:
    check_new_tests(files, output, existing)
    paths = ", ".join(f.path for f in files)
    branch = f"ci-agent/tests-{name}"
    if mode == "pull-request":
        earlier = pusher.branch_head(branch)
        if earlier is not None:
            # Named after the head commit: an earlier run for this very code delivered already.
            why = "an earlier run for this commit delivered it"
            return {"mode": "pull-request", "commit": earlier, "branch": branch, "why": why}
    if claims is None:
        # The funnel and the suite ran in this very process: the proof is claimed as verified.
        claims = Claims(proven_here=True, run_id=0, proof=funnel_proof(head.sha))
    if claims.proven_here:
        said = f"{claims.proof}."
    else:
        said = (
            f"re-checked before the push: {claims.rechecked}; reported by {claims.reported} "
            "(not re-run by the job that pushed)."
        )
    trailers = claims.trailers()
    message = (
        f"Add generated tests for {what}\n\n{paths}: {said}\n\n"
        + "".join(f"{key}: {value}\n" for key, value in trailers.items())
        + "Generated-by: ci-agent tests\n"
    )
    sha = pusher.commit_files(
        head.sha, {f.path: f.text.encode("utf-8") for f in files}, message, author
    )
    if mode == "commit":
        pusher.advance_branch(head.branch, sha, expected=head.sha)
        return {"mode": "commit", "commit": sha, "branch": head.branch}
    pusher.create_branch(branch, sha)
    opened = pusher.open_pull_request(
        head.branch,
        branch,
        f"ci-agent: tests for {what}",
        f"Generated tests for {what}: {paths}. Each one was checked by ci-agent's funnel; "
        "the pull request's comment lists what each adds.",
    )
    return {
        "mode": "pull-request",
        "commit": sha,
        "branch": branch,
        "url": opened.url,
        "number": opened.number,
    }
