"""Diffs between refs on real repositories: parsed files and unified text, against git's own."""

from __future__ import annotations

import pytest

from ci_agent.forge.local import LocalRepository
from ci_agent.forge.types import ChangedFile, FileStatus
from tests.integration.forge_local.conftest import Repo

LINES = "".join(f"line {n}\n" for n in range(1, 41))


def esc(data: bytes) -> str:
    """git's bytes as the forge's text."""
    return data.decode("utf-8", "surrogateescape")


def only(files: list[ChangedFile]) -> ChangedFile:
    assert len(files) == 1, files
    return files[0]


def change(repo: Repo) -> tuple[LocalRepository, str, str]:
    """The opened repository and the refs of its last commit's change."""
    return repo.open(), "HEAD~1", "HEAD"


def assert_golden(repo: Repo, base: str = "HEAD~1", head: str = "HEAD") -> None:
    """Our unified diff is byte for byte what `git diff -M -C` prints."""
    ours = repo.open().diff(base, head).encode("utf-8", "surrogateescape")
    assert ours == repo.diff(base, head)


@pytest.fixture
def base(repo: Repo) -> Repo:
    """A repository whose first commit holds a 40-line text file."""
    repo.write("text.txt", LINES)
    repo.commit("base")
    return repo


def test_a_modification_in_two_hunks(base: Repo) -> None:
    base.write("text.txt", LINES.replace("line 3\n", "line three\n").replace("line 35\n", ""))
    base.commit("edit")
    local, a, b = change(base)
    got = only(local.changed_files(a, b))
    assert got == ChangedFile(
        path="text.txt",
        status=FileStatus.MODIFIED,
        additions=1,
        deletions=2,
        patch=(
            "@@ -1,6 +1,6 @@\n line 1\n line 2\n-line 3\n+line three\n line 4\n line 5\n line 6\n"
            "@@ -32,7 +32,6 @@ line 31\n line 32\n line 33\n line 34\n-line 35\n line 36\n"
            " line 37\n line 38"
        ),
    )
    assert local.diff(a, b) == (
        "diff --git a/text.txt b/text.txt\n"
        f"index {base.text('rev-parse', '--short', 'HEAD~1:text.txt')}.."
        f"{base.text('rev-parse', '--short', 'HEAD:text.txt')} 100644\n"
        "--- a/text.txt\n+++ b/text.txt\n" + got.patch + "\n"
    )
    assert_golden(base)


def test_added_and_deleted_files(base: Repo) -> None:
    base.write("new.txt", "one\ntwo\n")
    base.remove("text.txt")
    base.commit("add and delete")
    local, a, b = change(base)
    added, deleted = local.changed_files(a, b)
    assert added == ChangedFile("new.txt", FileStatus.ADDED, 2, 0, "@@ -0,0 +1,2 @@\n+one\n+two")
    assert deleted.status is FileStatus.REMOVED
    assert (deleted.path, deleted.additions, deleted.deletions) == ("text.txt", 0, 40)
    assert deleted.patch is not None
    assert deleted.patch.startswith("@@ -1,40 +0,0 @@\n-line 1\n")
    assert_golden(base)


def test_a_rename_with_changes(base: Repo) -> None:
    base.move("text.txt", "docs/moved.txt")
    base.write("docs/moved.txt", LINES + "line 41\n")
    base.commit("move")
    local, a, b = change(base)
    got = only(local.changed_files(a, b))
    assert got.status is FileStatus.RENAMED
    assert (got.path, got.previous_path) == ("docs/moved.txt", "text.txt")
    assert (got.additions, got.deletions) == (1, 0)
    assert got.patch == "@@ -38,3 +38,4 @@ line 37\n line 38\n line 39\n line 40\n+line 41"
    assert "rename from text.txt\nrename to docs/moved.txt\n" in local.diff(a, b)
    assert_golden(base)


def test_a_pure_rename_has_an_empty_patch(base: Repo) -> None:
    base.move("text.txt", "renamed.txt")
    base.commit("rename")
    local, a, b = change(base)
    assert only(local.changed_files(a, b)) == ChangedFile(
        "renamed.txt", FileStatus.RENAMED, 0, 0, "", previous_path="text.txt"
    )
    assert_golden(base)


