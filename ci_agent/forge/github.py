"""The GitHub forge: every forge protocol for one repository, over one seam.

:class:`GitHubForge` is composed of small parts that share one
:class:`~ci_agent.forge.github_http.GitHubHttp` (base URL, token, retry policy, metrics):

============================  ===========================================  =========
part                          protocols                                    library
============================  ===========================================  =========
``github_pulls.PullsApi``     PullRequestReader, ContentReader,            PyGithub
                              PullRequestFinder, Permissions
``github_comments``           CommentStore, Reactions,                     PyGithub
                              ReviewWriter.create_review_comment
``github_reviews``            ReviewWriter.create_review (bisection)       PyGithub
``github_checks``             CheckReporter, StatusReporter                PyGithub
``github_actions``            WorkflowRuns, JobLogs, ArtifactStore,        ghapi
                              RunHistory, RunRerunner
``github_archive``            ArchiveReader                                PyGithub
``github_backup``             BackupExtras (facts, attestations, events,   PyGithub
                              release assets, wiki remote)
``github_deployments``        Deployments                                  PyGithub
``github_repo``               RepoWriter (git push, refs, pull requests)   PyGithub
``github_gitdata``            GitData (commits through the API; extends    PyGithub
                              github_repo's RepoWriter)
``github_issues``             IssueTracker, IssueEditor, CommitRange       PyGithub
``github_blobs``              many files at a commit in GraphQL batches    PyGithub
                              (used by PullsApi.files_contents)
``github_contents``           files and directories at a commit, missing   PyGithub
                              as None (the base's configuration)
============================  ===========================================  =========

Nothing is imported from PyGithub or ghapi and no request is made until a method needs one.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ci_agent.errors import fail
from ci_agent.forge.github_actions import ActionsApi
from ci_agent.forge.github_archive import ArchiveApi
from ci_agent.forge.github_backup import BackupApi
from ci_agent.forge.github_checks import ChecksApi
from ci_agent.forge.github_comments import CommentsApi
from ci_agent.forge.github_contents import ContentsApi
from ci_agent.forge.github_deployments import DeploymentsApi
from ci_agent.forge.github_gitdata import GitDataApi
from ci_agent.forge.github_http import DEFAULT_TIMEOUT, GitHubHttp
from ci_agent.forge.github_issues import IssuesApi
from ci_agent.forge.github_pulls import PullsApi
from ci_agent.forge.github_reviews import ReviewsApi
from ci_agent.forge.types import RepoName
from ci_agent.metrics import Metrics
from ci_agent.retry import RetryConfig, RetryPolicy

if TYPE_CHECKING:
    from ci_agent.config import Settings
    from ci_agent.forge.protocol import (
        BackupForge,
        FixForge,
        InsightsForge,
        PlanForge,
        ReviewForge,
    )
    from ci_agent.retry import Clock

__all__ = ["GitHubForge", "check_github", "require_repository", "settings_for"]

REPOSITORY = "GET /repos/{owner}/{repo}"
RATE_LIMIT = "GET /rate_limit"  # free: it does not count against the quota


class GitHubForge(
    PullsApi,
    CommentsApi,
    ReviewsApi,
    ChecksApi,
    ActionsApi,
    ArchiveApi,
    BackupApi,
    DeploymentsApi,
    GitDataApi,
    IssuesApi,
    ContentsApi,
):
    """Review, fix, backup and plan on one GitHub repository (github.com or Enterprise)."""

    def __init__(self, http: GitHubHttp) -> None:
        super().__init__(http)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        metrics: Metrics | None = None,
        *,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        git_remote: str | None = None,
    ) -> GitHubForge:
        """The forge for ``settings.repository`` at ``settings.github_api_url`` (no I/O).

        CA307 without a token, CA105 without a repository. ``retry`` defaults to the shared
        policy bounded by ``github.max-retry-wait``.
        """
        if settings.github_token is None or not settings.github_token.reveal():
            raise fail("CA307")
        if not settings.repository:
            raise fail(
                "CA105",
                name="repository",
                suggestion="Run inside GitHub Actions (GITHUB_REPOSITORY) or set it to owner/name.",
            )
        try:
            repo = RepoName.parse(settings.repository)
        except ValueError:
            raise fail(
                "CA106", name="GITHUB_REPOSITORY", value=settings.repository, allowed="owner/name"
            ) from None
        policy = retry or RetryPolicy(
            RetryConfig(max_total_wait=settings.config.github.max_retry_wait), clock
        )
        http = GitHubHttp(
            settings.github_api_url,
            settings.github_token,
            repo,
            retry=policy,
            metrics=metrics or Metrics(),
            timeout=timeout,
            git_remote=git_remote,
        )
        return cls(http)

    @property
    def repo(self) -> RepoName:
        """The repository this forge is bound to."""
        return self._http.repo

    def ping(self) -> dict[str, Any]:
        """One cheap request that proves URL, token and access: ``GET /repos/{owner}/{repo}``."""
        reply = self._http.rest(REPOSITORY)
        return {
            "endpoint": REPOSITORY,
            "repository": reply.data.get("full_name"),
            "rate_limit_remaining": _int(reply.headers.get("x-ratelimit-remaining")),
        }

    def close(self) -> None:
        """Close the HTTP connection pools."""
        self._http.close()


def check_github(
    settings: Settings, metrics: Metrics | None = None, *, retry: RetryPolicy | None = None
) -> dict[str, Any]:
    """One cheap request for ``doctor --check-remote``: the repository if known, else the quota.

    Raises the coded error (CA301-CA307) when GitHub cannot be used.
    """
    if settings.repository:
        forge = GitHubForge.from_settings(settings, metrics, retry=retry)
        try:
            return forge.ping()
        finally:
            forge.close()
    if settings.github_token is None or not settings.github_token.reveal():
        raise fail("CA307")
    policy = retry or RetryPolicy(RetryConfig(max_total_wait=settings.config.github.max_retry_wait))
    anywhere = RepoName("ci-agent", "doctor")  # /rate_limit names no repository
    http = GitHubHttp(
        settings.github_api_url,
        settings.github_token,
        anywhere,
        retry=policy,
        metrics=metrics or Metrics(),
    )
    try:
        data = http.rest(RATE_LIMIT).data
    finally:
        http.close()
    core = (data.get("resources") or {}).get("core") or {}
    return {
        "endpoint": RATE_LIMIT,
        "repository": None,
        "rate_limit_remaining": core.get("remaining"),
    }


def _int(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


if TYPE_CHECKING:

    def _conforms(
        forge: GitHubForge,
    ) -> tuple[ReviewForge, FixForge, BackupForge, PlanForge, InsightsForge]:
        return forge, forge, forge, forge, forge


def require_repository(repository: str | None) -> str:
    """``repository`` (``--repo``, else GITHUB_REPOSITORY), or CA105 when none is known."""
    if not repository:
        raise fail(
            "CA105",
            name="repository",
            suggestion="Pass --repo OWNER/NAME (GITHUB_REPOSITORY is used inside Actions).",
        )
    return repository


def settings_for(settings: Settings, repository: str | None) -> Settings:
    """``settings`` naming ``repository``; CA105 when none is known."""
    return dataclasses.replace(settings, repository=require_repository(repository))
