"""The ruff binary installed with ci-agent, and whether a repository configures ruff: one place
for review's static engine, fix's fixers and test generation's lint gate."""

from __future__ import annotations

import tomllib
from pathlib import Path

__all__ = ["bundled_ruff", "ruff_configured"]


def bundled_ruff() -> str | None:
    """The ruff binary of the ruff Python package ci-agent depends on; None without it."""
    try:
        from ruff.__main__ import find_ruff_bin
    except ImportError:
        return None
    try:
        return str(find_ruff_bin())
    except FileNotFoundError:
        return None


def ruff_configured(root: Path) -> bool:
    """Whether ``root`` configures ruff: ruff.toml, .ruff.toml or a [tool.ruff] table in
    pyproject.toml (an unreadable pyproject.toml configures nothing)."""
    if (root / "ruff.toml").is_file() or (root / ".ruff.toml").is_file():
        return True
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return False
    try:
        data = tomllib.loads(pyproject.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and isinstance(tool.get("ruff"), dict)
