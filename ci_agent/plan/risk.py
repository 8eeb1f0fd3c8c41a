"""Risk of deploying a unit, from deterministic rules over what changed, each with evidence.

Every finding names its rule, the file and line that triggered it and the text there; the
unit's level is the highest finding's and its score the capped sum of their weights. A model
may add narrative to a plan, never change these.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal

__all__ = [
    "LEVELS",
    "ChangedText",
    "Evidence",
    "Level",
    "Risk",
    "assess",
    "reads_lines",
    "terraform_evidence",
]

Level = Literal["low", "medium", "high", "critical"]
LEVELS: tuple[Level, ...] = ("low", "medium", "high", "critical")
_WEIGHT = {"low": 2, "medium": 8, "high": 20, "critical": 40}


@dataclass(frozen=True)
class ChangedText:
    """A changed file: its added lines (number, text) and how many lines it removed."""

    path: str
    added: tuple[tuple[int, str], ...] = ()
    removed: tuple[str, ...] = ()
    partial: bool = False  # only the first part was read (a very large file)
    counted: int | None = None  # changed lines, when they were counted but not read

    @property
    def changed_lines(self) -> int:
        """Added plus removed lines."""
        return self.counted if self.counted is not None else len(self.added) + len(self.removed)


@dataclass(frozen=True)
class Evidence:
    """Why a unit is risky: the rule, where, and the text that showed it."""

    rule: str
    level: Level
    reason: str
    path: str = ""
    line: int | None = None
    text: str = ""


@dataclass(frozen=True)
class Risk:
    """A unit's risk level, score (0-100) and the evidence behind it."""

    level: Level
    score: int
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class _LineRule:
    rule: str
    level: Level
    reason: str
    pattern: re.Pattern[str]
    applies: re.Pattern[str]  # the paths it reads
    unless: re.Pattern[str] | None = None  # a match on the same line clears it


_SQL = re.compile(r"\.sql$|(^|/)migrations?/|(^|/)alembic/|(^|/)db/migrate/|(^|/)prisma/", re.I)
_PY_MIGRATION = re.compile(r"(^|/)(migrations|alembic|versions)/.*\.py$", re.I)
_I = re.IGNORECASE
_LINE_RULES = (
    _LineRule(
        "sql-destructive",
        "critical",
        "drops or truncates data",
        re.compile(r"\b(DROP\s+(TABLE|COLUMN|SCHEMA|DATABASE)|TRUNCATE\b)", _I),
        _SQL,
    ),
    _LineRule(
        "sql-rename",
        "high",
        "renames a table or column: old code reading the old name breaks",
        re.compile(r"\bRENAME\s+(COLUMN\b|TO\b)", _I),
        _SQL,
    ),
    _LineRule(
        "sql-not-null",
        "high",
        "NOT NULL without a default locks and fails on existing rows",
        re.compile(r"\bSET\s+NOT\s+NULL\b|\bADD\s+COLUMN\b.*\bNOT\s+NULL\b", _I),
        _SQL,
        re.compile(r"\bDEFAULT\b", _I),
    ),
    _LineRule(
        "sql-index-lock",
        "medium",
        "an index built without CONCURRENTLY locks writes to the table",
        re.compile(r"\bCREATE\s+(UNIQUE\s+)?INDEX\b", _I),
        _SQL,
        re.compile(r"\bCONCURRENTLY\b", _I),
    ),
    _LineRule(
        "migration-destructive",
        "critical",
        "a migration drops a table, column or model",
        re.compile(r"\bop\.drop_(table|column)\b|\bmigrations\.(RemoveField|DeleteModel)\b"),
        _PY_MIGRATION,
    ),
    _LineRule(
        "migration-rename",
        "high",
        "a migration renames a field or model",
        re.compile(r"\bmigrations\.Rename(Field|Model)\b|\bop\.alter_column\(.*new_column_name"),
        _PY_MIGRATION,
    ),
    _LineRule(
        "migration-not-null",
        "high",
        "a migration makes a column NOT NULL",
        re.compile(r"\bop\.alter_column\(.*nullable\s*=\s*False|AlterField\(.*null\s*=\s*False"),
        _PY_MIGRATION,
    ),
    _LineRule(
        "migration-index-lock",
        "medium",
        "an index created without postgresql_concurrently locks writes",
        re.compile(r"\bop\.create_index\("),
        _PY_MIGRATION,
        re.compile(r"postgresql_concurrently\s*=\s*True"),
    ),
    _LineRule(
        "iam-network",
        "high",
        "changes permissions or network exposure",
        re.compile(
            r"\b(aws_iam_\w+|google_\w*iam\w*|azurerm_role_\w+|aws_security_group\w*|"
            r"ingress|egress|NetworkPolicy|ClusterRole(Binding)?|RoleBinding|kind:\s*Role\b)"
        ),
        re.compile(r"\.(tf|ya?ml|json)$", _I),
    ),
)
_SECRET_PATH = re.compile(
    r"(^|/)(\.env(\.|$)|[^/]*secret[^/]*$|[^/]*credential[^/]*$|[^/]*\.pem$|[^/]*\.key$)", _I
)
_CONTRACT_PATH = re.compile(
    r"(\.proto$|(^|/)openapi[^/]*\.(ya?ml|json)$|swagger[^/]*\.(ya?ml|json)$)", _I
)
_PIN = re.compile(r'^\s*"?([A-Za-z0-9_.\-@/]+)"?\s*(?:==|:\s*"?[\^~]?|=\s*"[\^~]?)\s*v?(\d+)\.')
_DEPENDENCY_PATH = re.compile(
    r"(^|/)(requirements[^/]*\.txt|pyproject\.toml|package\.json|Cargo\.toml|go\.mod)$", _I
)


