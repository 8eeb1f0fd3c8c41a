"""A merged scheduled run lands on its branch: a pull request from ``ci-agent/tests-BRANCH-SHA``
(once per commit), an opt-in fast-forward commit, or only the artifact; the same checks as for
a pull request come first."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.forge.types import PullRequestInfo
from ci_agent.testgen.deliver import BranchHead, deliver_to_branch
from ci_agent.testgen.writer import GeneratedFile

OUTPUT = "tests/test_{module}_generated.py"
GOOD = "from calc import clamp\n\n\ndef test_low():\n    assert clamp(-1, 0, 5) == 0\n"
HEAD = BranchHead("release/1.x", "a" * 40)
FILES = [GeneratedFile("tests/test_calc_generated.py", GOOD, ("calc.py::clamp",))]


@dataclass
class Pusher:
    """Records what delivery asked of the forge; ``branches`` are the ones that exist."""

    branches: dict[str, str] = field(default_factory=dict)
    commits: list[tuple[str, str]] = field(default_factory=list)
    moved: list[tuple[str, str, str]] = field(default_factory=list)
    opened: list[tuple[str, str, str]] = field(default_factory=list)

    def commit_files(
        self, base_sha: str, files: dict[str, bytes], message: str, author: str
    ) -> str:
        self.commits.append((base_sha, message))
        return "c" * 40

    def branch_head(self, name: str) -> str | None:
        return self.branches.get(name)

    def create_branch(self, name: str, sha: str) -> None:
        self.branches[name] = sha

    def advance_branch(self, branch: str, sha: str, expected: str) -> None:
        self.moved.append((branch, sha, expected))

    def open_pull_request(
        self, base: str, head: str, title: str, body: str, draft: bool = False
    ) -> PullRequestInfo:
        self.opened.append((base, head, title))
        return PullRequestInfo(
            12, title, body, "bot", "NONE", draft, "open", base, "a" * 40, head, "c" * 40,
            "acme/widgets", False, url="https://github.com/acme/widgets/pull/12",
        )  # fmt: skip


def deliver(pusher: Pusher, mode: str, files: list[GeneratedFile] = FILES) -> dict[str, object]:
    return deliver_to_branch(
        pusher,
        files,
        HEAD,
        mode=mode,
        author="ci-agent <ci@example.com>",
        output=OUTPUT,  # type: ignore[arg-type]
    )


def test_a_pull_request_into_the_branch_from_a_branch_named_after_the_commit() -> None:
    pusher = Pusher()

    done = deliver(pusher, "pull-request")

    branch = "ci-agent/tests-release-1.x-" + "a" * 12
    assert done == {
        "mode": "pull-request",
        "commit": "c" * 40,
        "branch": branch,
        "url": "https://github.com/acme/widgets/pull/12",
        "number": 12,
    }
    assert pusher.branches == {branch: "c" * 40}
    assert pusher.opened == [
        ("release/1.x", branch, f"ci-agent: tests for release/1.x at {'a' * 12}")
    ]
    ((base, message),) = pusher.commits
    assert base == "a" * 40
    assert message.startswith("Add generated tests for release/1.x at aaaaaaaaaaaa\n")
    assert "Ci-Agent-Verified:" in message and "Generated-by: ci-agent tests" in message


def test_an_earlier_delivery_of_the_same_commit_is_found_and_nothing_is_pushed() -> None:
    branch = "ci-agent/tests-release-1.x-" + "a" * 12
    pusher = Pusher(branches={branch: "e" * 40})

    done = deliver(pusher, "pull-request")

    assert (
        done["commit"] == "e" * 40 and done["why"] == "an earlier run for this commit delivered it"
    )
    assert pusher.commits == [] and pusher.opened == []


def test_commit_mode_fast_forwards_the_branch_and_artifact_mode_pushes_nothing() -> None:
    pusher = Pusher()
    assert deliver(pusher, "commit") == {
        "mode": "commit",
        "commit": "c" * 40,
        "branch": "release/1.x",
    }
    assert pusher.moved == [("release/1.x", "c" * 40, "a" * 40)]

    quiet = Pusher()
    assert deliver(quiet, "artifact")["mode"] == "artifact"
    assert deliver(quiet, "pull-request", files=[])["mode"] == "none"
    assert quiet.commits == [] and quiet.opened == [] and quiet.branches == {}


def test_a_file_delivery_may_not_push_is_refused_before_anything_is_pushed() -> None:
    pusher = Pusher()
    bad = [GeneratedFile("tests/conftest.py", GOOD, ("calc.py::clamp",))]

    with pytest.raises(CiAgentError) as caught:
        deliver(pusher, "pull-request", files=bad)

    assert caught.value.code == "CA583"
    assert pusher.commits == [] and pusher.branches == {}
