"""Changes to how pytest runs: its options in ``pyproject.toml`` (``[tool.pytest]``,
``[tool.pytest.ini_options]``), ``setup.cfg`` (``[tool:pytest]``), ``tox.ini`` (``[pytest]``
and the ``[testenv]`` sections that run it), ``pytest.ini``, and any ``conftest.py``.

A patch that changes them can deselect, skip or re-mark the failing tests without touching
a test file, so any change is refused. Files are parsed (``tomllib``, ``configparser``):
comments and unrelated settings may change.
"""

from __future__ import annotations

import configparser
import tomllib
from pathlib import PurePosixPath
from typing import Any

__all__ = ["is_pytest_config", "pytest_option_changes"]

_INI_FILES = {"setup.cfg", "tox.ini", "pytest.ini", ".pytest.ini"}


def is_pytest_config(path: str) -> bool:
    """Whether ``path`` is a file that can hold pytest's options or hooks."""
    name = PurePosixPath(path).name
    return name in _INI_FILES or name in ("pyproject.toml", "conftest.py")


def pytest_option_changes(path: str, before: str, after: str) -> list[str]:
    """Why the change of ``path`` from ``before`` to ``after`` is refused (empty if not)."""
    name = PurePosixPath(path).name
    if name == "conftest.py":
        if before != after:
            return ["edits a conftest.py, which changes how the tests run (rule: conftest)"]
        return []
    if name in ("pytest.ini", ".pytest.ini"):
        if before != after:
            return [f"changes {name}, pytest's own options (rule: pytest-options)"]
        return []
    try:
        old = _options(name, before)
    except ValueError:
        old = None  # pytest cannot read it either: only a readable result could steer it
    try:
        new = _options(name, after)
    except ValueError as exc:
        return [] if old is None else [f"{exc} (rule: pytest-options)"]
    old = old or {}
    return [
        f"changes the pytest options in [{section}] (rule: pytest-options)"
        for section in sorted(set(old) | set(new))
        if old.get(section) != new.get(section)
    ]


def _options(name: str, text: str) -> dict[str, Any]:
    """Section name → what it holds, for the sections of ``name`` that steer pytest."""
    if name == "pyproject.toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"leaves pyproject.toml unreadable as TOML ({exc})") from None
        tool = data.get("tool")
        pytest = tool.get("pytest") if isinstance(tool, dict) else None
        return {} if pytest is None else {"tool.pytest": pytest}
    if name not in ("setup.cfg", "tox.ini"):
        return {}
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        first = str(exc).splitlines()[0]
        raise ValueError(f"leaves {name} unreadable ({first})") from None
    wanted = {"tool:pytest"} if name == "setup.cfg" else {"pytest", "tool:pytest"}
    return {
        section: dict(parser.items(section))
        for section in parser.sections()
        if section in wanted or (name == "tox.ini" and section.startswith("testenv"))
    }
