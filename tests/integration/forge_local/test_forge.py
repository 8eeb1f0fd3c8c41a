"""LocalForge: a synthetic pull request from --base and --head, read like GitHub's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.forge import ChangeSource, ContentReader, PullRequestReader, ReviewWriter
from ci_agent.forge.local import LOCAL_PULL_REQUEST, LocalForge, LocalRepository
from ci_agent.forge.types import FileStatus, PullRequestInfo
from tests.integration.forge_local.conftest import Repo


def code_of(call: Callable[[], object]) -> CiAgentError:
    with pytest.raises(CiAgentError) as caught:
        call()
    return caught.value


@pytest.fixture
def forked(repo: Repo) -> Repo:
    """main: A - M (M after the fork); feature: A - F1 - F2."""
    repo.git("remote", "add", "origin", "https://github.com/acme/widgets.git")
    repo.write("app.py", "def f():\n    return 1\n")
    repo.write("old.txt", "old\n")
    repo.commit("A")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("app.py", "def f():\n    return 2\n")
    repo.commit("F1: change f")
    repo.move("old.txt", "new.txt")
    repo.commit("Fix the widget\n\nLonger explanation\n\nwith paragraphs.\n")
    repo.git("checkout", "-q", "main")
    repo.write("main-only.txt", "m\n")
    repo.commit("M: main moves on")
    repo.git("checkout", "-q", "feature")
    return repo


def test_the_pull_request(forked: Repo) -> None:
    forge = LocalForge(forked.open(), "main")
    assert forge.pull_request() == PullRequestInfo(
        number=LOCAL_PULL_REQUEST,
        title="Fix the widget",
        body="Longer explanation\n\nwith paragraphs.",
        author="Test Author",
        author_association="NONE",
        draft=False,
        state="open",
        base_ref="main",
        base_sha=forked.text("rev-parse", "main"),
        head_ref="feature",
        head_sha=forked.text("rev-parse", "feature"),
        head_repo="acme/widgets",
        is_fork=False,
    )


def test_files_diff_and_commits_run_from_the_merge_base(forked: Repo) -> None:
    forge = LocalForge(forked.open(), "main", "feature")
    files = list(forge.changed_files(LOCAL_PULL_REQUEST))
    assert [(f.path, f.status) for f in files] == [
        ("app.py", FileStatus.MODIFIED),
        ("new.txt", FileStatus.RENAMED),
    ]
    assert "main-only.txt" not in forge.diff()
    assert forge.diff().encode() == forked.diff("main...feature")
    assert [c.title for c in forge.commits()] == ["F1: change f", "Fix the widget"]
    assert forge.pull_request().head_ref == "feature"


def test_file_contents_at_either_side(forked: Repo) -> None:
    forge = LocalForge(forked.open(), "main")
    assert forge.file_contents("app.py", "main") == b"def f():\n    return 1\n"
    assert forge.file_contents("app.py", "HEAD") == b"def f():\n    return 2\n"


def test_a_detached_head(forked: Repo) -> None:
    forked.git("checkout", "-q", "--detach", "feature~1")
    info = LocalForge(forked.open(), "main").pull_request()
    assert (info.head_ref, info.title, info.body) == ("HEAD", "F1: change f", "")
    assert info.head_sha == forked.text("rev-parse", "feature~1")


def test_a_tag_or_sha_as_head_is_kept_as_given(forked: Repo) -> None:
    sha = forked.text("rev-parse", "feature~1")
    assert LocalForge(forked.open(), "main", sha).pull_request().head_ref == sha


def test_other_numbers_do_not_exist(forked: Repo) -> None:
    forge = LocalForge(forked.open(), "main")
    for call in (
        lambda: forge.pull_request(7),
        lambda: list(forge.changed_files(7)),
        lambda: forge.diff(7),
        lambda: list(forge.commits(7)),
    ):
        error = code_of(call)
        assert error.code == "CA206"
        assert error.message == "git ref 'pull/7/head' does not exist"


def test_unknown_refs(forked: Repo) -> None:
    error = code_of(lambda: LocalForge(forked.open(), "mian").pull_request())
    assert (error.code, error.context["ref"]) == ("CA206", "mian")
    error = code_of(lambda: LocalForge(forked.open(), "main", "nope").diff())
    assert (error.code, error.context["ref"]) == ("CA206", "nope")


def test_refs_without_shared_history(forked: Repo) -> None:
    forked.git("checkout", "-q", "--orphan", "lonely")
    forked.commit("lonely")
    error = code_of(lambda: LocalForge(forked.open(), "main").diff())
    assert error.code == "CA203"
    assert error.message == "git merge-base main HEAD failed: the refs share no history"


def test_a_shallow_clone_without_the_merge_base(forked: Repo, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    forked.git(
        "clone", "-q", "--depth", "1", "--no-single-branch", forked.path.as_uri(), str(clone)
    )
    forge = LocalForge(LocalRepository.open(clone), "origin/main", "origin/feature")
    error = code_of(lambda: list(forge.changed_files()))
    assert error.code == "CA204"
    assert error.message == f"the repository at {clone} is a shallow clone"


def test_an_empty_repository(repo: Repo) -> None:
    error = code_of(lambda: LocalForge(repo.open(), "main").pull_request())
    assert error.code == "CA206"


def test_the_protocols_it_implements(forked: Repo) -> None:
    forge = LocalForge(forked.open(), "main")
    assert isinstance(forge, ChangeSource)
    assert isinstance(forge, PullRequestReader)
    assert isinstance(forge, ContentReader)
    assert not isinstance(forge, ReviewWriter)


def test_refs_are_resolved_once(forked: Repo) -> None:
    forge = LocalForge(forked.open(), "main")
    before = forge.pull_request().head_sha
    forked.write("later.txt", "later\n")
    forked.commit("later")
    assert forge.pull_request().head_sha == before
    assert "later.txt" not in forge.diff()
