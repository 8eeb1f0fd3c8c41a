"""LocalRepository on real repositories: refs, commits, contents, and the odd repositories."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.forge.local import LocalRepository
from ci_agent.forge.types import RepoName
from ci_agent.git import Git
from tests.integration.forge_local.conftest import Repo

NewRepo = Callable[..., Repo]


def code_of(call: Callable[[], object]) -> CiAgentError:
    with pytest.raises(CiAgentError) as caught:
        call()
    return caught.value


@pytest.fixture
def history(repo: Repo) -> Repo:
    """main: A - B (tag v1 annotated on A, lightweight t2 on B); feature: B - C - D."""
    repo.write("a.txt", "a\n")
    repo.commit("A: first\n\nThe body\nof A.")
    repo.git("tag", "-a", "v1", "-m", "version 1")
    repo.write("b.txt", "b\n")
    repo.commit("B: second")
    repo.git("tag", "t2")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("c.txt", "c\n")
    repo.commit("C: third")
    repo.write("d.txt", "d\n")
    repo.commit("D: fourth")
    repo.git("checkout", "-q", "main")
    return repo


def test_open_finds_the_top_from_a_subdirectory(history: Repo) -> None:
    (history.path / "sub").mkdir()
    local = LocalRepository.open(history.path / "sub")
    assert local.root == history.path
    assert local.git.path == history.path
    assert local.name() == RepoName("local", "repo")


def test_the_name_comes_from_origin(history: Repo) -> None:
    history.git("remote", "add", "origin", "git@github.com:acme/widgets.git")
    assert history.open().name() == RepoName("acme", "widgets")


def test_a_name_that_is_not_owner_name_falls_back(new_repo: NewRepo) -> None:
    odd = new_repo(" spaced ")
    assert odd.open().name() == RepoName("local", "repository")


@pytest.mark.parametrize(
    ("ref", "target"),
    [
        ("main", "B"),
        ("feature", "D"),
        ("HEAD", "B"),
        ("feature~1", "C"),
        ("v1", "A"),  # an annotated tag resolves to its commit
        ("t2", "B"),
        ("refs/heads/feature", "D"),
    ],
)
def test_resolve(history: Repo, ref: str, target: str) -> None:
    subjects = {
        history.text("log", "-1", "--format=%s", sha)[0]: sha
        for sha in history.text("rev-list", "--all").split()
    }
    assert history.open().resolve(ref) == subjects[target]


def test_resolve_a_full_and_a_short_sha(history: Repo) -> None:
    sha = history.text("rev-parse", "feature")
    local = history.open()
    assert local.resolve(sha) == sha
    assert local.resolve(sha[:8]) == sha


@pytest.mark.parametrize(
    "ref", ["nope", "", "--output=/tmp/x", "-h", "main:a.txt", "HEAD^{tree}", "main..feature"]
)
def test_unknown_refs_are_ca206(history: Repo, ref: str) -> None:
    error = code_of(lambda: history.open().resolve(ref))
    assert error.code == "CA206"
    assert error.exit_code == 2
    assert error.message == f"git ref '{ref}' does not exist"
    assert not (history.path / "-h").exists()


def test_commits_between_refs_oldest_first(history: Repo) -> None:
    commits = history.open().commits("main", "feature")
    assert [c.title for c in commits] == ["C: third", "D: fourth"]
    c, d = commits
    assert d.parents == (c.sha,)
    assert c.parents == (history.text("rev-parse", "main"),)
    assert d.sha == history.text("rev-parse", "feature")
    assert (d.author_name, d.author_email) == ("Test Author", "author@example.com")
    assert (d.committer_name, d.committer_email) == ("Test Author", "author@example.com")
    assert isinstance(d.authored_at, datetime)
    assert d.authored_at.tzinfo is not None
    assert d.committed_at is not None
    assert d.author_login is None
    assert history.open().commits("feature", "main") == []


def test_a_commit_message_and_a_root_commit(history: Repo) -> None:
    first = history.open().commit("v1")
    assert first.message == "A: first\n\nThe body\nof A."
    assert first.title == "A: first"
    assert first.parents == ()


def test_a_merge_commit_is_listed(history: Repo) -> None:
    history.git("checkout", "-q", "-b", "merged", "main")
    history.write("e.txt", "e\n")
    history.commit("E")
    history.git("merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
    commits = history.open().commits("main", "merged")
    assert [c.title for c in commits][-1] == "Merge feature"
    assert len(commits[-1].parents) == 2
    assert {c.title for c in commits} == {"C: third", "D: fourth", "E", "Merge feature"}


def test_commit_messages_in_other_encodings(repo: Repo) -> None:
    repo.commit("caf\xe9 d\xe9clar\xe9".encode("latin-1"), "i18n.commitEncoding=ISO-8859-1")
    assert repo.open().commit("HEAD").message == "café déclaré"
    # git commit would re-encode the message: write the commit object by hand.
    tree = repo.text("rev-parse", "HEAD^{tree}")
    parent = repo.text("rev-parse", "HEAD")
    who = b"Test Author <author@example.com> 1700000000 +0100"
    raw = b"tree %s\nparent %s\nauthor %s\ncommitter %s\n\nraw \xff bytes\n\nand \xfe more\n" % (
        tree.encode(),
        parent.encode(),
        who,
        who,
    )
    sha = repo.git("hash-object", "-t", "commit", "-w", "--stdin", stdin=raw).decode().strip()
    got = repo.open().commit(sha)
    assert got.message == "raw \udcff bytes\n\nand \udcfe more"
    assert got.message.encode("utf-8", "surrogateescape") == b"raw \xff bytes\n\nand \xfe more"
    assert got.authored_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert got.authored_at.utcoffset() == timedelta(hours=1)


def test_merge_base(history: Repo) -> None:
    local = history.open()
    history.write("x.txt", "x\n")
    main_tip = history.commit("X on main")
    assert local.merge_base("main", "feature") == history.text("rev-parse", "t2")
    assert local.merge_base("feature", "main") == history.text("rev-parse", "t2")
    assert local.merge_base("main", "main") == main_tip
    history.git("checkout", "-q", "--orphan", "unrelated")
    history.commit("orphan")
    assert local.merge_base("main", "unrelated") is None


def test_file_contents_are_exact_bytes(repo: Repo) -> None:
    data = b"\x00\x01binary\r\nline\r\n\xff"
    repo.write("dir/blob.bin", data)
    repo.write("crlf.txt", b"a\r\nb\r\n")
    repo.git("config", "core.autocrlf", "true")
    repo.commit("data")
    repo.write("dir/blob.bin", b"later")
    repo.commit("later")
    local = repo.open()
    assert local.file_contents("dir/blob.bin", "HEAD~1") == data
    assert local.file_contents("dir/blob.bin", "HEAD") == b"later"
    assert local.file_contents("crlf.txt", "HEAD") == b"a\r\nb\r\n"


def test_a_missing_file_at_a_ref(history: Repo) -> None:
    local = history.open()
    error = code_of(lambda: local.file_contents("c.txt", "main"))
    assert error.code == "CA206"
    assert error.message == "'c.txt' does not exist at 'main'"
    assert "git ls-tree -r --name-only main" in error.suggestion
    assert local.file_contents("c.txt", "feature") == b"c\n"


def test_a_directory_or_submodule_is_not_a_file(history: Repo) -> None:
    history.write("pkg/mod.py", "x = 1\n")
    sha = history.text("rev-parse", "HEAD")
    history.git("update-index", "--add", "--cacheinfo", f"160000,{sha},vendor")
    history.commit("dir and gitlink")
    local = history.open()
    assert code_of(lambda: local.file_contents("pkg", "HEAD")).message == (
        "'pkg' is a tree, not a file at 'HEAD'"
    )
    assert code_of(lambda: local.file_contents("vendor", "HEAD")).message == (
        "'vendor' is a commit, not a file at 'HEAD'"
    )


def test_file_contents_at_an_unknown_ref(history: Repo) -> None:
    error = code_of(lambda: history.open().file_contents("a.txt", "nope"))
    assert (error.code, error.message) == ("CA206", "git ref 'nope' does not exist")


def test_not_a_repository_is_ca202(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    error = code_of(lambda: LocalRepository.open(plain))
    assert error.code == "CA202"
    assert error.message.startswith(f"{plain} is not inside a git repository (fatal: ")
    missing = tmp_path / "missing"
    error = code_of(lambda: LocalRepository.open(missing))
    assert (error.code, error.message) == ("CA202", f"{missing} is not inside a git repository")


def test_a_repository_owned_by_someone_else(history: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only root can chown; pretend instead, as git does in its own tests.
    monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")
    error = code_of(history.open)
    assert error.code == "CA202"
    assert "dubious ownership" in error.message


def test_git_missing_is_ca201(history: Repo) -> None:
    error = code_of(lambda: LocalRepository.open(history.path, executable="/nonexistent/git"))
    assert error.code == "CA201"
    broken = LocalRepository(Git(history.path, executable="/nonexistent/git"))
    assert code_of(lambda: broken.resolve("HEAD")).code == "CA201"


def test_an_empty_repository(repo: Repo) -> None:
    local = repo.open()
    assert local.is_empty() is True
    assert local.is_shallow() is False
    assert local.branch() == "main"
    error = code_of(lambda: local.resolve("HEAD"))
    assert error.code == "CA206"
    assert error.suggestion == "The repository has no commits yet."
    assert code_of(lambda: local.file_contents("x", "HEAD")).code == "CA206"
    repo.commit("first")
    assert local.is_empty() is False


def test_a_repository_with_only_an_orphan_branch_is_not_empty(history: Repo) -> None:
    history.git("checkout", "-q", "--orphan", "fresh")
    local = history.open()
    assert local.is_empty() is False
    assert code_of(lambda: local.resolve("HEAD")).suggestion != "The repository has no commits yet."


def test_a_shallow_clone(history: Repo, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    history.git("clone", "-q", "--depth", "1", history.path.as_uri(), str(clone))
    local = LocalRepository.open(clone)
    assert local.is_shallow() is True
    assert history.open().is_shallow() is False
    assert local.resolve("HEAD") == history.text("rev-parse", "main")
    assert code_of(lambda: local.resolve("HEAD~1")).code == "CA206"
    assert [c.title for c in local.commits("HEAD", "HEAD")] == []
    assert local.file_contents("b.txt", "HEAD") == b"b\n"


def test_a_detached_head(history: Repo) -> None:
    history.git("checkout", "-q", "--detach", "feature~1")
    local = history.open()
    assert local.branch() is None
    assert local.commit("HEAD").title == "C: third"


def test_a_bare_repository(history: Repo, tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    history.git("clone", "-q", "--bare", str(history.path), str(bare))
    local = LocalRepository.open(bare)
    assert local.root == bare
    # A local path as origin names no GitHub repository.
    assert local.name() == RepoName("local", "bare.git")
    assert [c.title for c in local.commits("main", "feature")] == ["C: third", "D: fourth"]
    assert local.file_contents("d.txt", "feature") == b"d\n"


def test_a_non_utf8_repository_directory(tmp_path: Path) -> None:
    path = Path(tmp_path / "caf\udce9")  # the bytes b"caf\xe9" on disk
    path.mkdir()
    Repo(path).git("init", "-q", "-b", "main")
    assert LocalRepository.open(path).root == path


def test_unparsable_git_output_is_an_internal_error(
    history: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ci_agent.forge.local

    def broken(data: bytes) -> list[object]:
        raise ValueError("no idea")

    monkeypatch.setattr(ci_agent.forge.local, "parse_log", broken)
    error = code_of(lambda: history.open().commits("main", "feature"))
    assert (error.code, error.message) == (
        "CA601",
        "internal error: unexpected git output: no idea",
    )
