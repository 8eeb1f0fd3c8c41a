"""The scheduled matrix as workflows/tests.yml runs it: two ``ci-agent run`` shard jobs
(``--all --shard I/2``) each keep one artifact and deliver nothing; the merge job
(``--merge DIR`` of the downloaded artifacts) runs the whole suite with all files and delivers
once through the fake GitHub: one pull request into the branch, one sticky comment on it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ActionsStep, RunCli
from tests.fakes.github_server import FakeGitHub, RepoState
from tests.fakes.github_server.fixtures import fake_github
from tests.integration.testgen.test_shards import CALC

__all__ = ["fake_github"]

TOKEN = "ghs_SHARDStoken"
HUMAN = "def test_ok():\n    pass\n"


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture(scope="module")
def mark(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The file the repository's conftest.py touches whenever its tests run."""
    return tmp_path_factory.mktemp("conftest-mark") / "ran"


@pytest.fixture(scope="module")
def shard_cache(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The shards' artifacts of a commit, made once per module: every test's repository is
    the same commit (same files, a frozen clock), and the shard jobs are the slow part."""
    return {"": tmp_path_factory.mktemp("shard-artifacts")}


@pytest.fixture
def scheduled(
    actions: ActionsStep,
    fake_github: FakeGitHub,
    project_python: Path,
    tmp_path: Path,
    mark: Path,
) -> tuple[ActionsStep, RepoState, str]:
    """The default branch checked out in the workspace, as a ``schedule`` run of it."""
    fake_github.require_token(TOKEN, login="github-actions[bot]")
    fake_github.clock.set("2026-06-01T04:41:00Z")
    config = (
        f"test-generation:\n  python: {project_python}\n  engine: offline\n"
        "  repeat-runs: 2\n  delivery: pull-request\n"
    )
    # Every run of the repository's tests imports it: the jobs that must run none leave no mark.
    conftest = f"import pathlib\npathlib.Path({str(mark)!r}).touch()\n"
    files = {
        "calc.py": CALC,
        "tests/test_nothing.py": HUMAN,
        "conftest.py": conftest,
        ".github/ci-agent.yml": config,
    }
    repo = fake_github.create_repo("acme/widgets", files=files)
    sha = str(repo.branch_sha("main"))
    _git(actions.workspace, "init", "-q")
    _git(actions.workspace, "fetch", "-q", str(repo.git.path), "main")
    _git(actions.workspace, "checkout", "-q", sha)
    actions.event("schedule", {"schedule": "17 3 * * 1"})
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    actions.set(
        INPUT_COMMAND="tests",
        GITHUB_API_URL=fake_github.base_url,
        GITHUB_TOKEN=TOKEN,
        GITHUB_SHA=sha,
        GITHUB_REF="refs/heads/main",
        GITHUB_RUN_ID="4242",
        GITHUB_RUN_ATTEMPT="1",
        RUNNER_TEMP=str(runner_temp),
    )
    return actions, repo, sha


def _shards(
    step: ActionsStep, run_cli: RunCli, sha: str, cache: dict[str, Path], into: Path
) -> list[str]:
    """Both shard jobs' artifacts in ``into``, as download-artifact leaves them; their names."""
    kept = cache[""] / sha
    if not kept.exists():
        kept.mkdir()
        for index in (1, 2):
            step.set(GITHUB_JOB="shard", INPUT_ARGS=f"--all --shard {index}/2")
            shard = run_cli("run")
            assert shard.code == 0, shard.out + shard.err
            data = _result(step)["result"]
            assert data["delivery"] == {"mode": "none", "why": "a shard: the merge job delivers"}
            assert data["attempt"] == 1  # the merge keeps each shard's newest attempt
            artifact = Path(data["artifact"]["path"])
            shutil.copy(artifact, kept / artifact.name)
    shutil.copytree(kept, into)
    return sorted(p.name for p in into.iterdir())


def _result(step: ActionsStep) -> dict[str, Any]:
    data = json.loads(step.outputs()["result-json"])
    assert isinstance(data, dict)
    return data


def test_two_shards_artifacts_merge_into_one_delivery(
    scheduled: tuple[ActionsStep, RepoState, str],
    run_cli: RunCli,
    fake_github: FakeGitHub,
    tmp_path: Path,
    shard_cache: dict[str, Path],
) -> None:
    step, repo, sha = scheduled
    downloaded = tmp_path / "shards"  # what download-artifact (merge-multiple) leaves
    names = _shards(step, run_cli, sha, shard_cache, downloaded)
    assert names == [
        f"ci-agent-tests-{sha[:12]}-shard-1-of-2-shard-run4242-attempt1.json",
        f"ci-agent-tests-{sha[:12]}-shard-2-of-2-shard-run4242-attempt1.json",
    ]
    assert fake_github.requests.writes() == [], "a shard posts and pushes nothing"

    step.set(GITHUB_JOB="merge", INPUT_ARGS=f"--merge {downloaded}")
    merged = run_cli("run")
    again = run_cli("run")  # a re-run of the merge job delivers nothing new

    assert merged.code == 0, merged.out + merged.err
    assert again.code == 0, again.out + again.err
    data = _result(step)["result"]
    assert data["shards"] == ["1/2", "2/2"] and data["missing_shards"] == []
    assert data["superseded"] == []
    assert data["funnel"]["suite"] == 2
    assert data["delivery"]["why"] == "an earlier run for this commit delivered it"
    (opened,) = repo.pulls()
    assert opened.pull is not None
    assert (opened.pull.base_ref, opened.pull.head_ref) == (
        "main",
        f"ci-agent/tests-main-{sha[:12]}",
    )
    added = repo.git.text("show", f"{opened.pull.head_sha}:tests/test_calc_generated.py")
    assert "# ci-agent: target calc.py::clamp (examples)" in added
    assert "# ci-agent: target calc.py::sign (examples)" in added
    assert repo.git.text("rev-parse", f"{opened.pull.head_sha}^") == sha
    (comment,) = repo.issue_comments.values()
    assert comment.issue_number == opened.number
    assert comment.body.startswith(f"<!-- ci-agent:tests:pr-{opened.number} -->\n## ci-agent tests")
    assert "**2 candidate(s) accepted** for 2 target(s)" in comment.body
    assert "2 shard(s) merged" in comment.body
    assert fake_github.requests.count("POST", "/repos/*/issues/*/comments") == 1
    assert fake_github.requests.count("POST", "/repos/*/pulls") == 1
    # The merge job writes nothing into the checkout either.
    status = subprocess.run(
        ["git", "status", "--porcelain"],
        check=True,
        cwd=step.workspace,
        capture_output=True,
        text=True,
    )
    assert status.stdout == ""


def test_a_merge_of_another_commits_shards_is_refused(
    scheduled: tuple[ActionsStep, RepoState, str], run_cli: RunCli, tmp_path: Path
) -> None:
    step, _, sha = scheduled
    downloaded = tmp_path / "shards"
    downloaded.mkdir()
    other = "f" * 40
    body = {"commit": other, "scope": {"shard": "1/1"}, "files": []}
    (downloaded / "ci-agent-tests-x.json").write_text(json.dumps(body))
    step.set(GITHUB_JOB="merge", INPUT_ARGS=f"--merge {downloaded}")

    result = run_cli("run")

    assert result.code == 4, result.out
    (error,) = _result(step)["errors"]
    assert error["code"] == "CA590"
    assert other[:12] in error["message"] and sha[:12] in error["message"]


def test_an_empty_download_directory_is_a_coded_error(
    scheduled: tuple[ActionsStep, RepoState, str], run_cli: RunCli, tmp_path: Path
) -> None:
    step, _, _ = scheduled
    (tmp_path / "none").mkdir()
    step.set(GITHUB_JOB="merge", INPUT_ARGS=f"--merge {tmp_path / 'none'}")

    result = run_cli("run")

    assert result.code == 2, result.out
    assert [e["code"] for e in _result(step)["errors"]] == ["CA195"]
    assert "Traceback" not in result.out + result.err


def test_a_read_only_merge_and_a_deliver_job_that_runs_nothing(
    scheduled: tuple[ActionsStep, RepoState, str],
    run_cli: RunCli,
    fake_github: FakeGitHub,
    tmp_path: Path,
    shard_cache: dict[str, Path],
    mark: Path,
) -> None:
    """workflows/tests.yml's split: the merge job runs the suite and pushes nothing; the
    deliver job lands its artifact without running any of the repository's code, and says
    the funnel was reported by the run, not verified by itself."""
    step, repo, head = scheduled
    _shards(step, run_cli, head, shard_cache, tmp_path / "shards")

    step.set(GITHUB_JOB="merge", INPUT_ARGS=f"--merge {tmp_path / 'shards'} --no-deliver")
    mark.unlink(missing_ok=True)
    merged = run_cli("run")
    assert merged.code == 0, merged.out + merged.err
    assert mark.exists(), "the merge job runs the whole suite"
    data = _result(step)["result"]
    assert data["delivery"]["mode"] == "none" and "--deliver" in data["delivery"]["why"]
    assert data["attempt"] == 1 and data["funnel"]["suite"] == 2
    artifact = Path(data["artifact"]["path"])
    assert artifact.name == f"ci-agent-tests-{head[:12]}-merge-run4242-attempt1.json"
    assert fake_github.requests.writes() == [], "the merge job pushes and posts nothing"
    download = tmp_path / "merged"
    download.mkdir()
    shutil.copy(artifact, download / artifact.name)

    step.set(GITHUB_JOB="deliver", INPUT_ARGS=f"--deliver {download}", CI_AGENT_DRY_RUN="true")
    mark.unlink()
    rehearsal = run_cli("run")
    assert rehearsal.code == 0, rehearsal.out + rehearsal.err
    assert _result(step)["result"]["delivery"]["mode"] == "none"
    assert fake_github.requests.writes() == [], "a dry run pushes and posts nothing"
    step.set(CI_AGENT_DRY_RUN="")
    delivered = run_cli("run")
    again = run_cli("run")  # a re-run of the deliver job lands nothing new

    assert delivered.code == 0, delivered.out + delivered.err
    assert again.code == 0, again.out + again.err
    assert not mark.exists(), "the deliver job ran the repository's code"
    (opened,) = repo.pulls()
    assert opened.pull is not None and opened.pull.head_ref == f"ci-agent/tests-main-{head[:12]}"
    message = repo.git.text("log", "-1", "--format=%B", opened.pull.head_sha)
    assert "Ci-Agent-Verified" not in message
    assert "Ci-Agent-Reported: CI run 4242: each test passed alone" in message
    assert "Ci-Agent-Rechecked: commit, new test modules only" in message
    added = repo.git.text("show", f"{opened.pull.head_sha}:tests/test_calc_generated.py")
    assert "# ci-agent: target calc.py::clamp (examples)" in added
    (comment,) = repo.issue_comments.values()
    assert comment.issue_number == opened.number
    assert "**2 candidate(s) accepted** for 2 target(s)" in comment.body
    assert fake_github.requests.count("POST", "/repos/*/pulls") == 1
    assert fake_github.requests.count("POST", "/repos/*/issues/*/comments") == 1


def test_the_deliver_job_refuses_what_is_not_this_commits_merged_result(
    scheduled: tuple[ActionsStep, RepoState, str],
    run_cli: RunCli,
    fake_github: FakeGitHub,
    tmp_path: Path,
) -> None:
    step, _, sha = scheduled
    cases: list[tuple[str, object, str]] = [
        ("shard.json", {"commit": sha, "scope": {"shard": "1/2"}, "files": []}, "CA584"),
        ("bad.json", "not json", "CA584"),
        ("other.json", {"commit": "f" * 40, "shards": ["1/1"], "files": []}, "CA590"),
        ("nofiles.json", {"commit": sha, "shards": ["1/1"], "files": [{"path": 1}]}, "CA584"),
    ]
    for name, body, code in cases:
        folder = tmp_path / name
        folder.mkdir()
        text = body if isinstance(body, str) else json.dumps(body)
        (folder / name).write_text(text)
        step.set(GITHUB_JOB="deliver", INPUT_ARGS=f"--deliver {folder}")
        result = run_cli("run")
        assert result.code != 0, name
        assert [e["code"] for e in _result(step)["errors"]] == [code], name
        assert "Traceback" not in result.out + result.err
    (tmp_path / "empty").mkdir()
    step.set(INPUT_ARGS=f"--deliver {tmp_path / 'empty'}")
    assert run_cli("run").code == 2
    assert [e["code"] for e in _result(step)["errors"]] == ["CA196"]
    for args in (f"--deliver {tmp_path} --all", "--no-deliver --all"):
        step.set(INPUT_ARGS=args)
        assert run_cli("run").code == 2, args
        assert [e["code"] for e in _result(step)["errors"]] == ["CA108"], args
    assert fake_github.requests.writes() == []
