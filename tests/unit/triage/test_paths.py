"""Paths: runner workspaces and roots stripped, library frames recognised."""

from __future__ import annotations

import pytest

from ci_agent.triage.paths import is_library, relative


@pytest.mark.parametrize(
    ("path", "roots", "expected"),
    [
        ("/home/runner/work/widgets/widgets/src/app.py", (), "src/app.py"),
        ("/Users/runner/work/widgets/widgets/src/app.py", (), "src/app.py"),
        ("D:\\a\\widgets\\widgets\\src\\app.py", (), "src/app.py"),
        ("/__w/widgets/widgets/src/app.py", (), "src/app.py"),
        ("/opt/actions-runner/_work/widgets/widgets/src/app.py", (), "src/app.py"),
        ("/tmp/x/proj/src/app.py", ("/tmp/x", "/tmp/x/proj"), "src/app.py"),
        ("/tmp/x/projection/app.py", ("/tmp/x/proj",), "/tmp/x/projection/app.py"),
        ("./src/app.py", (), "src/app.py"),
        ("'src/app.py'", (), "src/app.py"),
    ],
)
def test_relative(path: str, roots: tuple[str, ...], expected: str) -> None:
    assert relative(path, roots) == expected


@pytest.mark.parametrize(
    ("path", "library"),
    [
        ("/usr/lib/python3.11/json/decoder.py", True),
        ("/root/.pyenv/versions/3.11.7/lib/python3.11/importlib/__init__.py", True),
        (".venv/lib/python3.12/site-packages/requests/api.py", True),
        ("node_modules/jest-circus/build/utils.js", True),
        ("node:internal/modules/cjs/loader", True),
        ("<frozen importlib._bootstrap>", True),
        ("src/app.py", False),
        ("tests/test_lib.py", False),
    ],
)
def test_is_library(path: str, library: bool) -> None:
    assert is_library(path) is library
