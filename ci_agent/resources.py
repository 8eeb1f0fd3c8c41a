"""Locate the data that ships with ci-agent: templates/ and workflows/, in a wheel or a checkout."""

from __future__ import annotations

from pathlib import Path

__all__ = ["templates_dir", "workflows_dir"]

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    """The wheel carries the directory inside the package; a checkout keeps it at the top."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"ci-agent's {name}/ directory is missing from the installation")


def templates_dir() -> Path:
    """Directory of the Jinja2 templates (prompts/, comments/, reports/)."""
    return _data_dir("templates")


def workflows_dir() -> Path:
    """Directory of the ready-to-copy caller workflows."""
    return _data_dir("workflows")
