"""Git data that is not in the local clone: pull-request refs and the wiki, fetched from the
repository's ``origin`` remote.

``actions/checkout`` fetches neither ``refs/pull/*`` nor the wiki (a repository of its own,
``NAME.wiki.git`` beside ``NAME.git``). Pull-request refs are fetched into a scratch
repository that borrows the clone's objects (``objects/info/alternates``) and starts with the
clone's refs, so the user's repository gets no new refs and the bundle is made from the
scratch one. The token goes only to the host of the forge's own git remote, through a private
config file (never the command line, never the clone's config), and no hook runs meanwhile.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from ci_agent.backup.gitdata import RepoSnapshot, snapshot, write_refs
from ci_agent.backup.processes import run_grouped
from ci_agent.errors import CiAgentError
from ci_agent.forge.github_repo import auth_config
from ci_agent.git import Git

__all__ = ["GitAccess", "fetch_wiki", "origin_url", "wiki_url", "with_pull_refs"]


class GitAccess(Protocol):
    """The forge's git URL and the header that authenticates to its host."""

    def git_access(self) -> tuple[str, str]:
        """(git URL, http.extraheader value)."""


def origin_url(git: Git) -> str | None:
    """The clone's ``origin`` URL, if it has one."""
    return git.run("remote", "get-url", "origin", check=False) or None


def wiki_url(origin: str) -> str:
    """``…/NAME.wiki.git`` for ``…/NAME(.git)``."""
    base = origin.rstrip("/")
    return (base[: -len(".git")] if base.endswith(".git") else base) + ".wiki.git"


def _host(url: str) -> tuple[str, str] | None:
    parts = urlsplit(url)
    return (parts.scheme, parts.netloc) if parts.scheme in ("http", "https") else None


def _fetch(git: Git, url: str, refspec: str, access: GitAccess | None) -> None:
    """``git fetch URL REFSPEC`` in ``git``, with the token only for the forge's own host."""
    base = [
        "-c",
        f"core.hooksPath={os.devnull}",
        "fetch",
        "--quiet",
        "--no-tags",
        "--no-write-fetch-head",
    ]
    remote, authorization = access.git_access() if access else ("", "")
    if access is None or _host(url) is None or _host(url) != _host(remote):
        run_grouped(git, *base, url, refspec)
        return
    with auth_config(url, authorization) as config:
        run_grouped(git, "-c", f"include.path={config}", *base, url, refspec)


def _objects_dir(git: Git) -> Path:
    common = Path(git.run("rev-parse", "--git-common-dir"))
    return (common if common.is_absolute() else git.path / common) / "objects"


def with_pull_refs(
    git: Git, snap: RepoSnapshot, scratch: Path, access: GitAccess | None
) -> tuple[Git, RepoSnapshot, int]:
    """A scratch repository with the clone's refs and objects plus ``origin``'s
    ``refs/pull/*``; its git, its snapshot and how many pull-request refs came."""
    url = origin_url(git)
    scratch.mkdir(parents=True)
    other = Git(scratch)
    other.run("init", "--quiet", "--bare", str(scratch))
    (scratch / "objects" / "info" / "alternates").write_text(
        f"{_objects_dir(git).absolute()}\n", encoding="utf-8"
    )
    write_refs(scratch, snap.refs, snap.head)
    if url is None:
        return other, snap, 0
    _fetch(other, url, "+refs/pull/*:refs/pull/*", access)
    fetched = snapshot(other)
    count = sum(1 for ref in fetched.refs if ref.name.startswith("refs/pull/"))
    return other, fetched, count


def fetch_wiki(git: Git, scratch: Path, access: GitAccess | None) -> tuple[Git | None, str]:
    """The wiki of ``origin`` in a new bare repository, or None and why there is none (a wiki
    without pages has no repository; the fetch's own error otherwise)."""
    url = origin_url(git)
    if url is None:
        return None, "the clone has no origin remote"
    scratch.mkdir(parents=True)
    wiki = Git(scratch)
    wiki.run("init", "--quiet", "--bare", str(scratch))
    try:
        _fetch(wiki, wiki_url(url), "+refs/*:refs/*", access)
    except CiAgentError as exc:
        if exc.code != "CA203":
            raise
        return None, f"{wiki_url(url)}: {exc.context.get('problem')}"
    heads = wiki.run("for-each-ref", "--format=%(refname)", "refs/heads").split()
    if not heads:
        return None, "the wiki has no pages"
    if wiki.run("symbolic-ref", "HEAD") not in heads:  # the wiki's branch, whatever its name
        wiki.run("symbolic-ref", "HEAD", heads[0])
    return wiki, ""
