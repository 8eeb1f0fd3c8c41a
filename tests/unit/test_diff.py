"""The diff model against golden diffs produced by real git."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ci_agent.diff import FileDiff, decode_diff, parse_diff, parse_file_patch


def git(repo: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    ).stdout


@pytest.fixture(scope="module")
def changes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, FileDiff]]:
    repo = tmp_path_factory.mktemp("repo")
    git(repo, "init", "-q")
    files = {
        "f.txt": b"a\nb\nc\n",
        "crlf.txt": b"x\r\ny\r\n",
        "nn.txt": b"no newline",
        "b.bin": b"\x00\x01bin",
        "latin.txt": b"caf\xe9\n",
        "old.txt": b"keep me\n" * 5,
        "gone.txt": b"bye\n",
        "odd.txt": b"one\rstill one\n\xe2\x80\xa8two\n",
        "src.py": b"".join(f"line {i}\n".encode() for i in range(1, 21)),
    }
    for name, data in files.items():
        (repo / name).write_bytes(data)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "init")
    (repo / "f.txt").write_bytes(b"a\nB\nc\nd\n")
    (repo / "f.txt").chmod(0o755)
    (repo / "crlf.txt").write_bytes(b"x\r\nY\r\n")
    (repo / "nn.txt").write_bytes(b"no newline!")
    (repo / "b.bin").write_bytes(b"\x00\x02bin")
    (repo / "latin.txt").write_bytes(b"caf\xe9!\n")
    git(repo, "mv", "old.txt", "new.txt")
    (repo / "gone.txt").unlink()
    (repo / "added.txt").write_bytes(b"new\n")
    (repo / "odd.txt").write_bytes(b"one\rstill one\n\xe2\x80\xa8two\nthree\n")
    (repo / "copy.py").write_bytes(files["src.py"] + b"extra\n")
    source = files["src.py"].replace(b"line 10\n", b"line ten\n")
    (repo / "src.py").write_bytes(source)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "change")
    raw = git(repo, "diff", "-M", "-C", "-C", "HEAD~1", "HEAD")
    parsed = {f.path: f for f in parse_diff(decode_diff(raw))}
    return repo, parsed


def test_every_changed_file_is_parsed(changes: tuple[Path, dict[str, FileDiff]]) -> None:
    repo, parsed = changes
    names = git(repo, "diff", "--name-only", "-M", "-C", "-C", "HEAD~1", "HEAD").decode()
    expected = set(names.split())
    assert set(parsed) == expected | ({"gone.txt"} & set(parsed))


def test_statuses(changes: tuple[Path, dict[str, FileDiff]]) -> None:
    _, parsed = changes
    assert parsed["added.txt"].status == "added"
    assert parsed["added.txt"].old_path is None
    assert parsed["gone.txt"].status == "deleted"
    assert parsed["gone.txt"].old_path is None
    assert parsed["new.txt"].status == "renamed"
    assert parsed["new.txt"].old_path == "old.txt"
    assert parsed["copy.py"].status == "copied"
    assert parsed["copy.py"].old_path == "src.py"
    assert parsed["f.txt"].status == "modified"


def test_line_counts_match_numstat(changes: tuple[Path, dict[str, FileDiff]]) -> None:
    repo, parsed = changes
    numstat = git(repo, "diff", "--numstat", "-M", "-C", "-C", "HEAD~1", "HEAD").decode()
    for row in numstat.splitlines():
        added, deleted, name = row.split("\t", 2)
        if added == "-":
            continue
        diff = parsed[name.split(" => ")[-1]]
        assert (diff.additions, diff.deletions) == (int(added), int(deleted)), name


def test_binary_and_mode_change(changes: tuple[Path, dict[str, FileDiff]]) -> None:
    _, parsed = changes
    assert parsed["b.bin"].is_binary
    assert parsed["b.bin"].hunks == ()
    assert (parsed["f.txt"].old_mode, parsed["f.txt"].new_mode) == ("100644", "100755")


def test_line_numbers_and_anchor_sets(changes: tuple[Path, dict[str, FileDiff]]) -> None:
    _, parsed = changes
    f = parsed["f.txt"]
    assert f.added == {2, 4}
    assert f.right == {1, 2, 3, 4}
    assert f.left == {1, 2, 3}
    assert f.new_text(2) == "B"
    assert f.new_text(99) is None
    src = parsed["src.py"]
    assert src.added == {10}
    # Context lines around the change are anchorable on the right side, nothing else is.
    assert src.right == set(range(7, 14))


def test_crlf_and_no_newline_and_non_utf8(changes: tuple[Path, dict[str, FileDiff]]) -> None:
    _, parsed = changes
    assert parsed["crlf.txt"].new_text(2) == "Y\r"
    nn = parsed["nn.txt"]
    assert [line.text for line in nn.hunks[0].lines] == ["no newline", "no newline!"]
    latin = parsed["latin.txt"].new_text(1)
    assert latin is not None
    assert latin.encode("utf-8", "surrogateescape") == b"caf\xe9!"


def test_lone_cr_and_unicode_line_separator_do_not_split_lines(
    changes: tuple[Path, dict[str, FileDiff]],
) -> None:
    _, parsed = changes
    odd = parsed["odd.txt"]
    assert odd.added == {3}
    assert odd.new_text(1) == "one\rstill one"
    assert odd.new_text(2) == "\u2028two"
    assert odd.new_text(3) == "three"


def test_github_per_file_patch() -> None:
    patch = "@@ -1,3 +1,4 @@ def f():\n a\n-b\n+B\n c\n+d"
    diff = parse_file_patch("pkg/mod.py", patch)
    assert diff.path == "pkg/mod.py"
    assert diff.status == "modified"
    assert diff.added == {2, 4}
    assert diff.hunks[0].section == "def f():"
    renamed = parse_file_patch("new.py", patch, previous_path="old.py")
    assert (renamed.status, renamed.old_path) == ("renamed", "old.py")


def test_empty_diff() -> None:
    assert parse_diff("") == []
