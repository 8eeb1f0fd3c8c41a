"""A suggestion is posted only if the edit it makes is exactly the one its finding describes.

Committing a suggestion replaces the anchored lines with the block's lines, byte for byte. So
the edit from the one to the other is checked line by line: a line that disappears must be
one the finding is about (it names it and says it should go), a line copied from just
outside the range means the range is off by one, blank lines are kept, security-relevant
code (auth, permission, validation, crypto calls) is never removed, and Python must still
parse. What fails is posted without its suggestion, with the reason counted.
"""

from __future__ import annotations

import ast
import difflib
import keyword
import re
from dataclasses import dataclass

from ci_agent.report.suggestion import suggestion_lines
from ci_agent.review.findings import Finding

__all__ = ["SuggestionCheck", "check_suggestion"]

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Wording that says a line should go: only then may a suggestion delete a line the finding names.
_REMOVAL = re.compile(
    r"\b(remove[sd]?|removing|delete[sd]?|deleting|drop|unused|never used|not used|unnecessary"
    r"|redundant|dead|duplicated?|superfluous|unreachable)\b",
    re.IGNORECASE,
)
# Identifier parts that mark code guarding access or integrity: such code never disappears.
_SECURITY = re.compile(
    r"auth|permission|perm\b|perms\b|login|csrf|verify|validat|sanitiz|escape|crypt|hmac"
    r"|hash|\bsign|_sign|signature|token|password|passwd|secret|credential|allowed|forbidden"
    r"|access|acl\b"
    r"|is_admin|is_staff|is_superuser|check_|require",
    re.IGNORECASE,
)
# Words too common to say which line a finding is about.
_COMMON = frozenset(
    set(keyword.kwlist) | {"self", "cls", "print", "len", "str", "int", "return", "value", "x"}
)
# Statements whose loss changes what code does, even when every name survives elsewhere.
_STATEMENTS = frozenset(
    {"return", "raise", "yield", "import", "assert", "break", "continue", "del", "await"}
)
# Below this similarity a replaced line counts as deleted plus added, not as edited.
EDIT_SIMILARITY = 0.5


@dataclass(frozen=True)
class SuggestionCheck:
    """The verdict on one suggestion: usable, or the kind of problem and its detail."""

    ok: bool
    reason: str = ""
    kind: str = ""


def _refuse(kind: str, detail: str) -> SuggestionCheck:
    return SuggestionCheck(False, detail, kind)


def check_suggestion(finding: Finding, content: str | None) -> SuggestionCheck:
    """Check the suggestion of ``finding`` against ``content`` (the file at head)."""
    if finding.suggestion is None:
        return _refuse("none", "no suggestion")
    if content is None:
        return _refuse("unavailable", "file content unavailable")
    lines = content.splitlines(keepends=True)
    if finding.end_line > len(lines):
        span = f"{finding.start_line}-{finding.end_line}"
        return _refuse("past-end", f"lines {span} are past the end")
    start, end = finding.start_line - 1, finding.end_line
    old = [_bare(line) for line in lines[start:end]]
    new = suggestion_lines(finding.suggestion.replace("\r\n", "\n"))
    if new == old:
        return _refuse("no-change", "suggestion changes nothing")
    removed = _security_words(old) - _security_words(new)
    if removed:
        names = ", ".join(sorted(removed)[:3])
        return _refuse("security", f"removes security-relevant code ({names})")
    verdict = _edit_problem(finding, old, new, lines=lines, start=start, end=end)
    if verdict is not None:
        return verdict
    newline = "\r\n" if lines[start].endswith("\r\n") else "\n"
    patched = "".join([*lines[:start], *(row + newline for row in new), *lines[end:]])
    if finding.path.endswith((".py", ".pyi")) and _parses(content) and not _parses(patched):
        return _refuse("syntax", "the suggested Python does not parse")
    return SuggestionCheck(True)


