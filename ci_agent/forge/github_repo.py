"""Branches, pushes and pull requests on GitHub.

``push`` runs git (through :mod:`ci_agent.git`) with the token in an ``http.extraheader``
(basic ``x-access-token``, as actions/checkout sends it), scoped to the repository's URL. The
header comes from a config file included with ``-c include.path=…``: the file is private
(0600 in a 0700 temporary directory) and removed after the push, so the token is never in a URL,
in git's arguments or error messages, or in the clone's ``.git/config``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ci_agent.errors import CiAgentError, fail
from ci_agent.forge import github_parse as parse
from ci_agent.forge.github_http import GitHubPart
from ci_agent.forge.github_reply import Reply
from ci_agent.forge.types import PullRequestInfo
from ci_agent.git import Git

if TYPE_CHECKING:
    from ci_agent.forge.run_protocol import RepoWriter

__all__ = ["RepoApi", "auth_config"]

_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
PULLS = "/repos/{owner}/{repo}/pulls"
REF = "GET /repos/{owner}/{repo}/git/ref/{ref}"


@contextmanager
def auth_config(remote: str, authorization: str) -> Iterator[Path]:
    """A private git config file sending ``authorization`` to ``remote`` only; removed after."""
    folder = Path(tempfile.mkdtemp(prefix="ci-agent-git-"))
    path = folder / "auth.gitconfig"
    section = remote.replace("\\", "\\\\").replace('"', '\\"')
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            # The empty value first drops extra headers from other config (a persisted
            # actions/checkout header would otherwise make GitHub see two Authorizations).
            out.write(f'[http "{section}"]\n\textraheader =\n\textraheader = {authorization}\n')
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class RepoApi(GitHubPart):
    """RepoWriter."""

    def create_branch(self, name: str, sha: str) -> None:
        """Create ``refs/heads/NAME`` at ``sha`` (a lost answer is checked on the ref)."""

        def probe() -> Reply | None:
            ref = self._ref(name)
            return ref if ref is not None and ref.data["object"]["sha"] == sha else None

        payload = {"ref": f"refs/heads/{name}", "sha": sha}
        self._http.rest("POST /repos/{owner}/{repo}/git/refs", body=payload, landed=probe)

    def branch_head(self, name: str) -> str | None:
        """The SHA ``refs/heads/NAME`` points at, None when the branch does not exist."""
        ref = self._ref(name)
        return str(ref.data["object"]["sha"]) if ref is not None else None

    def _ref(self, branch: str) -> Reply | None:
        """``GET git/ref/heads/BRANCH``; None for GitHub's 404 (no such branch)."""
        try:
            return self._http.rest(REF, ref=f"heads/{branch}")
        except CiAgentError as exc:
            if exc.code == "CA305":
                return None
            raise

    def push(self, workdir: Path, sha: str, branch: str) -> None:
        """Push commit ``sha`` of the clone at ``workdir`` to ``branch`` (no force)."""
        git = Git(workdir)
        if not _SHA.fullmatch(sha):
            raise fail("CA206", ref=sha, suggestion="Pass the full SHA of the commit to push.")
        git.run("check-ref-format", "--branch", branch)  # CA203 for a name git refuses
        remote = self._http.clients.git_remote
        with auth_config(remote, self._http.clients.git_authorization()) as config:
            git.run(
                "-c",
                f"include.path={config}",
                # No hook of the clone runs while the token is configured (a pre-push hook
                # installed by the code under test, e.g. husky's core.hooksPath, could read it).
                "-c",
                f"core.hooksPath={os.devnull}",
                "push",
                "--no-verify",
                "--porcelain",
                remote,
                f"{sha}:refs/heads/{branch}",
            )

    def open_pull_request(
        self, base: str, head: str, title: str, body: str, draft: bool = False
    ) -> PullRequestInfo:
        """Open a pull request (a lost answer is checked by listing ``head`` into ``base``)."""
        qualified = head if ":" in head else f"{self._http.repo.owner}:{head}"

        def probe() -> Reply | None:
            query = {"head": qualified, "base": base, "state": "open"}
            found = list(self._http.rest_pages("GET " + PULLS, query=query))
            return Reply(data=found[0]) if found else None

        payload = {"title": title, "head": head, "base": base, "body": body, "draft": draft}
        reply = self._http.rest("POST " + PULLS, body=payload, landed=probe)
        return parse.pull_request(reply.data)


if TYPE_CHECKING:

    def _conforms(api: RepoApi) -> RepoWriter:
        return api
