"""``ci-agent init``: the starter config and one caller workflow per file in workflows/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ci_agent.commands.init import plan_files
from ci_agent.config_file import load_config_file
from ci_agent.resources import templates_dir, workflows_dir
from tests.conftest import RunCli

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW_NAMES = sorted(p.stem for p in (ROOT / "workflows").glob("*.yml"))
STARTER = ROOT / "templates" / "config" / "ci-agent.yml"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    monkeypatch.chdir(path)
    return path


def written_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def expected_files() -> list[str]:
    return sorted(
        [".github/ci-agent.yml", *(f".github/workflows/ci-agent-{n}.yml" for n in WORKFLOW_NAMES)]
    )


def test_the_packaged_data_is_the_checkout() -> None:
    assert workflows_dir() == ROOT / "workflows"
    assert templates_dir() == ROOT / "templates"


def test_init_writes_the_config_and_every_workflow(run_cli: RunCli, repo: Path) -> None:
    result = run_cli("init")
    assert result.code == 0, result
    assert written_files(repo) == expected_files()
    config = repo / ".github" / "ci-agent.yml"
    assert config.read_bytes() == STARTER.read_bytes()
    workflows = sorted((repo / ".github" / "workflows").glob("ci-agent-*.yml"))
    assert len(workflows) == len(WORKFLOW_NAMES)
    for name in WORKFLOW_NAMES:
        copy = repo / ".github" / "workflows" / f"ci-agent-{name}.yml"
        assert copy.read_bytes() == (ROOT / "workflows" / f"{name}.yml").read_bytes()
    assert result.out.splitlines() == [f"wrote {p}" for p in expected_files_in_plan_order()]


def expected_files_in_plan_order() -> list[str]:
    return [
        ".github/ci-agent.yml",
        *(f".github/workflows/ci-agent-{n}.yml" for n in WORKFLOW_NAMES),
    ]


def test_the_written_config_validates(run_cli: RunCli, repo: Path) -> None:
    assert run_cli("init").code == 0
    config = load_config_file(repo / ".github" / "ci-agent.yml")
    assert config.version == 1
    # And every later command accepts it as the default configuration.
    data = run_cli("doctor", "--output", "json").json()
    assert data["result"]["config"]["path"] == str(repo / ".github" / "ci-agent.yml")
    assert all(p["severity"] != "error" for p in data["result"]["problems"])


def test_init_json(run_cli: RunCli, repo: Path) -> None:
    data = run_cli("init", "--output", "json").json()
    assert data["status"] == "ok"
    assert data["command"] == "init"
    assert data["result"] == {
        "written": expected_files_in_plan_order(),
        "skipped": [],
        "dry_run": False,
    }


def test_init_keeps_existing_files(run_cli: RunCli, repo: Path) -> None:
    config = repo / ".github" / "ci-agent.yml"
    config.parent.mkdir()
    config.write_text("fail-level: low\n", encoding="utf-8")
    result = run_cli("init")
    assert result.code == 0
    assert config.read_text(encoding="utf-8") == "fail-level: low\n"
    assert "kept .github/ci-agent.yml (exists; --force overwrites)" in result.out
    assert written_files(repo) == expected_files()
    # A second run keeps everything.
    data = run_cli("init", "--output", "json").json()
    assert data["result"]["written"] == []
    assert data["result"]["skipped"] == expected_files_in_plan_order()


def test_init_force_overwrites(run_cli: RunCli, repo: Path) -> None:
    config = repo / ".github" / "ci-agent.yml"
    config.parent.mkdir()
    config.write_text("fail-level: low\n", encoding="utf-8")
    result = run_cli("init", "--force")
    assert result.code == 0
    assert config.read_bytes() == STARTER.read_bytes()
    assert "wrote .github/ci-agent.yml" in result.out
    assert "kept" not in result.out


def test_init_dry_run_writes_nothing(run_cli: RunCli, repo: Path) -> None:
    result = run_cli("init", "--dry-run")
    assert result.code == 0
    assert written_files(repo) == []
    assert result.out.splitlines() == [f"would write {p}" for p in expected_files_in_plan_order()]
    data = run_cli("init", "--dry-run", "--output", "json").json()
    assert data["dry_run"] is True
    assert data["result"]["dry_run"] is True
    assert data["result"]["written"] == expected_files_in_plan_order()
    assert written_files(repo) == []


def test_init_dry_run_from_the_environment(
    run_cli: RunCli, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI_AGENT_DRY_RUN", "true")
    assert "would write .github/ci-agent.yml" in run_cli("init").out
    assert written_files(repo) == []


@pytest.mark.skipif(not WORKFLOW_NAMES, reason="workflows/ is empty")
def test_init_one_workflow(run_cli: RunCli, repo: Path) -> None:
    name = WORKFLOW_NAMES[0]
    result = run_cli("init", "--workflow", name)
    assert result.code == 0
    assert written_files(repo) == [
        ".github/ci-agent.yml",
        f".github/workflows/ci-agent-{name}.yml",
    ]


def test_init_unknown_workflow(run_cli: RunCli, repo: Path) -> None:
    result = run_cli("init", "--workflow", "nope")
    assert result.code == 2
    assert "error[CA106]: '--workflow' has the invalid value 'nope'" in result.err
    assert f"Use one of: {', '.join(WORKFLOW_NAMES)}." in result.err
    assert written_files(repo) == []


def test_init_into_a_directory(run_cli: RunCli, repo: Path) -> None:
    result = run_cli("init", "sub/dir")
    assert result.code == 0
    assert written_files(repo / "sub" / "dir") == expected_files()
    assert "wrote sub/dir/.github/ci-agent.yml" in result.out


def test_init_into_a_file_is_a_usage_error(run_cli: RunCli, repo: Path) -> None:
    (repo / "file").write_text("x", encoding="utf-8")
    result = run_cli("init", "file")
    assert result.code == 2
    assert "error[CA108]" in result.err


def test_init_into_an_unwritable_place(run_cli: RunCli, repo: Path) -> None:
    # .github is a file, so .github/ci-agent.yml cannot be created.
    (repo / ".github").write_text("not a directory", encoding="utf-8")
    result = run_cli("init")
    assert result.code == 2, result
    assert "error[CA205]: cannot write to .github/ci-agent.yml" in result.err
    assert "Traceback" not in result.err


def test_a_failed_write_leaves_no_temporary_file(
    run_cli: RunCli, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Path, target: Path) -> Path:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "replace", refuse)
    result = run_cli("init")
    assert result.code == 2
    assert "error[CA205]: cannot write to .github/ci-agent.yml: Permission denied" in result.err
    assert written_files(repo) == []


def test_plan_files(tmp_path: Path) -> None:
    pairs = plan_files(tmp_path, ())
    assert pairs[0] == (STARTER, tmp_path / ".github" / "ci-agent.yml")
    assert [d.name for _, d in pairs[1:]] == [f"ci-agent-{n}.yml" for n in WORKFLOW_NAMES]
    assert len(pairs) == 1 + len(WORKFLOW_NAMES)


def test_written_files_get_the_usual_permissions(run_cli: RunCli, repo: Path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    assert run_cli("init").code == 0
    mode = (repo / ".github" / "ci-agent.yml").stat().st_mode & 0o777
    assert mode == 0o666 & ~umask
