"""The git members of a backup: ``git/repo.bundle`` (every ref, pull-request refs when asked,
only what is new in an incremental one) and ``git/wiki.bundle`` (the wiki, whole each time:
it is small and its history is its own)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ci_agent.backup import gitdata
from ci_agent.backup.coverage import Coverage
from ci_agent.backup.manifest import BUNDLE, WIKI_BUNDLE, GitPart
from ci_agent.backup.previous import Previous
from ci_agent.backup.remotes import GitAccess, fetch_wiki, with_pull_refs
from ci_agent.git import Git

__all__ = ["repo_part", "wiki_part"]

Log = Callable[[str], None]


def repo_part(
    git: Git,
    snap: gitdata.RepoSnapshot,
    previous: Previous | None,
    data: Path,
    *,
    coverage: Coverage,
    access: GitAccess | None,
    notes: list[str],
    log: Log,
) -> GitPart:
    """Bundle the repository into ``data/git/repo.bundle``; the manifest's git part."""
    if coverage.pull_refs and not snap.empty:
        git, snap, count = with_pull_refs(git, snap, data.parent / "pulls.git", access)
        notes.append(f"pull-request refs: {count} fetched from origin")
    base = GitPart(object_format=snap.object_format, head=snap.head, refs=snap.refs)
    if snap.empty:
        return base.model_copy(update={"note": "the repository has no commits"})
    excluded: list[str] = []
    if previous is not None:
        old = previous.manifest.git
        excluded = gitdata.RepoSnapshot(old.object_format, old.head, old.refs).objects()
    if excluded and not gitdata.has_new_objects(git, excluded):
        log("git: nothing new since the previous backup")
        note = "no new objects since the previous backup"
        return base.model_copy(update={"note": note, "excluded": tuple(excluded)})
    (data / BUNDLE).parent.mkdir(parents=True, exist_ok=True)
    gitdata.create_bundle(git, data / BUNDLE, excluded)
    log(f"git: {len(snap.refs)} ref(s) bundled" + (" (incremental)" if excluded else ""))
    return base.model_copy(update={"bundle": BUNDLE, "excluded": tuple(excluded)})


def wiki_part(
    git: Git, data: Path, *, access: GitAccess | None, notes: list[str], log: Log
) -> GitPart | None:
    """Fetch and bundle the wiki into ``data/git/wiki.bundle``; None when there is none."""
    wiki, why = fetch_wiki(git, data.parent / "wiki.git", access)
    if wiki is None:
        notes.append(f"wiki: not backed up: {why}")
        return None
    snap = gitdata.snapshot(wiki)
    (data / WIKI_BUNDLE).parent.mkdir(parents=True, exist_ok=True)
    gitdata.create_bundle(wiki, data / WIKI_BUNDLE, [])
    log(f"wiki: {len(snap.refs)} ref(s) bundled")
    return GitPart(
        object_format=snap.object_format, head=snap.head, refs=snap.refs, bundle=WIKI_BUNDLE
    )
