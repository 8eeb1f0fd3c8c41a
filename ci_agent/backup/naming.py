"""Names of backup files: what an archive is can be read from its name without opening it.

``ci-agent-backup-OWNER-NAME-20260101T030000Z-daily-full.tar.gz`` — repository, creation time
(UTC), kind and mode. Artifacts uploaded with ``archive: false`` are named after the file, so
the same name identifies a backup on disk and in Actions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args

__all__ = [
    "CHECKSUM_SUFFIX",
    "KINDS",
    "PREFIX",
    "SUFFIX",
    "VERIFIED_SUFFIX",
    "BackupName",
    "Kind",
    "Mode",
    "format_time",
    "parse_time",
]

PREFIX = "ci-agent-backup-"
SUFFIX = ".tar.gz"
CHECKSUM_SUFFIX = ".sha256"  # NAME.tar.gz.sha256, in `sha256sum -c` format
VERIFIED_SUFFIX = ".verified.json"  # NAME.tar.gz.verified.json: the last verification

Kind = Literal["daily", "weekly", "manual"]
Mode = Literal["full", "incremental"]
KINDS: tuple[Kind, ...] = get_args(Kind)
_MODE_WORD: dict[Mode, str] = {"full": "full", "incremental": "incr"}
_NAME = re.compile(
    r"^ci-agent-backup-(?P<slug>[\w.-]+?)-(?P<stamp>\d{8}T\d{6}Z)"
    r"-(?P<kind>daily|weekly|manual)-(?P<mode>full|incr)\.tar\.gz$"
)
_STAMP = "%Y%m%dT%H%M%SZ"
_ISO = "%Y-%m-%dT%H:%M:%SZ"


def format_time(moment: datetime) -> str:
    """``2026-01-01T03:00:00Z`` (whole seconds, UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime(_ISO)


def parse_time(text: str) -> datetime:
    """A UTC datetime from ``2026-01-01T03:00:00Z`` or any ISO 8601 form; ValueError if none."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class BackupName:
    """What a backup's file name says."""

    slug: str
    created_at: datetime
    kind: Kind
    mode: Mode

    @classmethod
    def for_repository(
        cls, repository: str, created_at: datetime, kind: Kind, mode: Mode
    ) -> BackupName:
        """The name of a new backup of ``owner/name``."""
        slug = re.sub(r"[^\w.-]+", "-", repository.replace("/", "-")).strip("-") or "repository"
        return cls(slug, parse_time(format_time(created_at)), kind, mode)

    @classmethod
    def parse(cls, file_name: str) -> BackupName | None:
        """The parts of a backup file name; None for any other name."""
        match = _NAME.match(file_name)
        if match is None:
            return None
        created = datetime.strptime(match["stamp"], _STAMP).replace(tzinfo=UTC)
        mode: Mode = "full" if match["mode"] == "full" else "incremental"
        kind = next(k for k in KINDS if k == match["kind"])
        return cls(match["slug"], created, kind, mode)

    @property
    def file_name(self) -> str:
        """``ci-agent-backup-SLUG-STAMP-KIND-MODE.tar.gz``."""
        stamp = self.created_at.strftime(_STAMP)
        return f"{PREFIX}{self.slug}-{stamp}-{self.kind}-{_MODE_WORD[self.mode]}{SUFFIX}"
