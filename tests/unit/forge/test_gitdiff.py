"""The parsers of git's -z outputs and patches, on hand-made input (real git: integration)."""

from __future__ import annotations

import pytest

from ci_agent.forge.gitdiff import decode, parse_changed_files, parse_log, split_patch
from ci_agent.forge.types import ChangedFile, FileStatus

SHA = "1" * 40
RAW_M = b":100644 100644 aaaaaaa bbbbbbb M\0a.txt\0"
PATCH_A = (
    b"diff --git a/a.txt b/a.txt\nindex a..b 100644\n--- a/a.txt\n+++ b/a.txt\n"
    b"@@ -1 +1 @@\n-x\n+y\n"
)


def test_decode_keeps_bytes() -> None:
    assert decode(b"caf\xe9") == "caf\udce9"
    assert decode(b"caf\xe9").encode("utf-8", "surrogateescape") == b"caf\xe9"


def test_one_modified_file() -> None:
    assert parse_changed_files(RAW_M + b"1\t1\ta.txt\0", PATCH_A) == [
        ChangedFile("a.txt", FileStatus.MODIFIED, 1, 1, "@@ -1 +1 @@\n-x\n+y")
    ]


def test_nothing_changed() -> None:
    assert parse_changed_files(b"", b"") == []
    assert split_patch(b"") == []


def test_a_rename_with_tabs_in_the_path() -> None:
    raw = b":100644 100644 a b R090\0old\tname\0new\tname\0" + b"2\t0\t\0old\tname\0new\tname\0"
    patch = b"diff --git a/old\tname b/new\tname\nsimilarity index 90%\n@@ -1 +1,3 @@\n x\n+y\n+z\n"
    (got,) = parse_changed_files(raw, patch)
    assert (got.path, got.previous_path, got.status) == (
        "new\tname",
        "old\tname",
        FileStatus.RENAMED,
    )
    assert (got.additions, got.deletions, got.patch) == (2, 0, "@@ -1 +1,3 @@\n x\n+y\n+z")


def test_a_binary_file() -> None:
    raw = b":100644 100644 a b M\0img\0-\t-\timg\0"
    patch = b"diff --git a/img b/img\nindex a..b 100644\nBinary files a/img and b/img differ\n"
    assert parse_changed_files(raw, patch) == [
        ChangedFile("img", FileStatus.MODIFIED, 0, 0, None, binary=True)
    ]


def test_a_type_change_takes_two_sections() -> None:
    raw = b":100644 120000 a b T\0l\0" + b"1\t1\tl\0"
    patch = (
        b"diff --git a/l b/l\ndeleted file mode 100644\n--- a/l\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"
        b"diff --git a/l b/l\nnew file mode 120000\n--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+t\n"
    )
    (got,) = parse_changed_files(raw, patch)
    assert got.patch == "@@ -1 +0,0 @@\n-x\n@@ -0,0 +1 @@\n+t"


def test_a_patch_without_a_final_newline() -> None:
    assert parse_changed_files(RAW_M + b"1\t1\ta.txt\0", PATCH_A.rstrip(b"\n"))[0].patch == (
        "@@ -1 +1 @@\n-x\n+y"
    )


def test_split_patch_only_at_line_starts() -> None:
    two = PATCH_A + b"diff --git a/b b/b\n@@ -1 +1 @@\n-diff --git a/c b/c\n+ diff --git x\n"
    sections = split_patch(two)
    assert sections == [PATCH_A, two[len(PATCH_A) :]]


@pytest.mark.parametrize(
    ("raw", "patch", "message"),
    [
        (RAW_M + b"1\t1\tb.txt\0", PATCH_A, "--numstat names"),
        (RAW_M + b"1\t1\ta.txt\0junk\0", PATCH_A, "unexpected data after"),
        (RAW_M + b"1\t1\ta.txt\0", b"", "need 1 patch sections, got 0"),
        (RAW_M + b"1\t1\ta.txt\0", PATCH_A + PATCH_A, "need 1 patch sections, got 2"),
        (RAW_M + b"1\t1\ta.txt\0", b"garbage\n" + PATCH_A, "must start with 'diff --git'"),
        (b":100644 100644 a b U\0a.txt\0", PATCH_A, "unexpected git diff status"),
    ],
)
def test_disagreements_are_value_errors(raw: bytes, patch: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_changed_files(raw, patch)


def test_parse_log() -> None:
    record = b"\0".join(
        [
            SHA.encode(),
            b"p1 p2",
            b"Ann",
            b"ann@x",
            b"2026-01-02T03:04:05+02:00",
            b"Cid",
            b"cid@x",
            b"2026-01-02T04:04:05Z",
            b"Merge\n\nbody \xff\n",
        ]
    )
    (commit,) = parse_log(record + b"\0")
    assert commit.sha == SHA
    assert commit.parents == ("p1", "p2")
    assert commit.message == "Merge\n\nbody \udcff"
    assert commit.authored_at.isoformat() == "2026-01-02T03:04:05+02:00"
    assert commit.committed_at is not None
    assert commit.committed_at.isoformat() == "2026-01-02T04:04:05+00:00"
    assert parse_log(b"") == []
    assert len(parse_log(record + b"\0" + record + b"\0")) == 2
    assert parse_log(record) == [commit]  # a last record without its terminator


def test_parse_log_refuses_a_short_record() -> None:
    with pytest.raises(ValueError, match="not a multiple of 9"):
        parse_log(b"a\0b\0c\0")
