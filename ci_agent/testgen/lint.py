"""The repository's formatter and lint rules applied to a generated test module, through the
ruff binary installed with ci-agent (ruff reads code, it never runs it)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ci_agent.ruff_tool import bundled_ruff, ruff_configured

__all__ = ["format_module", "lint_problems"]

_TIMEOUT = 60.0


def _ruff(args: list[str], source: str, root: Path) -> subprocess.CompletedProcess[str] | None:
    binary = bundled_ruff()
    if binary is None:
        return None
    try:
        return subprocess.run(
            [binary, *args],
            input=source,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def format_module(source: str, root: Path, filename: str) -> str:
    """``source`` sorted, fixed and formatted as the repository's ruff settings say (unchanged
    when ruff is missing or cannot parse it)."""
    # A repository that configures ruff gets its own rules' fixes: a style it asks for, such
    # as flake8-pytest-style's parametrize-names-type, is written rather than refused at the
    # lint gate. Unsafe ones too (that one is): every gate then runs the fixed text, so a fix
    # that changed what a test does is refused like any other candidate.
    configured = ruff_configured(root)
    rules = ["--extend-select", "I", "--unsafe-fixes"] if configured else ["--select", "I"]
    fixed = _ruff(
        ["check", *rules, "--fix-only", "--quiet", "--stdin-filename", filename, "-"],
        source,
        root,
    )
    if fixed is not None and fixed.returncode == 0 and fixed.stdout:
        source = fixed.stdout
    done = _ruff(["format", "--quiet", "--stdin-filename", filename, "-"], source, root)
    if done is not None and done.returncode == 0 and done.stdout:
        return done.stdout
    return source


def lint_problems(source: str, root: Path, filename: str) -> list[str] | None:
    """The repository's ruff rules broken by ``source`` (None when the repository does not
    configure ruff, or ruff is missing)."""
    if not ruff_configured(root):
        return None
    done = _ruff(
        [
            "check",
            "--no-fix",
            "--output-format",
            "concise",
            "--quiet",
            "--stdin-filename",
            filename,
            "-",
        ],
        source,
        root,
    )
    if done is None:
        return None
    if done.returncode == 0:
        return []
    lines = [line.split(":", 1)[-1].strip() for line in done.stdout.splitlines() if line.strip()]
    return lines or [done.stderr.strip()[:500] or "ruff failed"]
