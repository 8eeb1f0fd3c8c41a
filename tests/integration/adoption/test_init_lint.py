"""What ``ci-agent init`` writes passes zizmor's default policy and actionlint on its own.

zizmor runs from a directory that holds only the written files, so neither this repository's
zizmor.yml nor anything else relaxes its rules.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import RunCli, git

SHA = "3d3c42e5aac5ba805825da76410c181273ba90b1"


def _tool(name: str) -> str:
    beside_python = Path(sys.executable).parent / name
    found = str(beside_python) if beside_python.exists() else shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]')")
    return found


@pytest.fixture
def written(run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    monkeypatch.chdir(repo)
    result = run_cli("init", "--ref", SHA)
    assert result.code == 0, result.err
    files = sorted((repo / ".github" / "workflows").glob("*.yml"))
    assert [f.name for f in files] == [
        "ci-agent-backup.yml",
        "ci-agent-commands.yml",
        "ci-agent-fix.yml",
        "ci-agent-review.yml",
    ]
    return files


def test_zizmor_default_policy_finds_nothing(written: list[Path]) -> None:
    repo = written[0].parents[2]
    assert sorted(p.name for p in repo.iterdir()) == [".git", ".github"]
    result = subprocess.run(
        [_tool("zizmor"), "--offline", "--no-progress", "--format", "json", *map(str, written)],
        capture_output=True,
        text=True,
        cwd=repo,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout or "[]") == []


def test_the_tag_pinned_sources_do_fail_zizmors_default_policy(tmp_path: Path) -> None:
    """The control: without init's pinning the same files are refused (unpinned-uses)."""
    root = Path(__file__).resolve().parents[3]
    copy = tmp_path / "review.yml"
    shutil.copyfile(root / "workflows" / "review.yml", copy)
    result = subprocess.run(
        [_tool("zizmor"), "--offline", "--no-progress", "--format", "json", str(copy)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "unpinned-uses" in {f["ident"] for f in json.loads(result.stdout)}


def test_actionlint_finds_nothing(written: list[Path]) -> None:
    result = subprocess.run(
        [_tool("actionlint"), *map(str, written)],
        capture_output=True,
        text=True,
        cwd=written[0].parents[2],
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
