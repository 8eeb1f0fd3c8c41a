"""What a patch may not do: touch protected paths or secrets, delete, weaken or tamper with
tests (``weakening``, ``change.tampering``), change how pytest runs
(``change.pytest_options``), reach outside the program from non-test code
(``change.danger``), or hide a failure behind ``# noqa`` / ``type: ignore``."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from ci_agent.change.danger import added_danger
from ci_agent.change.edits import Change
from ci_agent.change.pytest_options import is_pytest_config, pytest_option_changes
from ci_agent.change.tampering import tampered_tests
from ci_agent.change.weakening import weakened_tests

__all__ = [
    "LOCK_FILES",
    "SECRET_FILES",
    "PatchPolicy",
    "check_changes",
    "glob_match",
    "is_test_file",
]

LOCK_FILES = (
    "**/*.lock",
    "**/package-lock.json",
    "**/npm-shrinkwrap.json",
    "**/pnpm-lock.yaml",
    "**/yarn.lock",
    "**/poetry.lock",
    "**/uv.lock",
    "**/Pipfile.lock",
    "**/Cargo.lock",
    "**/go.sum",
    "**/requirements*.lock",
)
SECRET_FILES = (
    "**/.env",
    "**/.env.*",
    "**/*.pem",
    "**/*.key",
    "**/*.p12",
    "**/*.pfx",
    "**/id_rsa*",
    "**/id_ed25519*",
    "**/id_ecdsa*",
    "**/.netrc",
    "**/.pypirc",
    "**/.npmrc",
)
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
_TOKEN = re.compile(r"[A-Za-z0-9+/_\-=]{24,}")
_KNOWN_TOKEN = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|sk-[\w-]{20,}|AKIA[0-9A-Z]{16})"
)
ENTROPY_BITS = 4.0
_SUPPRESS = re.compile(r"#\s*(?:noqa\b|type:\s*ignore\b|pragma:\s*no cover\b|pylint:\s*disable)")


@dataclass(frozen=True)
class PatchPolicy:
    """Protected globs (``**`` spans directories); lock and secret files are always protected."""

    protected_paths: tuple[str, ...] = (".github/**",)
    # (path, line) the failure points at: new process or network code is allowed there only.
    failing_lines: tuple[tuple[str, int], ...] = ()

    def protected(self, path: str) -> str | None:
        """The pattern that protects ``path``, or None."""
        for pattern in (*self.protected_paths, *LOCK_FILES, *SECRET_FILES):
            if glob_match(pattern, path):
                return pattern
        return None


def glob_match(pattern: str, path: str) -> bool:
    """Whether a POSIX ``path`` matches ``pattern``: ``*`` within a name, ``**/`` any dirs."""
    regex = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            regex += ".*"
            i += 2
        elif pattern[i] == "*":
            regex += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            regex += "[^/]"
            i += 1
        else:
            regex += re.escape(pattern[i])
            i += 1
    return re.fullmatch(regex, path, re.IGNORECASE) is not None


def is_test_file(path: str) -> bool:
    """pytest's default test file names, or any Python file under a ``tests`` directory."""
    pure = PurePosixPath(path)
    if pure.suffix != ".py":
        return False
    name = pure.name
    return (
        name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
        or any(part in ("tests", "test") for part in pure.parts[:-1])
    )


def check_changes(changes: Sequence[Change], policy: PatchPolicy) -> tuple[str, ...]:
    """The reasons to refuse these changes; empty when the policy allows them."""
    reasons: list[str] = []
    for change in changes:
        pattern = policy.protected(change.path)
        if pattern is not None:
            reasons.append(f"{change.path}: protected path ({pattern}); ci-agent does not edit it")
            continue
        reasons.extend(f"{change.path}: {r}" for r in _secret_reasons(change))
        added = _added(_SUPPRESS.findall(change.before), _SUPPRESS.findall(change.after))
        if added:
            shown = ", ".join(sorted(set(added)))
            reasons.append(f"{change.path}: adds a suppression comment ({shown}) to hide a failure")
        reasons.extend(f"{change.path}: {r}" for r in _code_reasons(change, policy))
    return tuple(reasons)


def _code_reasons(change: Change, policy: PatchPolicy) -> list[str]:
    """Weakened or tampered tests, pytest options, and new escapes from non-test code."""
    found: list[str] = []
    if is_pytest_config(change.path):
        found.extend(pytest_option_changes(change.path, change.before, change.after))
    if is_test_file(change.path):
        found.extend(weakened_tests(change.before, change.after))
        found.extend(tampered_tests(change.before, change.after))
    elif change.path.endswith(".py"):
        lines = [line for path, line in policy.failing_lines if path == change.path]
        found.extend(added_danger(change.before, change.after, lines))
    return found


def _added(before: Iterable[str], after: Iterable[str]) -> list[str]:
    """What ``after`` holds more often than ``before`` (whitespace-insensitive)."""
    old = Counter(re.sub(r"\s+", " ", x) for x in before)
    new = Counter(re.sub(r"\s+", " ", x) for x in after)
    return list((new - old).elements())


def _entropy(token: str) -> float:
    counts = Counter(token)
    return -sum(n / len(token) * math.log2(n / len(token)) for n in counts.values())


def _secret_like(token: str) -> bool:
    # Identifiers and words are long but carry no digits; hex digests stay under 4 bits.
    mixed = any(c.isdigit() for c in token) and any(c.isalpha() for c in token)
    return mixed and _entropy(token) >= ENTROPY_BITS


def _secret_reasons(change: Change) -> list[str]:
    reasons = []
    if len(_PRIVATE_KEY.findall(change.after)) > len(_PRIVATE_KEY.findall(change.before)):
        reasons.append("adds a private key")
    if _added(_KNOWN_TOKEN.findall(change.before), _KNOWN_TOKEN.findall(change.after)):
        reasons.append("adds what looks like an access token")
    old = set(_TOKEN.findall(change.before))
    new = [t for t in _TOKEN.findall(change.after) if t not in old]
    if any(_secret_like(t) for t in new):
        reasons.append("adds a high-entropy string that looks like a secret")
    return reasons
