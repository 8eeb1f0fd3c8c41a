"""Small job logs for unit tests: GitHub's timestamps and step markers around given lines."""

from __future__ import annotations

from pathlib import Path

from ci_agent.triage.extract import Extraction, extract
from ci_agent.triage.model import Failure

__all__ = ["failures_of", "github_log", "write_log"]


def github_log(*steps: tuple[str, str, int | None]) -> str:
    """``(command, output, exit code or None)`` steps, stamped and marked as GitHub does."""
    lines = ["\ufeff2026-11-21T10:00:00.0000000Z Current runner version: '2.321.0'"]
    second = 1
    for command, output, code in steps:
        body = [f"##[group]Run {command}", command, "##[endgroup]", *output.splitlines()]
        if code is not None:
            body.append(f"##[error]Process completed with exit code {code}.")
        for line in body:
            lines.append(f"2026-11-21T10:00:{second % 60:02d}.{second:07d}Z {line}")
            second += 1
    return "\n".join(lines) + "\n"


def write_log(tmp_path: Path, text: str, name: str = "job.log") -> Path:
    """Write ``text`` to a log file."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def failures_of(
    tmp_path: Path, output: str, code: int | None = 1, **options: object
) -> list[Failure]:
    """The failures found in a one-step job log whose step printed ``output``."""
    extraction: Extraction = extract(
        write_log(tmp_path, github_log(("run-tool", output, code))),
        **options,  # type: ignore[arg-type]
    )
    return list(extraction.failures)