def _edit_problem(
    finding: Finding, old: list[str], new: list[str], *, lines: list[str], start: int, end: int
) -> SuggestionCheck | None:
    """The first edit in ``old`` → ``new`` that the finding does not account for, if any."""
    neighbours = {_bare(lines[i]).strip(): i + 1 for i in (start - 1, end) if 0 <= i < len(lines)}
    neighbours.pop("", None)
    stripped_old = [r.strip() for r in old]
    stripped_new = [r.strip() for r in new]
    # A blank line added where one already borders the range doubles it.
    before = start > 0 and not lines[start - 1].strip()
    after = end < len(lines) and not lines[end].strip()
    if new and (
        (after and not new[-1].strip() and (not old or old[-1].strip()))
        or (before and not new[0].strip() and (not old or old[0].strip()))
    ):
        return _refuse("off-by-one", "adds a blank line next to one (the range is off by one)")
    for row, line in neighbours.items():
        if stripped_new.count(row) > stripped_old.count(row):
            return _refuse(
                "off-by-one",
                f"repeats line {line} from outside its range (the range is off by one)",
            )
    deleted: list[tuple[int, str]] = []
    added: list[str] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        pairs = list(zip(range(i1, i2), range(j1, j2), strict=False)) if tag == "replace" else []
        for i, j in pairs:
            if _edited(finding, old[i], new[j]):
                continue
            deleted.append((i, old[i]))
            added.append(new[j])
        deleted += [(i, old[i]) for i in range(i1 + len(pairs), i2)]
        added += new[j1 + len(pairs) : j2]
    outside = _names("".join(lines[:start] + lines[end:]))
    for index, row in deleted:
        number = finding.start_line + index
        if not row.strip():
            return _refuse("blank-line", f"deletes the blank line {number}")
        others = [r for k, r in enumerate(old) if k != index]
        if not _about(finding, row) and not _local(row, others, new, outside):
            return _refuse(
                "deletes-code", f"deletes line {number}, which the finding does not mention"
            )
    return None


def _about(finding: Finding, row: str) -> bool:
    """Whether the finding names ``row``'s code and says it should go."""
    return bool(_REMOVAL.search(f"{finding.title}\n{finding.body}")) and _mentions(finding, row)


def _local(row: str, others: list[str], new: list[str], outside: set[str]) -> bool:
    """Whether deleting ``row`` only folds it into the edit: its statements (return, raise…)
    are still in the suggestion, and each of its names is kept there or belongs to the range
    alone (a temporary used nowhere else)."""
    names = _names(row)
    if not names:
        return row.strip() in {r.strip() for r in new}
    words = [w for w in _WORD.findall("\n".join(new)) if w in _STATEMENTS]
    mine = [w for w in _WORD.findall("\n".join([row, *others])) if w in _STATEMENTS]
    if any(words.count(w) < mine.count(w) for w in set(mine)):
        return False
    kept = _names("\n".join(new))
    ranged = _names("\n".join(others))
    return all(n in kept or (n in ranged and n not in outside) for n in names)


def _mentions(finding: Finding, row: str) -> bool:
    """Whether the finding's text names an identifier of ``row``."""
    mentioned = {w.lower() for w in _WORD.findall(f"{finding.title}\n{finding.body}")}
    return bool(_names(row) & mentioned)


def _names(row: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(row) if w not in _COMMON}


def _edited(finding: Finding, old: str, new: str) -> bool:
    """Whether ``new`` in place of ``old`` is an edit of that line, not a different line."""
    if not old.strip() or not new.strip():
        return old.strip() == new.strip()
    if difflib.SequenceMatcher(None, old.strip(), new.strip()).ratio() >= EDIT_SIMILARITY:
        return True
    return bool(_names(old) & _names(new)) or _mentions(finding, old)


def _security_words(rows: list[str]) -> set[str]:
    """The security-relevant identifiers among ``rows`` (a call or check that guards)."""
    return {w for row in rows for w in _WORD.findall(row) if _SECURITY.search(w)}


def _bare(line: str) -> str:
    return line.rstrip("\r\n")


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    return True
