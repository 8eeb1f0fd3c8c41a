"""What the local forge added to ci_agent.git: raw bytes, another directory, clearer failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.git import Git
from tests.integration.forge_local.conftest import Repo


def test_run_bytes_returns_git_output_untouched(repo: Repo) -> None:
    repo.write("crlf.txt", b"a\r\nb\xff\r\n\r\n")
    repo.commit("bytes")
    git = Git(repo.path)
    assert git.run_bytes("cat-file", "blob", "HEAD:crlf.txt") == b"a\r\nb\xff\r\n\r\n"
    assert git.run_bytes("ls-files", "-z") == b"crlf.txt\0"
    assert git.run("cat-file", "blob", "HEAD:crlf.txt") == "a\r\nb\ufffd"


def test_at_keeps_the_executable(tmp_path: Path) -> None:
    other = Git(tmp_path, executable="/nonexistent/git").at(tmp_path / "x")
    assert other.path == tmp_path / "x"
    with pytest.raises(CiAgentError) as caught:
        Git(tmp_path, executable="/nonexistent/git").at(tmp_path).version()
    assert caught.value.code == "CA201"


def test_the_failure_names_git_s_error_line_not_its_hint(repo: Repo) -> None:
    with pytest.raises(CiAgentError) as caught:
        Git(repo.path).run_bytes("cat-file", "-t")
    assert caught.value.code == "CA203"
    # The usage text that follows would bury it; the fatal line says what went wrong.
    assert caught.value.context["problem"].startswith("fatal: ")
