"""The git wrapper on real temporary repositories, and owner/name from remote URLs."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.git import Git, repository_from_url
from tests.conftest import git

MakeRepo = Callable[..., Path]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/acme/widgets.git", "acme/widgets"),
        ("https://github.com/acme/widgets", "acme/widgets"),
        ("https://github.com/acme/widgets/", "acme/widgets"),
        ("https://github.com/acme/widgets.git/", "acme/widgets"),
        ("git@github.com:acme/widgets.git", "acme/widgets"),
        ("git@github.com:acme/widgets", "acme/widgets"),
        ("ssh://git@github.com/acme/widgets.git", "acme/widgets"),
        ("ssh://git@github.com:22/acme/widgets.git", "acme/widgets"),
        ("https://ghe.example.com/acme/widgets.git", "acme/widgets"),
        ("https://x-access-token:abc@github.com/acme/widgets.git", "acme/widgets"),
        ("  https://github.com/acme/widgets.git\n", "acme/widgets"),
        ("https://github.com/acme/acme.github.io.git", "acme/acme.github.io"),
        ("https://github.com/acme/acme.github.io", "acme/acme.github.io"),
    ],
)
def test_repository_from_url(url: str, expected: str) -> None:
    assert repository_from_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        "garbage",
        "https://github.com",
        "github.com",
        "/",
        "a:b",
        "/tmp/x/repo",
        "file:///srv/acme/widgets.git",
        "../acme/widgets",
    ],
)
def test_repository_from_garbage(url: str) -> None:
    assert repository_from_url(url) is None


def test_version() -> None:
    version = Git(Path.cwd()).version()
    assert version[0].isdigit()
    assert version.count(".") >= 1
    assert " " not in version


def test_a_repository(make_repo: MakeRepo) -> None:
    path = make_repo()
    repo = Git(path)
    assert repo.is_repository() is True
    assert repo.head() == git(path, "rev-parse", "HEAD")
    assert repo.branch() == "main"
    assert repo.is_shallow() is False
    assert repo.remote_repository() == "acme/widgets"
    assert repo.run("log", "--format=%s") == "second\nfirst"
    assert repo.state() == (repo.head(), "main", False)


def test_a_subdirectory_is_inside_the_repository(make_repo: MakeRepo) -> None:
    path = make_repo()
    (path / "sub").mkdir()
    assert Git(path / "sub").is_repository() is True


def test_an_empty_repository(make_repo: MakeRepo) -> None:
    repo = Git(make_repo(commit=False, remote=None))
    assert repo.is_repository() is True
    assert repo.head() is None
    assert repo.branch() == "main"
    assert repo.remote_repository() is None
    assert repo.state() == (None, "main", False)


def test_a_detached_head(make_repo: MakeRepo) -> None:
    path = make_repo()
    git(path, "checkout", "-q", "--detach", "HEAD~1")
    repo = Git(path)
    assert repo.branch() is None
    assert repo.head() == git(path, "rev-parse", "HEAD~0")
    assert repo.state() == (repo.head(), None, False)


def test_an_unknown_remote(make_repo: MakeRepo) -> None:
    assert Git(make_repo()).remote_repository("upstream") is None


def test_a_remote_without_owner_and_name(make_repo: MakeRepo) -> None:
    assert Git(make_repo(remote="garbage")).remote_repository() is None


def test_not_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    assert Git(plain).is_repository() is False
    assert Git(tmp_path / "missing").is_repository() is False
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert Git(tmp_path / "file").is_repository() is False
    assert Git(plain).state() is None
    assert Git(tmp_path / "missing").state() is None


def test_a_shallow_clone(make_repo: MakeRepo, tmp_path: Path) -> None:
    origin = make_repo()
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", origin.as_uri(), str(clone))
    repo = Git(clone)
    assert repo.is_repository() is True
    assert repo.is_shallow() is True
    assert repo.head() == git(origin, "rev-parse", "HEAD")
    assert repo.branch() == "main"
    assert repo.state() == (repo.head(), "main", True)


def test_a_failing_command_is_ca203(make_repo: MakeRepo) -> None:
    repo = Git(make_repo())
    with pytest.raises(CiAgentError) as exc_info:
        repo.run("rev-parse", "--verify", "no-such-ref")
    error = exc_info.value
    assert error.code == "CA203"
    assert error.exit_code == 2
    assert error.message.startswith("git rev-parse --verify no-such-ref failed: ")
    assert "Needed a single revision" in error.message


def test_a_failing_command_without_stderr(make_repo: MakeRepo) -> None:
    repo = Git(make_repo())
    with pytest.raises(CiAgentError) as exc_info:
        repo.run("diff", "--quiet", "--exit-code", "HEAD~1", "HEAD")
    assert exc_info.value.message == (
        "git diff --quiet --exit-code HEAD~1 HEAD failed: exit status 1"
    )


def test_check_false_returns_output_anyway(make_repo: MakeRepo) -> None:
    repo = Git(make_repo())
    assert repo.run("rev-parse", "--verify", "--quiet", "nope", check=False) == ""


def test_is_shallow_outside_a_repository_is_ca203(tmp_path: Path) -> None:
    with pytest.raises(CiAgentError) as exc_info:
        Git(tmp_path).is_shallow()
    assert exc_info.value.code == "CA203"


def test_a_missing_git_executable_is_ca201(make_repo: MakeRepo) -> None:
    repo = Git(make_repo(), executable="/nonexistent/git")
    with pytest.raises(CiAgentError) as exc_info:
        repo.version()
    error = exc_info.value
    assert error.code == "CA201"
    assert error.exit_code == 2
    assert error.message == "git is not installed or not on PATH"


def test_git_not_on_path_is_ca201(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ci_agent.git

    monkeypatch.setattr(ci_agent.git.shutil, "which", lambda name: None)
    with pytest.raises(CiAgentError) as exc_info:
        Git(tmp_path).version()
    assert exc_info.value.code == "CA201"


def test_the_executable_is_looked_up_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ci_agent.git

    calls: list[str] = []
    real = shutil.which

    def which(name: str) -> str | None:
        calls.append(name)
        return real(name)

    monkeypatch.setattr(ci_agent.git.shutil, "which", which)
    repo = Git(tmp_path)
    repo.version()
    repo.version()
    assert calls == ["git"]


def test_a_file_as_working_directory_is_ca202(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(CiAgentError) as exc_info:
        Git(path).version()
    assert exc_info.value.code == "CA202"
    assert exc_info.value.message == f"{path} is not inside a git repository"


def test_a_missing_working_directory_is_not_a_missing_git(tmp_path: Path) -> None:
    with pytest.raises(CiAgentError) as exc_info:
        Git(tmp_path / "missing").version()
    assert exc_info.value.code != "CA201"
