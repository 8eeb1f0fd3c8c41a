"""An in-memory forge: every forge protocol on one repository held in memory, for fast tests of
pipelines and reporters and for dry experiments.

It behaves as the GitHub adapter does over GitHub, not as an idealised forge: anchors are
checked by GitHub's rules, bodies over GitHub's limits are refused with the adapter's coded
error, check-run annotations go 50 to an update, a read-only token gets GitHub's 403 on every
write, and comments carry their author so that only the bot's own count as ci-agent's. What the
adapter adds on top of GitHub (isolating rejected anchors, cutting check-run texts) is kept too,
so code under test sees the same results. The HTTP fake server stays the reference for the
adapter itself; ``tests/integration/forge_contract`` runs the same scenarios on both.

Every protocol call is logged (:attr:`InMemoryForge.calls`, :meth:`InMemoryForge.writes`), so a
test can assert that nothing was posted twice or that a dry run wrote nothing. Seeding methods
(``seed_*``, :meth:`~InMemoryForge.set_permission`) are not logged.

============================  ===========================================
part                          protocols
============================  ===========================================
``memory_pulls.PullsPart``    PullRequestReader, PullRequestFinder, RepoWriter.open_pull_request
``memory_git.GitPart``        ContentReader, CommitRange, GitData, Permissions, RepoWriter
``memory_reviews``            ReviewWriter, CommentStore, Reactions
``memory_checks``             CheckReporter, StatusReporter
``memory_issues``             IssueTracker, ArchiveReader
``memory_actions``            WorkflowRuns, RunRerunner, JobLogs, ArtifactStore, Deployments
============================  ===========================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ci_agent.forge.memory_actions import ActionsPart
from ci_agent.forge.memory_checks import ChecksPart
from ci_agent.forge.memory_issues import IssuesPart
from ci_agent.forge.memory_pulls import PullsPart
from ci_agent.forge.memory_reviews import ReviewsPart
from ci_agent.forge.memory_state import Call, MemoryState
from ci_agent.forge.types import Permission, RepoName

if TYPE_CHECKING:
    from ci_agent.forge.protocol import BackupForge, FixForge, PlanForge, ReviewForge
    from ci_agent.forge.run_protocol import DeploymentWriter, EnvironmentRules

__all__ = ["DEFAULT_BOT", "InMemoryForge"]

# The login GitHub gives the workflow's GITHUB_TOKEN.
DEFAULT_BOT = "github-actions[bot]"


class InMemoryForge(PullsPart, ReviewsPart, ChecksPart, IssuesPart, ActionsPart):
    """Review, fix, backup and plan on one repository held in memory."""

    def __init__(
        self,
        repo: RepoName | str = "acme/widgets",
        *,
        bot: str = DEFAULT_BOT,
        server_url: str = "https://github.com",
    ) -> None:
        name = repo if isinstance(repo, RepoName) else RepoName.parse(repo)
        super().__init__(MemoryState(name, bot, server_url))

    @property
    def repo(self) -> RepoName:
        """The repository this forge stands for."""
        return self._state.repo

    @property
    def bot(self) -> str:
        """The login the forge's writes are made as."""
        return self._state.bot

    @property
    def state(self) -> MemoryState:
        """Everything held, for assertions a method does not cover."""
        return self._state

    @property
    def calls(self) -> list[Call]:
        """Every protocol call so far, in order."""
        return list(self._state.calls)

    def writes(self, method: str | None = None) -> list[Call]:
        """The calls that write (optionally only those of ``method``), in order."""
        return [c for c in self._state.calls if c.write and method in (None, c.method)]

    def set_permission(self, username: str, permission: Permission) -> None:
        """Make ``username`` a collaborator with ``permission``."""
        self._state.permissions[username] = permission

    def set_read_only(self, read_only: bool = True) -> None:
        """Answer every write with GitHub's 403, as for a fork pull request's token."""
        self._state.can_write = not read_only


if TYPE_CHECKING:

    def _conforms(
        forge: InMemoryForge,
    ) -> tuple[ReviewForge, FixForge, BackupForge, PlanForge, DeploymentWriter, EnvironmentRules]:
        return forge, forge, forge, forge, forge, forge
