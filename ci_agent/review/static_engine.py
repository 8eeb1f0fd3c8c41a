"""The static engine: ruff with a curated rule set on the changed Python files.

It always runs (it is cheap and deterministic), its findings merge with the model's, and it is
the whole review when no LLM is configured.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from ci_agent.errors import fail
from ci_agent.review.findings import Category, Finding, SeverityName

__all__ = ["PYTHON_SUFFIXES", "ruff_executable", "run_ruff"]

PYTHON_SUFFIXES = (".py", ".pyi")
# Rule prefix -> (severity, category). Longest prefix wins.
_RULES: dict[str, tuple[SeverityName, Category]] = {
    "E9": ("high", "bug"),
    "invalid-syntax": ("high", "bug"),
    "F821": ("high", "bug"),
    "F": ("low", "maintainability"),
    "PLE": ("medium", "bug"),
    "B": ("medium", "bug"),
    "S": ("high", "security"),
    "S1": ("medium", "security"),
    "PERF": ("low", "performance"),
}
_DEFAULT: tuple[SeverityName, Category] = ("low", "maintainability")


def ruff_executable() -> str:
    """The ruff binary installed with ci-agent."""
    from ci_agent.ruff_tool import bundled_ruff

    found = bundled_ruff()
    if found is None:
        raise fail("CA703", program="ruff")
    return found


def run_ruff(
    files: Mapping[str, str], select: Sequence[str], ignore: Sequence[str] = ()
) -> list[Finding]:
    """Check ``files`` (repository path -> content at head) and return findings."""
    python = {p: c for p, c in files.items() if p.endswith(PYTHON_SUFFIXES)}
    if not python:
        return []
    with tempfile.TemporaryDirectory(prefix="ci-agent-ruff-") as scratch:
        root = Path(scratch)
        for path, content in python.items():
            target = root / _safe_relative(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8", errors="surrogateescape", newline="")
        # --isolated: the curated rules decide, not a config file from the PR under review.
        command = [
            ruff_executable(),
            "check",
            "--isolated",
            "--no-cache",
            "--exit-zero",
            "--output-format=json",
            f"--select={','.join(select)}",
            *([f"--ignore={','.join(ignore)}"] if ignore else []),
            ".",
        ]
        proc = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise fail("CA601", problem=f"ruff failed: {proc.stderr.strip()[:500]}")
        reports: list[dict[str, Any]] = json.loads(proc.stdout or "[]")
        return [_finding(r, root) for r in reports]


def _safe_relative(path: str) -> PurePosixPath:
    """Refuse absolute paths and ``..``: a PR's file names must not escape the scratch dir."""
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts:
        raise fail("CA501", problem=f"refusing unsafe path {path!r}")
    return relative


def _classify(code: str) -> tuple[SeverityName, Category]:
    matches = [prefix for prefix in _RULES if code.startswith(prefix)]
    return _RULES[max(matches, key=len)] if matches else _DEFAULT


def _finding(report: dict[str, Any], root: Path) -> Finding:
    code = str(report.get("code") or "E999")
    severity, category = _classify(code)
    path = Path(report["filename"]).resolve().relative_to(root.resolve()).as_posix()
    start = int(report["location"]["row"])
    end = max(start, int(report["end_location"]["row"]))
    url = report.get("url")
    rule = f"ruff rule [{code}]({url})" if url else f"ruff rule {code}"
    return Finding(
        path=path,
        start_line=start,
        end_line=end,
        severity=severity,
        category=category,
        title=f"{code}: {report['message']}"[:200],
        body=f"Reported by {rule}.",
        confidence=0.9,
        source="static:ruff",
        rule=code,
    )
