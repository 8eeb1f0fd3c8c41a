"""``ci-agent init``: the starter config and the live workflows, pinned to a release commit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ci_agent.config_file import load_config_file
from ci_agent.release import Release
from ci_agent.resources import templates_dir, workflows_dir
from ci_agent.starter import (
    CHOOSABLE_WORKFLOWS,
    LIVE_WORKFLOWS,
    Pin,
    ci_workflow_names,
    plan_files,
    resolve_pin,
)
from tests.conftest import RunCli, git

ROOT = Path(__file__).resolve().parents[2]
STARTER = ROOT / "templates" / "config" / "ci-agent.yml"
SHA = "0123456789abcdef0123456789abcdef01234567"
RELEASE = Release("1.4.2", "89abcdef0123456789abcdef0123456789abcdef")
PINNED = re.compile(r"uses: ci-agent/ci-agent@([0-9a-f]{40}) # (.+)$", re.M)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    monkeypatch.chdir(path)
    return path


@pytest.fixture
def released(monkeypatch: pytest.MonkeyPatch) -> Release:
    """As if this installation came from the release wheel of 1.4.2."""
    monkeypatch.setattr("ci_agent.release.installed_release", lambda: RELEASE)
    return RELEASE


def written_files(root: Path) -> list[str]:
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    )


def plan_order() -> list[str]:
    return [
        ".github/ci-agent.yml",
        *(f".github/workflows/ci-agent-{n}.yml" for n in LIVE_WORKFLOWS),
    ]


def test_the_packaged_data_is_the_checkout() -> None:
    assert workflows_dir() == ROOT / "workflows"
    assert templates_dir() == ROOT / "templates"


def test_init_writes_the_config_and_the_live_workflows_pinned_to_the_release(
    run_cli: RunCli, repo: Path, released: Release
) -> None:
    result = run_cli("init")
    assert result.code == 0, result
    assert written_files(repo) == sorted(plan_order())
    assert (repo / ".github" / "ci-agent.yml").read_bytes() == STARTER.read_bytes()
    # ci.yml runs a Python project's tests and is named "CI": never installed as a workflow.
    assert not (repo / ".github" / "workflows" / "ci-agent-ci.yml").exists()
    for name in LIVE_WORKFLOWS:
        copy = (repo / ".github" / "workflows" / f"ci-agent-{name}.yml").read_text()
        source = (ROOT / "workflows" / f"{name}.yml").read_text()
        assert "uses: ci-agent/ci-agent@v1" not in copy
        pins = PINNED.findall(copy)
        assert pins and all(p == (RELEASE.commit, "v1.4.2") for p in pins), name
        assert len(pins) == source.count("uses: ci-agent/ci-agent@v1")
        # Only the uses: lines differ from the source.
        assert PINNED.sub("X", copy) == source.replace("uses: ci-agent/ci-agent@v1", "X")
    lines = result.out.splitlines()
    assert lines[: len(plan_order())] == [f"wrote {p}" for p in plan_order()]
    assert f"ci-agent is pinned to ci-agent/ci-agent@{RELEASE.commit} (v1.4.2)." in result.out
    assert "Next steps:" in result.out
    assert "OPENAI_API_KEY" in result.out
    assert "Step to merge into your CI job:" in result.out
    assert f"uses: ci-agent/ci-agent@{RELEASE.commit} # v1.4.2" in result.out
    assert "git add .github/ci-agent.yml" in result.out
    assert result.err == ""


def test_without_a_release_record_or_ref_init_says_what_to_pass(
    run_cli: RunCli, repo: Path
) -> None:
    result = run_cli("init")
    assert result.code == 2
    assert "error[CA124]" in result.err
    assert "Pass --ref with the full commit SHA" in result.err
    assert written_files(repo) == []


def test_ref_pins_to_the_given_commit(run_cli: RunCli, repo: Path) -> None:
    assert run_cli("init", "--ref", SHA.upper()).code == 0
    review = (repo / ".github" / "workflows" / "ci-agent-review.yml").read_text()
    assert PINNED.findall(review) == [(SHA, "commit given to ci-agent init --ref")]


def test_ref_naming_the_release_commit_keeps_the_version_comment(
    run_cli: RunCli, repo: Path, released: Release
) -> None:
    assert run_cli("init", "--ref", RELEASE.commit).code == 0
    review = (repo / ".github" / "workflows" / "ci-agent-review.yml").read_text()
    assert PINNED.findall(review) == [(RELEASE.commit, "v1.4.2")]


@pytest.mark.parametrize("ref", ["v1", "main", SHA[:12], SHA + "0", "g" * 40])
def test_a_ref_that_is_not_a_full_sha_is_refused(run_cli: RunCli, repo: Path, ref: str) -> None:
    result = run_cli("init", "--ref", ref)
    assert result.code == 2
    assert f"error[CA125]: --ref '{ref}' is not a full 40-character commit SHA" in result.err
    assert written_files(repo) == []


def test_the_written_config_validates(run_cli: RunCli, repo: Path, released: Release) -> None:
    assert run_cli("init").code == 0
    config = load_config_file(repo / ".github" / "ci-agent.yml")
    assert config.version == 1
    data = run_cli("doctor", "--output", "json").json()
    assert data["result"]["config"]["path"] == str(repo / ".github" / "ci-agent.yml")
    assert all(p["severity"] != "error" for p in data["result"]["problems"])


def test_init_json(run_cli: RunCli, repo: Path) -> None:
    data = run_cli("init", "--ref", SHA, "--output", "json").json()
    assert data["status"] == "ok"
    result = data["result"]
    assert result["written"] == plan_order()
    assert result["skipped"] == []
    assert result["dry_run"] is False
    assert result["pin"] == {
        "action": f"ci-agent/ci-agent@{SHA}",
        "comment": "commit given to ci-agent init --ref",
    }
    assert result["warnings"] == []
    assert result["ci_workflows"] == []
    assert result["merge_into_ci"].startswith("      - name: Compute a fix\n")
    assert f"uses: ci-agent/ci-agent@{SHA} #" in result["merge_into_ci"]
    assert len(result["next_steps"]) >= 4


def test_init_markdown_has_no_python_reprs(run_cli: RunCli, repo: Path) -> None:
    result = run_cli("init", "--ref", SHA, "--dry-run", "--output", "markdown")
    assert result.code == 0
    out = result.out
    assert out.startswith("## ci-agent init\n")
    assert "- would write .github/ci-agent.yml" in out
    assert "### Next steps" in out
    assert "```yaml\n      - name: Compute a fix" in out
    for python in ("True", "False", "None", "['", "{'"):
        assert python not in out


def test_fix_workflow_watches_the_repositorys_own_ci(run_cli: RunCli, repo: Path) -> None:
    workflows = repo / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "tests.yml").write_text(
        "name: Tests & lint\non:\n  pull_request:\njobs: {}\n", encoding="utf-8"
    )
    (workflows / "deploy.yml").write_text("name: Deploy\non: push\njobs: {}\n", encoding="utf-8")
    (workflows / "target.yml").write_text(
        "name: Labels\non: pull_request_target\njobs: {}\n", encoding="utf-8"
    )
    result = run_cli("init", "--ref", SHA)
    assert result.code == 0
    fix = (workflows / "ci-agent-fix.yml").read_text()
    assert '    workflows: ["Tests & lint"]\n' in fix
    assert "ci-agent-fix.yml watches these workflows: Tests & lint" in result.out


def test_ci_workflow_names(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "a.yaml").write_text("name: 'CI'\non: [push, pull_request]\n", encoding="utf-8")
    (workflows / "ci-agent-review.yml").write_text("name: x\non: pull_request\n")
    (workflows / "broken.yml").write_bytes(b"\xff\xfe name: x pull_request")
    assert ci_workflow_names(tmp_path) == ["CI"]
    assert ci_workflow_names(tmp_path / "nowhere") == []


def test_init_keeps_existing_files(run_cli: RunCli, repo: Path) -> None:
    config = repo / ".github" / "ci-agent.yml"
    config.parent.mkdir()
    config.write_text("fail-level: low\n", encoding="utf-8")
    result = run_cli("init", "--ref", SHA)
    assert result.code == 0
    assert config.read_text(encoding="utf-8") == "fail-level: low\n"
    assert "kept .github/ci-agent.yml (exists; --force overwrites)" in result.out
    assert written_files(repo) == sorted(plan_order())
    data = run_cli("init", "--ref", SHA, "--output", "json").json()
    assert data["result"]["written"] == []
    assert data["result"]["skipped"] == plan_order()


def test_init_force_overwrites(run_cli: RunCli, repo: Path) -> None:
    config = repo / ".github" / "ci-agent.yml"
    config.parent.mkdir()
    config.write_text("fail-level: low\n", encoding="utf-8")
    result = run_cli("init", "--ref", SHA, "--force")
    assert result.code == 0
    assert config.read_bytes() == STARTER.read_bytes()
    assert "kept" not in result.out


def test_init_dry_run_writes_nothing(run_cli: RunCli, repo: Path) -> None:
    result = run_cli("init", "--ref", SHA, "--dry-run")
    assert result.code == 0
    assert written_files(repo) == []
    lines = result.out.splitlines()
    assert lines[: len(plan_order())] == [f"would write {p}" for p in plan_order()]
    data = run_cli("init", "--ref", SHA, "--dry-run", "--output", "json").json()
    assert data["dry_run"] is True
    assert data["result"]["dry_run"] is True
    assert data["result"]["written"] == plan_order()
    assert written_files(repo) == []


def test_init_dry_run_from_the_environment(
    run_cli: RunCli, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI_AGENT_DRY_RUN", "true")
    assert "would write .github/ci-agent.yml" in run_cli("init", "--ref", SHA).out
    assert written_files(repo) == []


def test_init_one_workflow(run_cli: RunCli, repo: Path) -> None:
    result = run_cli("init", "--ref", SHA, "--workflow", "review")
    assert result.code == 0
    assert written_files(repo) == [".github/ci-agent.yml", ".github/workflows/ci-agent-review.yml"]
    # Without fix.yml there is no CI step to merge.
    assert "Step to merge" not in result.out


@pytest.mark.parametrize("name", ["nope", "ci"])
def test_init_unknown_workflow(run_cli: RunCli, repo: Path, name: str) -> None:
    result = run_cli("init", "--ref", SHA, "--workflow", name)
    assert result.code == 2
    assert f"error[CA106]: '--workflow' has the invalid value '{name}'" in result.err
    assert f"Use one of: {', '.join(CHOOSABLE_WORKFLOWS)}." in result.err
    assert written_files(repo) == []


def test_init_into_a_directory(run_cli: RunCli, repo: Path) -> None:
    (repo / "sub" / "dir").mkdir(parents=True)
    result = run_cli("init", "--ref", SHA, "sub/dir")
    assert result.code == 0
    assert written_files(repo / "sub" / "dir") == sorted(plan_order())
    assert "wrote sub/dir/.github/ci-agent.yml" in result.out
    # sub/dir lies inside the repository: no warning.
    assert "warning" not in result.err


def test_init_into_a_missing_directory_creates_nothing(run_cli: RunCli, repo: Path) -> None:
    result = run_cli("init", "--ref", SHA, "no/such/dir")
    assert result.code == 2
    assert "error[CA207]: the directory no/such/dir does not exist" in result.err
    assert not (repo / "no").exists()
    data = run_cli("init", "--ref", SHA, "no/such/dir", "--output", "json").json()
    assert data["errors"][0]["code"] == "CA207"


def test_init_outside_a_git_repository_warns(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.chdir(plain)
    result = run_cli("init", "--ref", SHA)
    assert result.code == 0
    assert "warning: . is not inside a git repository" in result.err
    data = run_cli("init", "--ref", SHA, "--dry-run", "--output", "json").json()
    assert [w["code"] for w in data["result"]["warnings"]] == ["CA202"]


def test_init_into_a_file_is_a_usage_error(run_cli: RunCli, repo: Path) -> None:
    (repo / "file").write_text("x", encoding="utf-8")
    result = run_cli("init", "file")
    assert result.code == 2
    assert "error[CA108]" in result.err


def test_init_into_an_unwritable_place(run_cli: RunCli, repo: Path) -> None:
    (repo / ".github").write_text("not a directory", encoding="utf-8")
    result = run_cli("init", "--ref", SHA)
    assert result.code == 2, result
    assert "error[CA205]: cannot write to .github/ci-agent.yml" in result.err
    assert "Traceback" not in result.err


def test_a_failed_write_leaves_no_temporary_file(
    run_cli: RunCli, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Path, target: Path) -> Path:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "replace", refuse)
    result = run_cli("init", "--ref", SHA)
    assert result.code == 2
    assert "error[CA205]: cannot write to .github/ci-agent.yml: Permission denied" in result.err
    assert written_files(repo) == []


def test_plan_files(tmp_path: Path) -> None:
    files = plan_files(tmp_path, (), Pin(SHA, "v9.9.9"), [])
    assert files[0].destination == tmp_path / ".github" / "ci-agent.yml"
    assert files[0].text == STARTER.read_text()
    assert [f.destination.name for f in files[1:]] == [f"ci-agent-{n}.yml" for n in LIVE_WORKFLOWS]


def test_resolve_pin() -> None:
    assert resolve_pin(None, RELEASE) == Pin(RELEASE.commit, "v1.4.2")
    assert resolve_pin(f" {SHA} ", None) == Pin(SHA, "commit given to ci-agent init --ref")


def test_written_files_get_the_usual_permissions(run_cli: RunCli, repo: Path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    assert run_cli("init", "--ref", SHA).code == 0
    mode = (repo / ".github" / "ci-agent.yml").stat().st_mode & 0o777
    assert mode == 0o666 & ~umask


def test_init_writes_the_tests_matrix_only_when_named_and_lint_clean(
    run_cli: RunCli, repo: Path
) -> None:
    assert not (repo / ".github/workflows/ci-agent-tests.yml").exists()
    result = run_cli("init", "--ref", SHA, "--workflow", "tests")

    assert result.code == 0, result.err
    assert written_files(repo) == [".github/ci-agent.yml", ".github/workflows/ci-agent-tests.yml"]
    copy = repo / ".github/workflows/ci-agent-tests.yml"
    pins = PINNED.findall(copy.read_text())
    assert len(pins) == 3 and all(p[0] == SHA for p in pins)  # shard, merge, deliver
    assert "Edit both 'Install the project' steps of ci-agent-tests.yml" in result.out
    # What init writes passes the same linters as the shipped files.
    tools = Path(sys.executable).parent
    for tool, args in (("zizmor", ["--offline", "--no-progress"]), ("actionlint", [])):
        found = tools / tool
        if not found.exists():
            continue
        done = subprocess.run(
            [str(found), *args, str(copy)],
            capture_output=True,
            text=True,
            check=False,
            cwd=repo,
            timeout=120,
        )
        assert done.returncode == 0, tool + ": " + done.stdout + done.stderr
