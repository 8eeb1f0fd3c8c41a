"""A project interpreter apart from ci-agent's own, and small real projects to generate tests
for (git repositories with a passing suite)."""

from __future__ import annotations

import site
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

__all__ = ["make_project", "project_python"]


@pytest.fixture(scope="session")
def project_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment of its own (its own prefix, so ci-agent never mistakes it for
    its own) that sees pytest and coverage through a .pth file."""
    home = tmp_path_factory.mktemp("project-venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home)], check=True)
    python = home / "bin" / "python"
    found = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(found, "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return python


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[[Mapping[str, str]], Path]:
    """A git repository with ``files`` committed on ``main``."""

    def make(files: Mapping[str, str], name: str = "project") -> Path:
        root = tmp_path / name
        for path, text in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text, encoding="utf-8")
        _git(root, "init", "-q", "-b", "main")
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", "start")
        return root

    return make
