"""Generated tests are pushed only as new test modules in the test directory that pass the
change core's tampering, danger and pytest-options checks; the commit claims a verified proof."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.forge.types import PullRequestInfo
from ci_agent.testgen.deliver import PullRequestHead, deliver_tests
from ci_agent.testgen.landing_checks import allowed_directory, check_new_tests
from ci_agent.testgen.writer import GeneratedFile

OUTPUT = "tests/test_{module}_generated.py"
GOOD = "from calc import clamp\n\n\ndef test_low():\n    assert clamp(-1, 0, 5) == 0\n"


@dataclass
class RecordingPusher:
    """Keeps what delivery asked of the forge."""

    commits: list[tuple[str, dict[str, bytes], str]] = field(default_factory=list)
    moved: list[tuple[str, str, str]] = field(default_factory=list)

    def commit_files(
        self, base_sha: str, files: dict[str, bytes], message: str, author: str
    ) -> str:
        self.commits.append((base_sha, files, message))
        return "c" * 40

    def branch_head(self, name: str) -> str | None:
        return None

    def create_branch(self, name: str, sha: str) -> None:
        raise AssertionError("commit mode creates no branch")

    def advance_branch(self, branch: str, sha: str, expected: str) -> None:
        self.moved.append((branch, sha, expected))

    def open_pull_request(
        self, base: str, head: str, title: str, body: str, draft: bool = False
    ) -> PullRequestInfo:
        raise AssertionError("commit mode opens no pull request")


PULL = PullRequestHead(7, "a" * 40, "feature", is_fork=False)


def test_the_allowed_directory_is_the_fixed_part_of_the_output_template() -> None:
    assert str(allowed_directory(OUTPUT)) == "tests"
    assert str(allowed_directory("src/{package}/tests/test_{module}.py")) == "src"
    assert str(allowed_directory("test_{module}_generated.py")) == "."


@pytest.mark.parametrize(
    ("path", "text", "why"),
    [
        ("tests/conftest.py", GOOD, "change how pytest runs"),
        ("src/test_calc.py", GOOD, "outside the test directory 'tests'"),
        ("tests/helpers.py", GOOD, "not named test_*.py"),
        ("../tests/test_calc.py", GOOD, "leaves the repository"),
        ("tests/test_old.py", GOOD, "exists already"),
        ("tests/test_calc.py", "def test_x():\n    assert True\n", "cannot fail"),
        (
            "tests/test_calc.py",
            "import subprocess\n\n\ndef test_x():\n    subprocess.run(['curl', 'x'])\n",
            "subprocess",
        ),
        (
            "tests/test_calc.py",
            "__test__ = False\n\n\ndef test_x():\n    assert 1 == 2\n",
            "collection-off",
        ),
    ],
)
def test_what_the_allowance_does_not_cover_is_refused(path: str, text: str, why: str) -> None:
    with pytest.raises(CiAgentError) as refused:
        check_new_tests([GeneratedFile(path, text, ())], OUTPUT, existing=["tests/test_old.py"])
    assert refused.value.code == "CA583" and path in refused.value.message
    assert why in refused.value.message


def test_a_new_test_module_passes_and_is_committed_with_a_verified_trailer() -> None:
    check_new_tests([GeneratedFile("tests/test_calc_generated.py", GOOD, ())], OUTPUT)
    pusher = RecordingPusher()
    files = [GeneratedFile("tests/test_calc_generated.py", GOOD, ("calc.py::clamp",))]
    done = deliver_tests(pusher, files, PULL, mode="commit", author="bot", output=OUTPUT)
    assert done == {"mode": "commit", "commit": "c" * 40, "branch": "feature"}
    ((base, pushed, message),) = pusher.commits
    assert base == PULL.head_sha and pushed == {files[0].path: GOOD.encode()}
    assert "\nCi-Agent-Verified: each test passed alone" in message
    assert "Ci-Agent-Reported" not in message and message.endswith("Generated-by: ci-agent tests\n")


def test_a_refused_file_pushes_nothing() -> None:
    pusher = RecordingPusher()
    files = [GeneratedFile("tests/conftest.py", "import pytest\n", ())]
    with pytest.raises(CiAgentError) as refused:
        deliver_tests(pusher, files, PULL, mode="commit", author="bot", output=OUTPUT)
    assert refused.value.code == "CA583"
    assert pusher.commits == [] and pusher.moved == []
