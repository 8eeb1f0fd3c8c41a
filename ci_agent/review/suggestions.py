"""A suggestion is posted only if it applies to exactly its lines and leaves valid code."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ci_agent.review.findings import Finding

__all__ = ["SuggestionCheck", "check_suggestion"]


@dataclass(frozen=True)
class SuggestionCheck:
    """The verdict on one suggestion: usable, or the reason it is dropped."""

    ok: bool
    reason: str = ""


def check_suggestion(finding: Finding, content: str | None) -> SuggestionCheck:
    """Apply the suggestion to ``content`` (the file at head) and check the result."""
    if finding.suggestion is None:
        return SuggestionCheck(False, "no suggestion")
    if content is None:
        return SuggestionCheck(False, "file content unavailable")
    lines = content.splitlines(keepends=True)
    if finding.end_line > len(lines):
        return SuggestionCheck(
            False, f"lines {finding.start_line}-{finding.end_line} are past the end"
        )
    original = "".join(lines[finding.start_line - 1 : finding.end_line])
    replacement = finding.suggestion
    if replacement.rstrip("\r\n") == original.rstrip("\r\n"):
        return SuggestionCheck(False, "suggestion changes nothing")
    newline = "\r\n" if original.endswith("\r\n") else "\n"
    patched = "".join(
        [
            *lines[: finding.start_line - 1],
            replacement.rstrip("\r\n") + newline,
            *lines[finding.end_line :],
        ]
    )
    if finding.path.endswith((".py", ".pyi")) and _parses(content) and not _parses(patched):
        return SuggestionCheck(False, "the suggested Python does not parse")
    return SuggestionCheck(True)


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    return True
