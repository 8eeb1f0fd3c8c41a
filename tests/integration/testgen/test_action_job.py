"""The action's ``tests`` job on a pull request: the changed function gets tests, the sticky
comment lists them with the funnel (edited in place on a re-run), and the checkout is untouched."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import ActionsStep, RunCli
from tests.fakes.github_server import FakeGitHub
from tests.fakes.github_server.fixtures import fake_github

__all__ = ["fake_github"]

BEFORE = "def clamp(value: int, low: int, high: int) -> int:\n    return value\n"
AFTER = """\
def clamp(value: int, low: int, high: int) -> int:
    if value < low:
        return low
    if value > high:
        return high
    return value
"""
HUMAN = "from calc import clamp\n\n\ndef test_inside():\n    assert clamp(3, 0, 5) == 3\n"


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_a_pull_request_gets_tests_for_its_change_and_one_sticky_comment(
    actions: ActionsStep, run_cli: RunCli, fake_github: FakeGitHub, project_python: Path
) -> None:
    fake_github.require_token("ghs_TESTStoken", login="github-actions[bot]")
    config = (
        f"test-generation:\n  python: {project_python}\n  engine: offline\n"
        "  repeat-runs: 2\n  delivery: pull-request\n"
    )
    repo = fake_github.create_repo(
        "acme/widgets",
        files={"calc.py": BEFORE, "tests/test_calc.py": HUMAN, ".github/ci-agent.yml": config},
    )
    repo.commit("feature", {"calc.py": AFTER}, "clamp for real")
    number = repo.open_pull("feature", title="Clamp").number
    base, head = str(repo.branch_sha("main")), str(repo.branch_sha("feature"))
    _git(actions.workspace, "init", "-q")
    _git(actions.workspace, "fetch", "-q", str(repo.git.path), "main", "feature")
    _git(actions.workspace, "checkout", "-q", head)
    payload = {
        "action": "synchronize",
        "number": number,
        "pull_request": {
            "number": number,
            "base": {"sha": base, "ref": "main"},
            "head": {"sha": head, "ref": "feature", "repo": {"full_name": "acme/widgets"}},
        },
    }
    actions.event("pull_request", payload)
    actions.set(
        INPUT_COMMAND="tests", GITHUB_API_URL=fake_github.base_url, GITHUB_TOKEN="ghs_TESTStoken"
    )

    first = run_cli("run")
    second = run_cli("run")

    assert first.code == 0, first.out + first.err
    assert second.code == 0, second.out + second.err
    (comment,) = repo.issue_comments.values()
    assert comment.body.startswith(f"<!-- ci-agent:tests:pr-{number} -->\n## ci-agent tests")
    assert "**1 candidate(s) accepted** for 1 target(s)" in comment.body
    assert "| `calc.py::clamp` | examples |" in comment.body
    assert "| mutants | 1 | 100% |" in comment.body
    # The change's own lines: two the suite missed (the returns), both run by the new tests.
    assert (
        "changed lines: 2 of 4 not run by the suite before, 0 still not run; changed "
        "branches: 2 not run before, 0 still not run." in comment.body
    )
    assert fake_github.requests.count("POST", "/repos/*/issues/*/comments") == 1
    # The job computes; it writes nothing into the checkout (the files are in the result).
    status = subprocess.run(
        ["git", "status", "--porcelain"],
        check=False,
        cwd=actions.workspace,
        capture_output=True,
        text=True,
    )
    assert status.stdout == ""
    assert "tests/test_calc_generated.py" in actions.outputs().get("result-json", "")
    # The tests land as a pull request into the pull request's branch, opened once.
    (opened,) = [p for p in repo.pulls() if p.number != number]
    assert opened.pull is not None
    assert opened.pull.head_ref == f"ci-agent/tests-{number}-{head[:12]}"
    assert opened.pull.base_ref == "feature"
    added = repo.git.text("show", f"{opened.pull.head_sha}:tests/test_calc_generated.py")
    assert "# ci-agent: target calc.py::clamp (examples)" in added
    assert repo.git.text("rev-parse", f"{opened.pull.head_sha}^") == head
    delivery = json.loads(actions.outputs()["result-json"])["result"]["delivery"]
    assert delivery["mode"] == "pull-request"
    assert delivery["why"] == "an earlier run for this commit delivered it"  # the re-run


def test_a_forks_read_only_token_keeps_the_result_in_the_summary(
    actions: ActionsStep, run_cli: RunCli, fake_github: FakeGitHub, project_python: Path
) -> None:
    fake_github.require_token("ghs_TESTStoken", login="github-actions[bot]")
    config = f"test-generation:\n  python: {project_python}\n  engine: offline\n  repeat-runs: 2\n"
    repo = fake_github.create_repo(
        "acme/widgets",
        files={"calc.py": BEFORE, "tests/test_calc.py": HUMAN, ".github/ci-agent.yml": config},
    )
    fork = fake_github.state.fork_repo(repo, "mallory/widgets")
    fork.commit("main", {"calc.py": AFTER}, "clamp for real")
    number = repo.open_pull("main", title="Clamp", user="mallory", head_repo=fork).number
    base, head = str(repo.branch_sha("main")), str(fork.branch_sha("main"))
    _git(actions.workspace, "init", "-q")
    _git(actions.workspace, "fetch", "-q", str(fork.git.path), "main")
    _git(actions.workspace, "checkout", "-q", head)
    actions.event(
        "pull_request",
        {
            "action": "opened",
            "number": number,
            "pull_request": {
                "number": number,
                "base": {"sha": base, "ref": "main"},
                "head": {"sha": head, "ref": "main", "repo": {"full_name": "mallory/widgets"}},
            },
        },
    )
    actions.set(
        INPUT_COMMAND="tests", GITHUB_API_URL=fake_github.base_url, GITHUB_TOKEN="ghs_TESTStoken"
    )
    refused = fake_github.faults.status("POST", "/repos/*/issues/*/comments", 403, times=None)

    result = run_cli("run")

    assert result.code == 0, result.out + result.err
    assert refused.hits == 1 and not repo.issue_comments
    data = json.loads(actions.outputs()["result-json"])["result"]
    assert data["comment"]["skipped"].startswith("CA304: ")
    assert data["delivery"] == {"mode": "artifact", "why": "test-generation.delivery is artifact"}
    assert "**1 candidate(s) accepted**" in actions.summary()
