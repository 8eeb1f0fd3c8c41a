"""The metadata export: JSONL per resource, since watermarks, reviews per pull request, issues
disabled is a note rather than a failure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from ci_agent.backup.metadata import export_metadata, jsonl_line
from ci_agent.errors import CiAgentError, fail
from ci_agent.forge.run_types import ArchiveKind, Record


class Reader:
    """An in-memory ArchiveReader that records what it was asked."""

    def __init__(
        self, data: dict[ArchiveKind, list[Record]], gone: set[ArchiveKind] = frozenset()
    ) -> None:  # type: ignore[assignment]
        self.data = data
        self.gone = gone
        self.asked: list[tuple[ArchiveKind, datetime | None]] = []
        self.reviewed: list[int] = []

    def listing(self, kind: ArchiveKind, since: datetime | None = None) -> Iterator[Record]:
        self.asked.append((kind, since))
        if kind in self.gone:
            raise fail("CA305", status=410, endpoint=f"GET /repos/{{owner}}/{{repo}}/{kind.value}")
        yield from self.data.get(kind, [])

    def reviews(self, number: int) -> Iterator[Record]:
        self.reviewed.append(number)
        yield {"id": 1000 + number, "body": "ok"}


DATA: dict[ArchiveKind, list[Record]] = {
    ArchiveKind.ISSUES: [
        {"id": 1, "number": 1, "updated_at": "2026-01-01T00:00:00Z"},
        {"id": 2, "number": 2, "updated_at": "2026-01-03T00:00:00Z", "title": "é"},
    ],
    ArchiveKind.PULLS: [
        {"id": 20, "number": 2, "updated_at": "2026-01-02T00:00:00Z"},
        {"id": 20, "number": 2, "updated_at": "2026-01-02T00:00:00Z"},
    ],
    ArchiveKind.LABELS: [{"id": 5, "name": "bug"}],
}


def test_every_resource_is_written_with_watermarks(tmp_path: Path) -> None:
    reader = Reader(DATA)
    out = export_metadata(reader, tmp_path, {})
    assert out.counts == {
        "issues": 2,
        "issue_comments": 0,
        "pulls": 2,
        "review_comments": 0,
        "releases": 0,
        "labels": 1,
        "milestones": 0,
        "reviews": 1,
    }
    assert out.watermarks["issues"] == "2026-01-03T00:00:00Z"
    assert out.watermarks["pulls"] == out.watermarks["reviews"] == "2026-01-02T00:00:00Z"
    assert out.watermarks["issue_comments"] is None
    assert "labels" not in out.watermarks, "whole listings have no watermark"
    assert reader.reviewed == [2], "a pull request listed twice is reviewed once"
    lines = (tmp_path / "meta" / "issues.jsonl").read_bytes().splitlines(keepends=True)
    assert lines[1] == jsonl_line(DATA[ArchiveKind.ISSUES][1])
    assert json.loads(lines[1])["title"] == "é"
    assert b'"title":"\xc3\xa9"' in lines[1], "UTF-8, not escapes"


def test_since_goes_only_to_the_incremental_listings(tmp_path: Path) -> None:
    reader = Reader(DATA)
    since = {"issues": "2026-01-02T00:00:00Z", "labels": "2026-01-02T00:00:00Z"}
    out = export_metadata(reader, tmp_path, since)
    asked = dict(reader.asked)
    assert asked[ArchiveKind.ISSUES] == datetime.fromisoformat("2026-01-02T00:00:00+00:00")
    assert asked[ArchiveKind.LABELS] is None
    assert asked[ArchiveKind.PULLS] is None
    assert out.watermarks["issue_comments"] is None


def test_an_unchanged_listing_keeps_its_watermark(tmp_path: Path) -> None:
    out = export_metadata(Reader({}), tmp_path, {"issue_comments": "2026-01-05T00:00:00Z"})
    assert out.watermarks["issue_comments"] == "2026-01-05T00:00:00Z"


def test_issues_disabled_is_noted_not_fatal(tmp_path: Path) -> None:
    reader = Reader(DATA, gone={ArchiveKind.ISSUES, ArchiveKind.ISSUE_COMMENTS})
    out = export_metadata(reader, tmp_path, {})
    assert set(out.unavailable) == {"issues", "issue_comments"}
    assert "disabled" in out.unavailable["issues"]
    assert not (tmp_path / "meta" / "issues.jsonl").exists()
    assert out.counts["pulls"] == 2


def test_other_failures_propagate(tmp_path: Path) -> None:
    class Broken(Reader):
        def listing(self, kind: ArchiveKind, since: datetime | None = None) -> Iterator[Record]:
            raise fail("CA302", endpoint="GET /x", limit=1000, reset="soon")

    with pytest.raises(CiAgentError) as caught:
        export_metadata(Broken({}), tmp_path, {})
    assert caught.value.code == "CA302"


def test_a_lone_surrogate_is_kept_as_an_escape() -> None:
    record = {"id": 1, "body": "broken \ud83d emoji", "title": "é"}
    line = jsonl_line(record)
    assert line.endswith(b"\n")
    assert json.loads(line) == record, "the record round-trips exactly"
    line.decode("utf-8")  # and the file stays valid UTF-8