def test_a_copy(base: Repo) -> None:
    # -C finds copies whose source changed in the same commit.
    base.write("copy.txt", LINES)
    base.write("text.txt", LINES + "line 41\n")
    base.commit("copy")
    local, a, b = change(base)
    copy, source = local.changed_files(a, b)
    assert copy == ChangedFile("copy.txt", FileStatus.COPIED, 0, 0, "", previous_path="text.txt")
    assert (source.path, source.status, source.additions) == ("text.txt", FileStatus.MODIFIED, 1)
    assert "copy from text.txt\ncopy to copy.txt\n" in local.diff(a, b)
    assert_golden(base)


def test_binary_files_have_no_patch(base: Repo) -> None:
    base.write("img.bin", b"\x89PNG\x00\x01\x02")
    base.write("gone.bin", b"\x00gone")
    base.commit("binaries")
    base.write("img.bin", b"\x89PNG\x00\x03\x04")
    base.remove("gone.bin")
    base.write("fresh.bin", b"\x00\xff\xfe")
    base.commit("change binaries")
    local, a, b = change(base)
    files = {f.path: f for f in local.changed_files(a, b)}
    assert files["img.bin"] == ChangedFile("img.bin", FileStatus.MODIFIED, patch=None, binary=True)
    assert files["gone.bin"] == ChangedFile("gone.bin", FileStatus.REMOVED, patch=None, binary=True)
    assert files["fresh.bin"] == ChangedFile("fresh.bin", FileStatus.ADDED, patch=None, binary=True)
    assert "Binary files a/img.bin and b/img.bin differ" in local.diff(a, b)
    assert_golden(base)


def test_a_mode_change(base: Repo) -> None:
    base.write("run.sh", "echo hi\n")
    base.commit("script")
    base.write("run.sh", "echo hi\n", mode=0o755)
    base.write("text.txt", LINES + "line 41\n", mode=0o755)
    base.commit("chmod")
    local, a, b = change(base)
    run, text = local.changed_files(a, b)
    assert run == ChangedFile("run.sh", FileStatus.MODIFIED, 0, 0, "")
    assert (text.status, text.additions) == (FileStatus.MODIFIED, 1)
    assert text.patch is not None
    assert text.patch.endswith("+line 41")
    assert "old mode 100644\nnew mode 100755\n" in local.diff(a, b)
    assert_golden(base)


def test_no_newline_at_end_of_file(base: Repo) -> None:
    base.write("end.txt", "a\nb")
    base.commit("no newline")
    base.write("end.txt", "a\nc")
    base.commit("still none")
    local, a, b = change(base)
    assert only(local.changed_files(a, b)).patch == (
        "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file"
    )
    base.write("end.txt", "a\nc\n")
    base.commit("newline added")
    local, a, b = change(base)
    assert only(local.changed_files(a, b)).patch == (
        "@@ -1,2 +1,2 @@\n a\n-c\n\\ No newline at end of file\n+c"
    )
    assert_golden(base)


def test_crlf_line_endings_are_kept(base: Repo) -> None:
    base.write("win.txt", b"one\r\ntwo\r\n")
    base.commit("crlf")
    base.write("win.txt", b"one\r\nTWO\r\nthree\r\n")
    base.commit("crlf edit")
    local, a, b = change(base)
    got = only(local.changed_files(a, b))
    assert (got.additions, got.deletions) == (2, 1)
    assert got.patch == "@@ -1,2 +1,3 @@\n one\r\n-two\r\n+TWO\r\n+three\r"
    assert_golden(base)


def test_non_utf8_content_round_trips(base: Repo) -> None:
    base.write("latin1.txt", b"caf\xe9\n")
    base.commit("latin-1")
    base.write("latin1.txt", b"caf\xe9 cr\xe8me\n")
    base.commit("more latin-1")
    local, a, b = change(base)
    got = only(local.changed_files(a, b))
    assert got.patch == esc(b"@@ -1 +1 @@\n-caf\xe9\n+caf\xe9 cr\xe8me")
    assert not got.binary
    assert_golden(base)


@pytest.mark.parametrize(
    "name",
    [
        b"caf\xc3\xa9 \xe2\x9c\x93.txt",  # UTF-8, shown unquoted with core.quotepath=false
        b"latin\xe9.txt",  # not UTF-8
        b'odd "quoted"\tname.txt',
        b"new\nline.txt",
        b":colon-first.txt",
        b"diff --git a b",
        b"-dash-first.txt",
    ],
)
def test_unusual_paths(base: Repo, name: bytes) -> None:
    base.write(name, "x\n")
    base.write(b"renamed-" + name, LINES)
    base.remove("text.txt")
    base.commit("unusual")
    base.write(name, "y\n")
    base.commit("edit unusual")
    local = base.open()
    first = {f.path: f for f in local.changed_files("HEAD~2", "HEAD~1")}
    assert set(first) == {esc(name), esc(b"renamed-" + name)}
    assert first[esc(b"renamed-" + name)].previous_path == "text.txt"
    got = only(local.changed_files("HEAD~1", "HEAD"))
    assert (got.path, got.patch) == (esc(name), "@@ -1 +1 @@\n-x\n+y")
    assert local.file_contents(esc(name), "HEAD") == b"y\n"
    assert_golden(base)
    assert_golden(base, "HEAD~2", "HEAD~1")


