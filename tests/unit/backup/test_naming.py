"""Backup file names: repository, time, kind and mode, read back from the name alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ci_agent.backup.naming import BackupName, format_time, parse_time


def test_a_name_round_trips() -> None:
    name = BackupName.for_repository(
        "acme/widgets", datetime(2026, 1, 2, 3, 4, 5, 678, UTC), "daily", "incremental"
    )
    assert name.file_name == "ci-agent-backup-acme-widgets-20260102T030405Z-daily-incr.tar.gz"
    assert BackupName.parse(name.file_name) == name
    assert name.created_at.microsecond == 0


def test_odd_repository_names_become_safe_slugs() -> None:
    name = BackupName.for_repository(
        "Me/my repo!", datetime(2026, 1, 1, tzinfo=UTC), "weekly", "full"
    )
    assert name.file_name == "ci-agent-backup-Me-my-repo-20260101T000000Z-weekly-full.tar.gz"
    assert BackupName.parse(name.file_name) is not None


@pytest.mark.parametrize(
    "text",
    [
        "ci-agent-backup-a-b-20260101T000000Z-daily-full.tar",
        "ci-agent-backup-a-b-20260101T000000Z-hourly-full.tar.gz",
        "ci-agent-backup-a-b-2026-daily-full.tar.gz",
        "backup-a-b-20260101T000000Z-daily-full.tar.gz",
        "ci-agent-backup-a-b-20260101T000000Z-daily-full.tar.gz.sha256",
    ],
)
def test_other_names_are_not_backups(text: str) -> None:
    assert BackupName.parse(text) is None


def test_times_are_utc_whole_seconds() -> None:
    plus_two = datetime(2026, 1, 1, 2, 0, 0, 999, timezone(timedelta(hours=2)))
    assert format_time(plus_two) == "2026-01-01T00:00:00Z"
    assert format_time(datetime(2026, 1, 1)) == "2026-01-01T00:00:00Z", "naive is UTC"
    assert parse_time("2026-01-01T00:00:00Z") == datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_time("2026-01-01T02:00:00+02:00") == datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_time("yesterday")
