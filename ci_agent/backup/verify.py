"""Verify a backup and the chain it builds on: files, checksums, JSONL, and git.

``git bundle verify`` misses a corrupted pack, so the git check rebuilds a repository from
the chain's bundles (oldest first), sets every ref the manifest lists, compares
``for-each-ref`` and HEAD with it, and runs ``git fsck --full --strict``. Before that, every
backup of the chain must be of the same repository (:class:`Identity`), and every claim of
its manifest must match its own bundle's header (:mod:`.claims`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ci_agent.backup.claims import check_claims
from ci_agent.backup.extract import DEFAULT_BUDGET, Checked, check_archive
from ci_agent.backup.gitdata import build_repository, compare_refs, fsck
from ci_agent.backup.manifest import GitPart, Head, Identity, Link, Manifest, Ref
from ci_agent.errors import CiAgentError, fail
from ci_agent.git import Git

__all__ = ["ChainFinder", "Report", "verify_chain"]

# A chain member by name and pinned digest -> a local archive, or None when it cannot be found.
ChainFinder = Callable[[Link], Path | None]
Progress = Callable[[int], None]
Stage = Callable[[str], None]


@dataclass
class Report:
    """The verdict on one backup (and its chain)."""

    top: Checked
    chain: list[Checked] = field(default_factory=list)  # oldest first, the top one excluded
    problems: list[CiAgentError] = field(default_factory=list)
    git: Git | None = None
    git_checked: bool = False
    missing: list[str] = field(default_factory=list)  # chain links that were not found
    wiki: Git | None = None  # the wiki, rebuilt and checked

    @property
    def manifest(self) -> Manifest | None:
        """The verified backup's manifest."""
        return self.top.manifest

    @property
    def ok(self) -> bool:
        """Whether everything held."""
        return self.top.manifest is not None and not self.problems

    @property
    def members(self) -> list[Checked]:
        """The chain and the backup itself, oldest first."""
        return [*self.chain, self.top]


def verify_chain(
    top: Checked,
    work: Path,
    find: ChainFinder,
    *,
    git_dir: Path | None = None,
    bare: bool = True,
    progress: Progress | None = None,
    stage: Stage = lambda _: None,
    budget: int = DEFAULT_BUDGET,
) -> Report:
    """Check the chain under ``top`` and the git data; the repository is built at ``git_dir``."""
    report = Report(top, problems=list(top.problems))
    manifest = top.manifest
    if manifest is None or report.problems:
        return report
    for link in manifest.chain:
        stage(f"checking {link.name}")
        path = find(link)
        if path is None:
            report.missing.append(link.name)
            report.problems.append(fail("CA525", file=top.label, missing=link.name))
            continue
        member = check_archive(path, work, link.sha256, progress, budget)
        report.chain.append(member)
        report.problems += member.problems
        _same_repository(report, manifest, member)
    if report.problems:
        return report
    _check_claims(report)
    if report.problems:
        return report
    stage("checking the git data")
    repo_dir = git_dir or work / "repository.git"
    _check_git(report, manifest, repo_dir, bare)
    if manifest.wiki is not None and manifest.wiki.bundle and not report.problems:
        stage("checking the wiki")
        _check_wiki(report, manifest.wiki, repo_dir.with_name("wiki"), bare)
    return report


def _check_wiki(report: Report, wiki: GitPart, wiki_dir: Path, bare: bool) -> None:
    """The wiki, rebuilt from its own bundle: refs compared, ``git fsck``."""
    label = f"{report.top.label} (wiki)"
    bundle = report.top.root / (wiki.bundle or "")
    git = _rebuilt(report, wiki_dir, [bundle], wiki.refs, wiki.head, bare=bare, label=label)
    if git is not None:
        report.wiki = git


def _identity(manifest: Manifest) -> Identity:
    return manifest.identity or Identity(github=manifest.repository)


def _same_repository(report: Report, top: Manifest, member: Checked) -> None:
    """A chain never mixes repositories: every link has the top backup's identity."""
    if member.manifest is None:
        return
    mine, theirs = _identity(top), _identity(member.manifest)
    if not mine.same(theirs):
        report.problems.append(
            fail("CA528", file=member.label, actual=theirs.describe(), expected=mine.describe())
        )


def _check_claims(report: Report) -> None:
    """Every backup's git claims against its own bundle, each on top of the one before."""
    previous: Manifest | None = None
    for checked in report.members:
        manifest = checked.manifest
        if manifest is None:  # pragma: no cover - problems were reported before
            return
        bundle = checked.root / manifest.git.bundle if manifest.git.bundle else None
        old = previous.git if previous else None
        report.problems += check_claims(manifest.git, bundle, old, checked.label)
        previous = manifest
    wiki = report.top.manifest.wiki if report.top.manifest else None
    if wiki is not None and wiki.bundle:
        bundle = report.top.root / wiki.bundle
        report.problems += check_claims(wiki, bundle, None, f"{report.top.label} (wiki)")


def _check_git(report: Report, manifest: Manifest, git_dir: Path, bare: bool) -> None:
    bundles = [
        checked.root / checked.manifest.git.bundle
        for checked in report.members
        if checked.manifest is not None and checked.manifest.git.bundle
    ]
    if not bundles and not manifest.git.refs:
        return  # a backup of an empty repository: metadata only
    refs, head = manifest.git.refs, manifest.git.head
    git = _rebuilt(report, git_dir, bundles, refs, head, bare=bare, label=report.top.label)
    if git is not None:
        report.git = git
        report.git_checked = True


def _rebuilt(
    report: Report,
    target: Path,
    bundles: Sequence[Path],
    refs: Sequence[Ref],
    head: Head,
    *,
    bare: bool,
    label: str,
) -> Git | None:
    """The repository rebuilt from ``bundles``, its refs compared with the manifest's and
    ``git fsck`` run; None (with the problem in ``report``) when any of that fails."""
    try:
        git = build_repository(target, bundles, refs, head, bare=bare, file=label)
        diff = compare_refs(git, refs, head)
        if diff:
            report.problems.append(
                fail("CA524", file=label, problem=f"refs differ: {diff.describe()}")
            )
            return None
        fsck(git, label)
    except CiAgentError as exc:
        if exc.code != "CA524":
            raise
        report.problems.append(exc)
        return None
    return git