def test_content_that_looks_like_a_diff_header(base: Repo) -> None:
    base.write("meta.patch", "diff --git a/x b/x\n@@ -1 +1 @@\n")
    base.write("after.txt", "z\n")
    base.commit("a patch file")
    local, a, b = change(base)
    after, meta = local.changed_files(a, b)
    assert after.patch == "@@ -0,0 +1 @@\n+z"
    assert meta.patch == "@@ -0,0 +1,2 @@\n+diff --git a/x b/x\n+@@ -1 +1 @@"
    assert_golden(base)


def test_a_file_that_becomes_a_symlink_and_back(base: Repo) -> None:
    base.write("link", "plain\n")
    base.write("z.txt", "last\n")
    base.commit("plain file")
    base.symlink("link", "text.txt")
    base.commit("now a symlink")
    local, a, b = change(base)
    got = only(local.changed_files(a, b))
    assert got == ChangedFile(
        "link",
        FileStatus.TYPE_CHANGED,
        1,
        1,
        "@@ -1 +0,0 @@\n-plain\n@@ -0,0 +1 @@\n+text.txt\n\\ No newline at end of file",
    )
    assert local.file_contents("link", "HEAD") == b"text.txt"
    base.remove("link")
    base.write("link", "plain again\n")
    base.write("z.txt", "last!\n")
    base.commit("a file again")
    local, a, b = change(base)
    link, last = local.changed_files(a, b)
    assert (link.status, link.path, last.path) == (FileStatus.TYPE_CHANGED, "link", "z.txt")
    assert last.patch == "@@ -1 +1 @@\n-last\n+last!"
    assert_golden(base)


def test_a_submodule_entry(base: Repo) -> None:
    sha = base.text("rev-parse", "HEAD")
    base.git("update-index", "--add", "--cacheinfo", f"160000,{sha},vendor/lib")
    base.commit("gitlink")
    local, a, b = change(base)
    assert only(local.changed_files(a, b)) == ChangedFile(
        "vendor/lib", FileStatus.ADDED, 1, 0, f"@@ -0,0 +1 @@\n+Subproject commit {sha}"
    )
    assert_golden(base)


def test_empty_files_and_empty_changes(base: Repo) -> None:
    base.write("empty", b"")
    base.commit("empty file")
    local, a, b = change(base)
    assert only(local.changed_files(a, b)) == ChangedFile("empty", FileStatus.ADDED, 0, 0, "")
    base.commit("nothing")
    local, a, b = change(base)
    assert local.changed_files(a, b) == []
    assert local.diff(a, b) == ""
    assert_golden(base)


def test_many_files_in_git_order(base: Repo) -> None:
    names = [f"d{n % 3}/f{n:02}.txt" for n in range(30)]
    for name in names:
        base.write(name, f"{name}\n")
    base.commit("many")
    local, a, b = change(base)
    got = local.changed_files(a, b)
    assert [f.path for f in got] == sorted(names)
    assert all(f.patch == f"@@ -0,0 +1 @@\n+{f.path}" for f in got)
    assert_golden(base)


def test_user_configuration_does_not_change_the_output(base: Repo) -> None:
    base.write("text.txt", LINES.replace("line 20\n", "\n"))
    base.commit("blank line")
    expected = base.diff("HEAD~1", "HEAD")
    for setting in (
        "diff.noprefix=true",
        "diff.mnemonicPrefix=true",
        "diff.context=8",
        "color.diff=always",
        "diff.suppressBlankEmpty=true",
        "diff.renames=false",
        "core.quotepath=true",
    ):
        base.git("config", *setting.split("=", 1))
    local, a, b = change(base)
    assert local.diff(a, b).encode() == expected
    assert only(local.changed_files(a, b)).patch == (
        "@@ -17,7 +17,7 @@ line 16\n line 17\n line 18\n line 19\n-line 20\n+\n line 21\n"
        " line 22\n line 23"
    )
