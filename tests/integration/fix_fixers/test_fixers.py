"""The fixers against real repositories, real ruff and real scripted fixers; no shell, no
network."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from ci_agent.config_model import FixConfig
from ci_agent.errors import CiAgentError
from ci_agent.fix.fixers import run_fixers
from ci_agent.json_form import to_json
from tests.support import git

from .conftest import (
    CHECK_SCRIPT,
    MESSY,
    RUFF_PYPROJECT,
    TIDY,
    UNDEFINED,
    Maker,
    python,
)

CHECK_APP = python("check.py", "app.txt")


def scripted(fixer: str, **files: str) -> dict[str, str]:
    """A project whose check wants "fixed" in app.txt and whose fixer is ``fix.py``."""
    return {"app.txt": "broken\n", "check.py": CHECK_SCRIPT, "fix.py": fixer, **files}


def test_ruff_fixes_an_unused_import_and_formatting(make_project: Maker) -> None:
    project = make_project({"pyproject.toml": RUFF_PYPROJECT, "app.py": MESSY})
    result = run_fixers(project.git, project.sha, FixConfig())
    assert result.status == "verified", result.reasons
    assert result.changed == ("app.py",)
    assert "-import os\n" in result.diff and "+import os" not in result.diff
    assert "-def main( ) :\n" in result.diff and "+def main():\n" in result.diff
    assert "+    numbers = [1, 2, 3]\n" in result.diff
    assert ".ruff_cache" not in result.diff
    assert [r.argv for r in result.before] == [("ruff", "check"), ("ruff", "format", "--check")]
    assert [r.returncode for r in result.before] == [1, 1]
    assert "F401" in result.before[0].tail and "app.py" in result.before[1].tail
    assert [r.argv for r in result.fixes] == [("ruff", "check", "--fix"), ("ruff", "format")]
    assert [r.returncode for r in result.after] == [0, 0]
    assert "2 of 2 check(s) failed" in result.reasons[0]
    # The repository itself is untouched: the fix lives only in the returned diff.
    assert (project.path / "app.py").read_text() == MESSY
    data = to_json(result)
    assert data["status"] == "verified" and data["changed"] == ["app.py"]
    assert data["fixes"][0]["argv"] == ["ruff", "check", "--fix"]


def test_the_diff_applies_to_the_commit(
    make_project: Maker, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = make_project({"pyproject.toml": RUFF_PYPROJECT, "app.py": MESSY})
    result = run_fixers(project.git, project.sha, FixConfig())
    patch = tmp_path_factory.mktemp("patch") / "fix.diff"
    patch.write_text(result.diff)
    project.git.run("apply", str(patch))
    assert (project.path / "app.py").read_text() == TIDY
    project.git.run("checkout", "--", "app.py")


def test_a_clean_project_has_nothing_to_fix(make_project: Maker) -> None:
    project = make_project({"pyproject.toml": RUFF_PYPROJECT, "app.py": TIDY})
    result = run_fixers(project.git, project.sha, FixConfig())
    assert result.status == "nothing-to-fix"
    assert "not reproduced" in result.reasons[0] and project.sha[:12] in result.reasons[0]
    assert [r.returncode for r in result.before] == [0, 0]
    assert result.fixes == () and result.after == () and result.diff == ""


def test_an_unfixable_violation_alone_changes_nothing(make_project: Maker) -> None:
    project = make_project({"ruff.toml": "line-length = 100\n", "app.py": UNDEFINED})
    result = run_fixers(project.git, project.sha, FixConfig())
    assert result.status == "refused"
    assert result.reasons[0] == "the fixers changed nothing"
    assert "'ruff check' fails (exit status 1)" in result.reasons[1]
    assert "F821" in result.reasons[1] and "missing_name" in result.reasons[1]
    assert [r.returncode for r in result.fixes] == [1, 0]  # --fix exits 1: F821 remains
    assert result.after == () and result.diff == ""


def test_a_violation_left_after_the_fixers_refuses_with_the_check_tail(
    make_project: Maker,
) -> None:
    project = make_project({"pyproject.toml": RUFF_PYPROJECT, "app.py": "import os\n" + UNDEFINED})
    result = run_fixers(project.git, project.sha, FixConfig())
    assert result.status == "refused"
    assert result.diff == "" and result.changed == ()
    assert len(result.reasons) == 1
    assert result.reasons[0].startswith("'ruff check' fails after the fixers (exit status 1):\n")
    assert "F821" in result.reasons[0] and "F401" not in result.reasons[0]
    assert [r.returncode for r in result.after] == [1, 0]
    assert "F821" in result.after[0].tail


def test_configured_fixers_run_without_a_shell_or_tokens(
    make_project: Maker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    fixer = (
        "import os, sys\nfrom pathlib import Path\n\n"
        "Path('app.txt').write_text(f\"fixed {sys.argv[1:]} {'GITHUB_TOKEN' in os.environ}\\n\")\n"
    )
    project = make_project(scripted(fixer))
    config = FixConfig(fixers=(python("fix.py", "$HOME", "a;b"),), fixer_checks=(CHECK_APP,))
    result = run_fixers(project.git, project.sha, config)
    assert result.status == "verified", result.reasons
    assert result.changed == ("app.txt",)
    assert "+fixed ['$HOME', 'a;b'] False\n" in result.diff
    assert "app.txt: not fixed" in result.before[0].tail
    assert result.after[0].tail == "app.txt: ok"


def test_tool_caches_are_no_new_files(make_project: Maker) -> None:
    fixer = (
        "from pathlib import Path\n\n"
        "for cache in ('.ruff_cache/0.1', 'pkg/__pycache__', '.pytest_cache', '.mypy_cache'):\n"
        "    Path(cache).mkdir(parents=True, exist_ok=True)\n"
        "    (Path(cache) / 'data.bin').write_bytes(b'cache')\n"
        "Path('app.txt').write_text('fixed\\n')\n"
    )
    project = make_project(scripted(fixer, **{"pkg/mod.py": ""}))
    config = FixConfig(fixers=(python("fix.py"),), fixer_checks=(CHECK_APP,))
    result = run_fixers(project.git, project.sha, config)
    assert result.status == "verified", result.reasons
    assert result.changed == ("app.txt",) and "cache" not in result.diff


def test_a_fixer_editing_a_workflow_is_refused_by_the_policy(make_project: Maker) -> None:
    workflow = ".github/workflows/x.yml"
    fixer = f"from pathlib import Path\n\nPath({workflow!r}).write_text('# fixed\\n')\n"
    project = make_project(scripted(fixer, **{workflow: "name: x\n"}))
    config = FixConfig(fixers=(python("fix.py"),), fixer_checks=(python("check.py", workflow),))
    result = run_fixers(project.git, project.sha, config)
    assert result.status == "refused"
    assert result.reasons == (
        f"policy: {workflow}: protected path (.github/**); ci-agent does not edit it",
    )
    assert result.after == () and result.diff == ""


def test_a_fixer_adding_a_suppression_comment_is_refused(make_project: Maker) -> None:
    fixer = "from pathlib import Path\n\nPath('app.txt').write_text('fixed  # noqa\\n')\n"
    project = make_project(scripted(fixer))
    config = FixConfig(fixers=(python("fix.py"),), fixer_checks=(CHECK_APP,))
    result = run_fixers(project.git, project.sha, config)
    assert result.status == "refused"
    assert "policy: app.txt: adds a suppression comment" in result.reasons[0]


def test_a_fixer_creating_a_file_is_refused(make_project: Maker) -> None:
    fixer = (
        "from pathlib import Path\n\n"
        "Path('app.txt').write_text('fixed\\n')\n"
        "Path('generated/new.py').parent.mkdir()\n"
        "Path('generated/new.py').write_text('x = 1\\n')\n"
    )
    project = make_project(scripted(fixer))
    config = FixConfig(fixers=(python("fix.py"),), fixer_checks=(CHECK_APP,))
    result = run_fixers(project.git, project.sha, config)
    assert result.status == "refused"
    assert result.reasons == (
        "the fixers created files: generated/new.py; they may only modify files",
    )
    assert result.after == ()


def test_a_fixer_deleting_a_file_is_refused(make_project: Maker) -> None:
    fixer = "from pathlib import Path\n\nPath('app.txt').unlink()\n"
    project = make_project(scripted(fixer))
    config = FixConfig(fixers=(python("fix.py"),), fixer_checks=(CHECK_APP,))
    result = run_fixers(project.git, project.sha, config)
    assert result.status == "refused"
    assert result.reasons == ("the fixers deleted or renamed files: app.txt",)


def test_a_fixer_that_changes_nothing_is_refused(make_project: Maker) -> None:
    project = make_project(scripted("print('nothing to do')\n"))
    config = FixConfig(fixers=(python("fix.py"),), fixer_checks=(CHECK_APP,))
    result = run_fixers(project.git, project.sha, config)
    assert result.status == "refused"
    assert result.reasons[0] == "the fixers changed nothing"
    assert "app.txt: not fixed" in result.reasons[1]
    assert result.fixes[0].tail == "nothing to do"


@pytest.mark.skipif(os.name != "posix", reason="an executable script with a #! line")
def test_a_script_of_the_repository_runs_from_the_worktree(make_project: Maker) -> None:
    script = "#!/bin/sh\necho fixed > app.txt\n"
    project = make_project(scripted("", **{"scripts/fix.sh": script}), ("scripts/fix.sh",))
    config = FixConfig(fixers=("./scripts/fix.sh",), fixer_checks=(CHECK_APP,))
    result = run_fixers(project.git, project.sha, config)
    assert result.status == "verified", result.reasons
    assert "+fixed\n" in result.diff


@pytest.mark.parametrize(
    ("fixer", "problem"),
    [
        ("no-such-fixer-program --fix", "no-such-fixer-program is not on PATH"),
        ("./missing.sh", "./missing.sh is no executable file"),
        ("../outside.sh", "the program is outside the repository"),
        ("./check.py app.txt", "./check.py is no executable file"),  # not mode 755
    ],
)
def test_a_program_that_cannot_run_is_ca232(make_project: Maker, fixer: str, problem: str) -> None:
    project = make_project(scripted(""))
    config = FixConfig(fixers=(fixer,), fixer_checks=(CHECK_APP,))
    with pytest.raises(CiAgentError) as caught:
        run_fixers(project.git, project.sha, config)
    assert caught.value.code == "CA232"
    assert caught.value.message == f"the fixer command '{fixer}' cannot run: {problem}"


def test_a_missing_check_program_is_found_before_anything_runs(make_project: Maker) -> None:
    project = make_project(scripted("raise SystemExit('the fixer must not run')\n"))
    config = FixConfig(fixers=(python("fix.py"),), fixer_checks=("no-such-checker",))
    with pytest.raises(CiAgentError, match="CA232: the fixer command 'no-such-checker'"):
        run_fixers(project.git, project.sha, config)


def test_a_fixer_beyond_the_timeout_is_killed_with_its_children(make_project: Maker) -> None:
    # The child inherits the output pipe: unless it is killed too, reading the output waits.
    fixer = (
        "import subprocess, sys, time\n\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print('started', flush=True)\n"
        "time.sleep(60)\n"
    )
    project = make_project(scripted(fixer))
    config = FixConfig(fixers=(python("fix.py"),), fixer_checks=(CHECK_APP,), test_timeout=1.5)
    started = time.monotonic()
    result = run_fixers(project.git, project.sha, config)
    assert time.monotonic() - started < 30  # not the 60 s the fixer and its child would take
    assert result.status == "refused"
    assert result.reasons == (f"'{python('fix.py')}' timed out after 1.5 s (fix.test-timeout)",)
    (run,) = result.fixes
    assert run.returncode is None and run.timed_out and run.tail == "started"
    assert to_json(result)["fixes"][0]["timed_out"] is True


def test_a_check_beyond_the_timeout_is_refused(make_project: Maker) -> None:
    project = make_project(scripted("print('unused')\n"))
    slow = python("-c", "import time; time.sleep(60)")
    config = FixConfig(fixers=(python("fix.py"),), fixer_checks=(slow,), test_timeout=0.5)
    result = run_fixers(project.git, project.sha, config)
    assert result.status == "refused" and "timed out after 0.5 s" in result.reasons[0]
    assert result.before[0].timed_out and result.fixes == ()


def test_no_configuration_is_refused(make_project: Maker) -> None:
    project = make_project({"app.py": MESSY})
    result = run_fixers(project.git, project.sha, FixConfig())
    assert result.status == "refused"
    assert result.reasons == (
        "no fixer is configured (fix.fixers) and the commit does not configure ruff",
    )


def test_fixers_without_checks_are_refused(make_project: Maker) -> None:
    project = make_project({"pyproject.toml": RUFF_PYPROJECT, "app.py": MESSY})
    result = run_fixers(project.git, project.sha, FixConfig(fixers=("ruff format",)))
    assert result.status == "refused"
    assert "fix.fixer-checks" in result.reasons[0] and result.before == ()


def test_the_ruff_configuration_is_read_at_the_commit(make_project: Maker) -> None:
    project = make_project({"pyproject.toml": RUFF_PYPROJECT, "app.py": MESSY})
    (project.path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    git(project.path, "-c", "commit.gpgsign=false", "commit", "--quiet", "-am", "drop ruff")
    result = run_fixers(project.git, project.sha, FixConfig())  # the first commit
    assert result.status == "verified", result.reasons
    later = run_fixers(project.git, project.git.run("rev-parse", "HEAD"), FixConfig())
    assert later.status == "refused" and "does not configure ruff" in later.reasons[0]


@pytest.mark.skipif(os.name != "posix", reason="a symlink to git")
def test_ruff_off_path_is_the_ruff_package_binary(
    make_project: Maker, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = make_project({"pyproject.toml": RUFF_PYPROJECT, "app.py": MESSY})
    only_git = tmp_path_factory.mktemp("only-git")
    real_git = shutil.which("git")
    assert real_git is not None
    (only_git / "git").symlink_to(real_git)
    monkeypatch.setenv("PATH", str(only_git))
    result = run_fixers(project.git, project.sha, FixConfig())
    assert result.status == "verified", result.reasons
    assert result.fixes[0].argv == ("ruff", "check", "--fix")  # as configured, not resolved
