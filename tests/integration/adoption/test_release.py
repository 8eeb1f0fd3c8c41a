"""The release process: scripts/release tags, moves the major tag and builds a wheel whose
ci_agent/release.json names the release commit; an installation from it pins `init` to it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ci_agent.release import Release, read_release
from hatch_build import release_commit
from tests.conftest import git

ROOT = Path(__file__).resolve().parents[3]


def _repo(path: Path) -> Path:
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "a.txt").write_text("a\n", encoding="utf-8")
    git(path, "add", "a.txt")
    git(path, "commit", "-q", "-m", "first")
    return path


def test_a_tagged_clean_head_is_recorded(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "r")
    assert release_commit(repo, "1.2.3", {}) is None  # no tag: a development build
    git(repo, "tag", "-a", "v1.2.3", "-m", "1.2.3")
    head = git(repo, "rev-parse", "HEAD")
    assert release_commit(repo, "1.2.3", {}) == head
    assert release_commit(repo, "1.2.4", {}) is None  # the tag names another version
    (repo / "a.txt").write_text("changed\n", encoding="utf-8")
    assert release_commit(repo, "1.2.3", {}) is None  # the files are not the tagged ones


def test_the_environment_names_the_commit(tmp_path: Path) -> None:
    sha = "ABCDEF0123456789abcdef0123456789abcdef01"
    assert release_commit(tmp_path, "1.0.0", {"CI_AGENT_RELEASE_COMMIT": sha}) == sha.lower()
    with pytest.raises(ValueError, match="not a full commit SHA"):
        release_commit(tmp_path, "1.0.0", {"CI_AGENT_RELEASE_COMMIT": "v1"})


@pytest.mark.parametrize(
    "text",
    ["", "[]", '{"version": "1.0.0"}', '{"version": "1.0.0", "commit": "abc"}', "{"],
)
def test_a_bad_record_is_no_record(tmp_path: Path, text: str) -> None:
    path = tmp_path / "release.json"
    path.write_text(text, encoding="utf-8")
    assert read_release(path) is None
    assert read_release(tmp_path / "missing.json") is None


def _copy_of_this_checkout(target: Path) -> Path:
    """The project's files as they are now (committed or not), as a fresh one-commit repo."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            (target / source.relative_to(ROOT)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / source.relative_to(ROOT))
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "the project")
    return target


def test_scripts_release_tags_builds_and_pins_init(tmp_path: Path) -> None:
    project = _copy_of_this_checkout(tmp_path / "project")
    env = {**os.environ, "CI_AGENT_PYTHON": sys.executable}
    release = [sys.executable, str(project / "scripts" / "release")]

    refused = subprocess.run(
        [*release, "9.8.7"], cwd=project, env=env, capture_output=True, text=True, check=False
    )
    assert refused.returncode != 0
    assert "CHANGELOG.md has no '## [9.8.7]' section" in refused.stderr

    changelog = project / "CHANGELOG.md"
    changelog.write_text(
        changelog.read_text(encoding="utf-8") + "\n## [9.8.7]\n\n- notes\n", encoding="utf-8"
    )
    git(project, "commit", "-q", "-am", "notes for 9.8.7")
    done = subprocess.run(
        [*release, "9.8.7"], cwd=project, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    head = git(project, "rev-parse", "HEAD")
    assert git(project, "log", "-1", "--format=%s") == "Release 9.8.7"
    assert git(project, "rev-parse", "v9.8.7^{commit}") == head
    assert git(project, "rev-parse", "v9^{commit}") == head
    assert git(project, "status", "--porcelain") == ""
    assert f"tagged v9.8.7 and moved v9 to {head}" in done.stdout
    assert "git push --force origin refs/tags/v9" in done.stdout

    wheel = project / "dist" / "ci_agent-9.8.7-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        assert json.loads(archive.read("ci_agent/release.json")) == {
            "version": "9.8.7",
            "commit": head,
        }
        site = tmp_path / "site"
        archive.extractall(site)
    assert read_release(site / "ci_agent" / "release.json") == Release("9.8.7", head)

    # The installed package pins the workflows it writes to the release commit.
    target = _repo(tmp_path / "user")
    used = subprocess.run(
        [sys.executable, "-m", "ci_agent", "init", "--output", "json"],
        cwd=target,
        env={**env, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert used.returncode == 0, used.stderr
    pin = json.loads(used.stdout)["result"]["pin"]
    assert pin == {"action": f"ci-agent/ci-agent@{head}", "comment": "v9.8.7"}
    review = (target / ".github" / "workflows" / "ci-agent-review.yml").read_text()
    assert f"uses: ci-agent/ci-agent@{head} # v9.8.7\n" in review

    again = subprocess.run(
        [*release, "9.8.7"], cwd=project, env=env, capture_output=True, text=True, check=False
    )
    assert again.returncode != 0
    assert "the tag v9.8.7 exists already" in again.stderr
