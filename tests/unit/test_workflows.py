"""Static checks of the ready-to-copy caller workflows in workflows/.

They must be safe to copy as they are: actions pinned, nothing interpolated into scripts,
no permissions by default and least privilege per job, no PR code checked out with a
write token, and zizmor clean.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / "workflows").glob("*.yml"))
WORKFLOW_IDS = [path.name for path in WORKFLOWS]

SHA_PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)\s*(?:#\s*(?P<comment>.*))?$")
VERSION_COMMENT = re.compile(r"^v\d+(?:\.\d+){0,2}\b")
# Our own action may be referenced by its major tag; see zizmor.yml for why.
OWN_ACTION = "ci-agent/ci-agent@v1"
CHECKOUT = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1"
PRIVILEGED = {"review.yml", "commands.yml"}


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    # PyYAML reads the bare key `on` as the boolean True (YAML 1.1).
    if True in data:
        data["on"] = data.pop(True)
    return data


def all_steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_the_documented_workflows_exist() -> None:
    names = set(WORKFLOW_IDS)
    assert {"review.yml", "commands.yml"} <= names


@pytest.mark.parametrize("path", WORKFLOWS, ids=WORKFLOW_IDS)
def test_header_explains_what_how_and_secrets(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    header = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    joined = "\n".join(header)
    assert len(header) >= 5, "the file needs a comment header"
    assert ".github/workflows/" in joined, "the header must say where to copy the file"
    assert "Secrets" in joined, "the header must name the secrets it uses"


@pytest.mark.parametrize("path", WORKFLOWS, ids=WORKFLOW_IDS)
def test_uses_are_pinned(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    refs = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = USES_LINE.match(line)
        if not match:
            continue
        ref, comment = match["ref"], match["comment"]
        refs.append(ref)
        if ref == OWN_ACTION:
            continue
        assert SHA_PINNED.match(ref), f"line {number}: {ref} is not pinned to a commit SHA"
        assert comment and VERSION_COMMENT.match(comment), f"line {number}: no # vX.Y.Z comment"
    assert refs == [step["uses"] for step in all_steps(load(path)) if "uses" in step]


@pytest.mark.parametrize("path", WORKFLOWS, ids=WORKFLOW_IDS)
def test_no_expression_inside_run_scripts(path: Path) -> None:
    for step in all_steps(load(path)):
        assert "${{" not in step.get("run", ""), f"step {step.get('name')!r} interpolates"


@pytest.mark.parametrize("path", WORKFLOWS, ids=WORKFLOW_IDS)
def test_permissions_are_least_privilege(path: Path) -> None:
    workflow = load(path)
    assert "permissions" in workflow, "top-level permissions must be set"
    assert workflow["permissions"] == {}, "grant nothing at the top level; grant per job"
    for name, job in workflow["jobs"].items():
        permissions = job.get("permissions")
        assert isinstance(permissions, dict), f"job {name} must list its permissions"
        assert "write-all" not in str(permissions)
        assert "read-all" not in str(permissions)
        if path.name in PRIVILEGED:
            assert permissions.get("contents") != "write", f"job {name} may not write contents"


@pytest.mark.parametrize("path", WORKFLOWS, ids=WORKFLOW_IDS)
def test_checkout_never_persists_credentials(path: Path) -> None:
    for step in all_steps(load(path)):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step["uses"] == CHECKOUT
            assert step.get("with", {}).get("persist-credentials") is False


@pytest.mark.parametrize("path", WORKFLOWS, ids=WORKFLOW_IDS)
def test_jobs_have_timeouts_and_runs_have_concurrency(path: Path) -> None:
    workflow = load(path)
    for name, job in workflow["jobs"].items():
        assert job.get("timeout-minutes"), f"job {name} needs a timeout"
        # At the workflow's level, or at the job's (so runs its `if:` skips take no slot).
        group = (workflow.get("concurrency") or job.get("concurrency") or {}).get("group")
        assert group, f"job {name} needs a concurrency group"


def test_review_workflow() -> None:
    workflow = load(ROOT / "workflows" / "review.yml")
    assert workflow["on"] == {
        "pull_request": {"types": ["opened", "synchronize", "reopened", "ready_for_review"]}
    }
    assert "pull_request_target" not in workflow["on"]
    assert "github.event.pull_request.number" in workflow["concurrency"]["group"]
    assert workflow["concurrency"]["cancel-in-progress"] is True
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
        "checks": "write",
        "models": "read",
    }
    checkout, agent = job["steps"]
    assert checkout["with"] == {"persist-credentials": False, "fetch-depth": 0}
    assert agent["uses"] == OWN_ACTION
    assert agent["with"]["command"] == "review"


def test_commands_workflow_only_runs_for_trusted_pr_comments() -> None:
    workflow = load(ROOT / "workflows" / "commands.yml")
    assert workflow["on"] == {"issue_comment": {"types": ["created"]}}
    assert "github.event.issue.number" in workflow["concurrency"]["group"]
    (job,) = workflow["jobs"].values()
    condition = " ".join(job["if"].split())
    for part in (
        "github.event.issue.pull_request",
        "startsWith(github.event.comment.body, '/ci-agent')",
        '"OWNER", "MEMBER", "COLLABORATOR"',
        "github.event.comment.author_association",
        "github.event.comment.user.type != 'Bot'",
        "!endsWith(github.event.comment.user.login, '[bot]')",
    ):
        assert part in condition
    assert " || " not in condition, "every part of the condition must hold"
    assert job["permissions"].get("contents") == "read"


def test_commands_workflow_never_checks_out_pr_code() -> None:
    workflow = load(ROOT / "workflows" / "commands.yml")
    (job,) = workflow["jobs"].values()
    for step in job["steps"]:
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            ref = str(step.get("with", {}).get("ref", ""))
            assert ref in {"", "${{ github.event.repository.default_branch }}"}
            assert "repository" not in step.get("with", {})
        if step.get("uses") == OWN_ACTION:
            assert step["with"]["command"] == "auto"


def test_fix_workflow_is_the_privileged_half_and_never_checks_out_pr_code() -> None:
    workflow = load(ROOT / "workflows" / "fix.yml")
    assert workflow["on"] == {"workflow_run": {"workflows": ["CI"], "types": ["completed"]}}
    assert "concurrency" not in workflow, "job level: runs the `if:` skips take no slot"
    (job,) = workflow["jobs"].values()
    assert job["concurrency"]["cancel-in-progress"] is False
    assert "head_branch" in job["concurrency"]["group"]
    assert job["if"] == "github.event.workflow_run.conclusion == 'failure'"
    assert job["permissions"] == {
        "contents": "write",
        "pull-requests": "write",
        "actions": "write",
        "issues": "read",  # the insights dashboard's flaky tests
    }
    for step in job["steps"]:
        assert "run" not in step, "the privileged job runs no script"
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step["with"]["ref"] == "${{ github.event.repository.default_branch }}"
        if step.get("uses") == OWN_ACTION:
            assert step["with"]["command"] == "fix"
            assert "openai-api-key" not in step["with"], "no model runs in the privileged job"


def test_ci_workflow_computes_the_fix_without_write_access() -> None:
    workflow = load(ROOT / "workflows" / "ci.yml")
    assert set(workflow["on"]) == {"pull_request"}
    (job,) = workflow["jobs"].values()
    assert set(job["permissions"].values()) == {"read"}
    assert job["defaults"]["run"]["shell"] == "bash"
    [compute] = [s for s in job["steps"] if s.get("uses") == OWN_ACTION]
    assert compute["with"]["command"] == "fix"
    assert "--junit junit.xml" in compute["with"]["args"]
    assert compute["if"].startswith("failure()")
    [checkout] = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/checkout")]
    assert checkout["with"]["fetch-depth"] == 2, "the merge commit's parents: the PR's files"


def find_zizmor() -> str | None:
    beside_python = Path(sys.executable).parent / "zizmor"
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("zizmor")


def test_zizmor_finds_nothing() -> None:
    zizmor = find_zizmor()
    if zizmor is None:
        pytest.skip("zizmor is not installed (pip install -e '.[dev]')")
    # Name the files: given a directory, zizmor only collects .github/workflows inside it.
    files = [str(ROOT / "action.yml"), *map(str, WORKFLOWS)]
    result = subprocess.run(
        [zizmor, "--offline", "--format", "json", *files],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout or "[]") == []


def test_insights_workflow_reads_history_and_writes_one_issue() -> None:
    workflow = load(ROOT / "workflows" / "insights.yml")
    assert workflow["permissions"] == {}
    assert set(workflow["on"]) == {"schedule", "workflow_dispatch"}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"actions": "read", "issues": "write", "contents": "read"}
    assert job["timeout-minutes"] and workflow["concurrency"]["cancel-in-progress"] is False
    steps = {step.get("uses", "").split("@")[0]: step for step in job["steps"]}
    assert steps[OWN_ACTION.split("@", maxsplit=1)[0]]["with"]["command"] == "insights"
    assert all("run" not in step for step in job["steps"])


def test_tests_workflow_runs_read_only_shards_and_merge_then_a_deliver_job_that_runs_nothing() -> (
    None
):
    import fnmatch

    from ci_agent.report.artifact import report_artifact_name

    workflow = load(ROOT / "workflows" / "tests.yml")
    assert set(workflow["on"]) == {"schedule", "workflow_dispatch"}
    assert workflow["concurrency"]["cancel-in-progress"] is False
    jobs = workflow["jobs"]
    shard, merge, deliver = jobs["shard"], jobs["merge"], jobs["deliver"]
    assert set(shard["permissions"].values()) == {"read"}
    assert shard["strategy"]["fail-fast"] is False
    assert shard["strategy"]["matrix"]["shard"] == [1, 2, 3, 4]
    [generate] = [s for s in shard["steps"] if s.get("uses") == OWN_ACTION]
    assert generate["with"]["command"] == "tests"
    assert generate["with"]["args"] == "--all --shard ${{ matrix.shard }}/${{ strategy.job-total }}"
    # The jobs that run the repository's code only read; the one that writes runs none of it.
    assert merge["needs"] == "shard" and deliver["needs"] == "merge"
    assert merge["permissions"] == {"contents": "read"}
    assert deliver["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert not [s for s in deliver["steps"] if "run" in s or "setup-python" in s.get("uses", "")]
    download, merging = merge["steps"][-2:]
    fetch, landing = deliver["steps"][-2:]
    for step in (download, fetch):
        assert step["uses"] == "actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c"
        assert "run-id" not in step["with"] and "github-token" not in step["with"]
        assert step["with"]["merge-multiple"] is True
    for step in (merging, landing):
        assert step["uses"] == OWN_ACTION and step["with"]["command"] == "tests"
        assert "openai-api-key" not in step["with"], "merging and delivering run no model"
    assert merging["with"]["args"] == f"--merge {download['with']['path']} --no-deliver"
    assert landing["with"]["args"] == "--deliver " + fetch["with"]["path"]
    # Each pattern takes the artifacts the tests job names for that job, and nothing else.
    environ = {"GITHUB_JOB": "shard", "GITHUB_RUN_ID": "9", "GITHUB_RUN_ATTEMPT": "1"}
    shard_name = report_artifact_name("tests", "0123456789ab-shard-3-of-4", environ)
    merged_name = report_artifact_name("tests", "0123456789ab", {**environ, "GITHUB_JOB": "merge"})
    assert fnmatch.fnmatch(shard_name, download["with"]["pattern"])
    assert not fnmatch.fnmatch(merged_name, download["with"]["pattern"])
    assert fnmatch.fnmatch(merged_name, fetch["with"]["pattern"])
    assert not fnmatch.fnmatch(shard_name, fetch["with"]["pattern"])
    for job in (shard, merge):
        installs = [s for s in job["steps"] if s.get("name") == "Install the project"]
        assert [s["run"] for s in installs] == ["python -m pip install -e . pytest coverage"]


def find_actionlint() -> str | None:
    beside_python = Path(sys.executable).parent / "actionlint"
    return str(beside_python) if beside_python.exists() else shutil.which("actionlint")


@pytest.mark.parametrize("path", WORKFLOWS, ids=WORKFLOW_IDS)
def test_actionlint_finds_nothing(path: Path) -> None:
    actionlint = find_actionlint()
    if actionlint is None:
        pytest.skip("actionlint is not installed (no wheel for this platform)")
    result = subprocess.run(
        [actionlint, "-no-color", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_pull_request_tests_workflow_in_the_docs_is_lint_clean(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "tests.md").read_text(encoding="utf-8")
    block = text.split("<!-- pull-request-tests-workflow -->\n```yaml\n", 1)[1].split("```", 1)[0]
    workflow = yaml.safe_load(block)
    job = workflow["jobs"]["tests"]
    assert set(workflow[True]) == {"pull_request"} and workflow["permissions"] == {}
    assert job["permissions"]["contents"] == "read" and "write" not in str(
        {k: v for k, v in job["permissions"].items() if k != "pull-requests"}
    )
    assert all("${{" not in step.get("run", "") for step in job["steps"])
    path = tmp_path / ".github" / "workflows" / "generated-tests.yml"
    path.parent.mkdir(parents=True)
    path.write_text(block, encoding="utf-8")
    for tool, args in (
        (find_zizmor(), ["--offline", "--no-progress", "--config", str(ROOT / "zizmor.yml")]),
        (find_actionlint(), []),
    ):
        if tool is None:
            continue
        done = subprocess.run(
            [tool, *args, str(path)], capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, f"{tool}: {done.stdout}{done.stderr}"
