"""The forge's data types: validation, conversions and small helpers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ci_agent.forge import (
    MAX_ANNOTATIONS_PER_REQUEST,
    Annotation,
    ArchiveKind,
    ChangedFile,
    CheckOutput,
    Commit,
    FileStatus,
    InlineComment,
    Job,
    Permission,
    RepoName,
)

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_repo_name() -> None:
    name = RepoName.parse("acme/widgets")
    assert (name.owner, name.name, name.full_name, str(name)) == (
        "acme",
        "widgets",
        "acme/widgets",
        "acme/widgets",
    )
    assert name == RepoName("acme", "widgets")
    assert len({name, RepoName("acme", "widgets")}) == 1


@pytest.mark.parametrize("text", ["", "acme", "acme/", "/widgets", "a/b/c", " a/b", "a/b "])
def test_bad_repo_names(text: str) -> None:
    with pytest.raises(ValueError, match="not a repository owner/name"):
        RepoName.parse(text)


def test_permission_order() -> None:
    assert Permission("admin").at_least(Permission.WRITE)
    assert Permission.MAINTAIN.at_least(Permission.WRITE)
    assert Permission.WRITE.at_least(Permission.WRITE)
    assert not Permission.TRIAGE.at_least(Permission.WRITE)
    assert not Permission.NONE.at_least(Permission.READ)
    assert [p.value for p in Permission] == ["none", "read", "triage", "write", "maintain", "admin"]


@pytest.mark.parametrize(
    ("letter", "status"),
    [
        ("A", FileStatus.ADDED),
        ("M", FileStatus.MODIFIED),
        ("D", FileStatus.REMOVED),
        ("R086", FileStatus.RENAMED),
        ("C100", FileStatus.COPIED),
        ("T", FileStatus.TYPE_CHANGED),
    ],
)
def test_file_status_from_git(letter: str, status: FileStatus) -> None:
    assert FileStatus.from_git(letter) is status


@pytest.mark.parametrize("letter", ["U", "X", "", "?"])
def test_unexpected_git_status(letter: str) -> None:
    with pytest.raises(ValueError, match="unexpected git diff status"):
        FileStatus.from_git(letter)


def test_file_status_values_are_githubs() -> None:
    assert {s.value for s in FileStatus} == {
        "added",
        "modified",
        "removed",
        "renamed",
        "copied",
        "changed",
    }


def test_changed_file_defaults() -> None:
    f = ChangedFile("a.py", FileStatus.ADDED)
    assert (f.additions, f.deletions, f.patch, f.previous_path, f.binary) == (0, 0, "", None, False)


def test_commit_title() -> None:
    commit = Commit("abc", "Subject\n\nBody", "A", "a@x", NOW)
    assert commit.title == "Subject"
    assert Commit("abc", "", "A", "a@x", NOW).title == ""


def test_inline_comments() -> None:
    one = InlineComment("a.py", 3, "body")
    assert (one.side, one.start_line, one.start_side) == ("RIGHT", None, None)
    multi = InlineComment("a.py", 5, "b", side="LEFT", start_line=2, start_side="LEFT")
    assert multi.start_line == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"line": 0}, "line must be >= 1"),
        ({"line": 3, "start_line": 3}, "must lie before"),
        ({"line": 3, "start_line": 0}, "must lie before"),
        ({"line": 3, "start_side": "RIGHT"}, "start_side needs start_line"),
    ],
)
def test_bad_inline_comments(kwargs: dict[str, int | str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        InlineComment("a.py", body="b", **kwargs)  # type: ignore[arg-type]


def test_annotations() -> None:
    note = Annotation("a.py", 2, 2, "warning", "careful")
    assert (note.title, note.raw_details) == (None, None)
    with pytest.raises(ValueError, match=r"bad annotation lines 3\.\.2"):
        Annotation("a.py", 3, 2, "notice", "m")
    with pytest.raises(ValueError, match=r"bad annotation lines 0\.\.2"):
        Annotation("a.py", 0, 2, "notice", "m")
    assert CheckOutput("t", "s").annotations == ()
    assert MAX_ANNOTATIONS_PER_REQUEST == 50


def test_job_failed() -> None:
    def job(conclusion: str | None) -> Job:
        return Job(1, 2, "test", "completed", conclusion)

    assert job("failure").failed
    assert job("timed_out").failed
    assert not job("success").failed
    assert not job("cancelled").failed
    assert not job(None).failed


def test_archive_kinds() -> None:
    assert {k for k in ArchiveKind if k.supports_since} == {
        ArchiveKind.ISSUES,
        ArchiveKind.ISSUE_COMMENTS,
        ArchiveKind.REVIEW_COMMENTS,
    }
    assert ArchiveKind.REVIEW_COMMENTS.value == "pulls/comments"