def reads_lines(path: str) -> bool:
    """Whether a rule reads the changed lines of ``path`` (others need only a line count)."""
    return (
        any(rule.applies.search(path) for rule in _LINE_RULES)
        or bool(_CONTRACT_PATH.search(path))
        or bool(_DEPENDENCY_PATH.search(path))
    )


def assess(files: Sequence[ChangedText], extra: Iterable[Evidence] = ()) -> Risk:
    """The risk of deploying a unit whose change is ``files`` (plus ``extra`` evidence)."""
    found = [*_line_evidence(files), *_path_evidence(files), *_size_evidence(files), *extra]
    found.sort(key=lambda e: (-LEVELS.index(e.level), e.path, e.line or 0, e.rule))
    if not found:
        return Risk("low", 0, ())
    level = max((e.level for e in found), key=LEVELS.index)
    score = min(100, sum(_WEIGHT[e.level] for e in found))
    return Risk(level, score, tuple(found))


def _line_evidence(files: Sequence[ChangedText]) -> list[Evidence]:
    found = []
    for change in files:
        if not change.added:
            continue  # most paths of a large change: counted, not read
        for rule in _LINE_RULES:
            if not rule.applies.search(change.path):
                continue
            for number, text in change.added:
                if rule.pattern.search(text) and not (rule.unless and rule.unless.search(text)):
                    found.append(
                        Evidence(
                            rule.rule,
                            rule.level,
                            rule.reason,
                            change.path,
                            number,
                            text.strip()[:200],
                        )
                    )
    return found


def _path_evidence(files: Sequence[ChangedText]) -> list[Evidence]:
    found = []
    for change in files:
        if change.partial:
            reason = "only its first 2 MiB were read for the risk rules; check the rest by hand"
            found.append(Evidence("partly-read", "low", reason, change.path))
        if _SECRET_PATH.search(change.path):
            found.append(
                Evidence(
                    "secrets-config",
                    "medium",
                    "changes secrets or their configuration",
                    change.path,
                )
            )
        if change.removed and _CONTRACT_PATH.search(change.path):
            found.append(
                Evidence(
                    "api-contract",
                    "high",
                    f"removes {len(change.removed)} line(s) of an API contract: clients may break",
                    change.path,
                    text=change.removed[0].strip()[:200],
                )
            )
        if change.added and _DEPENDENCY_PATH.search(PurePosixPath(change.path).as_posix()):
            found += _major_bumps(change)
    return found


def _major_bumps(change: ChangedText) -> list[Evidence]:
    before = {
        m.group(1).lower(): int(m.group(2)) for line in change.removed if (m := _PIN.match(line))
    }
    found = []
    for number, text in change.added:
        match = _PIN.match(text)
        if not match:
            continue
        name, major = match.group(1), int(match.group(2))
        old = before.get(name.lower())
        if old is not None and major > old:
            reason = f"{name} moves from major {old} to {major}"
            found.append(
                Evidence(
                    "dependency-major", "medium", reason, change.path, number, text.strip()[:200]
                )
            )
    return found


def _size_evidence(files: Sequence[ChangedText]) -> list[Evidence]:
    lines = sum(f.changed_lines for f in files)
    if lines > 2000:
        return [Evidence("change-size", "high", f"{lines} changed lines")]
    if lines > 500:
        return [Evidence("change-size", "medium", f"{lines} changed lines")]
    return []


def terraform_evidence(plan_json: str) -> list[Evidence]:
    """Deletes and replacements from ``terraform show -json`` output."""
    try:
        data: Any = json.loads(plan_json)
    except ValueError as exc:
        raise ValueError(f"not JSON ({exc})") from None
    found = []
    for change in data.get("resource_changes") or []:
        actions = list((change.get("change") or {}).get("actions") or [])
        address = str(change.get("address", "?"))
        if actions == ["delete"]:
            found.append(
                Evidence("terraform-delete", "critical", f"deletes {address}", text=address)
            )
        elif "delete" in actions and "create" in actions:
            found.append(Evidence("terraform-replace", "high", f"replaces {address}", text=address))
    return found
