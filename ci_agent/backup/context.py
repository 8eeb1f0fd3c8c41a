"""What the backup jobs share: the run's settings and terminal, where backups go by default,
the GitHub forge when one can be had, and the backup's time."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ci_agent.backup.naming import parse_time
from ci_agent.errors import fail

if TYPE_CHECKING:
    from ci_agent.backup.artifacts import ArtifactsStore
    from ci_agent.backup.attest import Attestation
    from ci_agent.config import Settings
    from ci_agent.forge.github import GitHubForge
    from ci_agent.metrics import Metrics
    from ci_agent.retry import RetryPolicy
    from ci_agent.terminal import Terminal

__all__ = ["DEFAULT_DIR", "JobContext", "resolve_created_at"]

DEFAULT_DIR = "ci-agent-backups"


@dataclass(frozen=True)
class JobContext:
    """One run of a backup command: settings, terminal, counters, environment."""

    settings: Settings
    term: Terminal
    metrics: Metrics
    environ: Mapping[str, str]
    cwd: Path
    retry: RetryPolicy | None = None  # the run's shared policy; None builds one per forge

    def default_dir(self) -> Path:
        """``$RUNNER_TEMP/ci-agent-backups`` in Actions, else ``./ci-agent-backups``."""
        if self.settings.in_actions:
            return Path(self.environ.get("RUNNER_TEMP") or tempfile.gettempdir()) / DEFAULT_DIR
        return self.cwd / DEFAULT_DIR

    def absolute(self, path: Path) -> Path:
        """``path`` from the command's working directory (git runs elsewhere)."""
        return path if path.is_absolute() else self.cwd / path

    def repository(self, given: str | None) -> str | None:
        """``--repo``, else GITHUB_REPOSITORY."""
        return given or self.settings.repository

    def can_reach_github(self, repository: str | None) -> bool:
        """Whether a repository and a token are both known."""
        token = self.settings.github_token
        return bool(repository) and token is not None and bool(token.reveal())

    def forge(self, stack: ExitStack, repository: str | None) -> GitHubForge:
        """The GitHub forge for ``repository``, closed with ``stack`` (CA105/CA307 if none)."""
        from ci_agent.forge.github import GitHubForge, settings_for

        settings = settings_for(self.settings, repository)
        forge = GitHubForge.from_settings(settings, self.metrics, retry=self.retry)
        stack.callback(forge.close)
        return forge

    def artifacts(
        self, stack: ExitStack, repository: str | None, forge: GitHubForge | None = None
    ) -> ArtifactsStore:
        """The backups among the repository's artifacts: those of its backup workflow."""
        from ci_agent.backup.artifacts import ArtifactsStore
        from ci_agent.backup.provenance import BackupOrigin, Provenance, workflow_from_env

        forge = forge or self.forge(stack, repository)
        facts = forge.repository_facts()
        configured = self.settings.config.backup.workflow
        workflow = workflow_from_env(configured, self.environ, facts.full_name)
        return ArtifactsStore(forge, Provenance(forge, BackupOrigin(facts, workflow)))

    def attestation(
        self, stack: ExitStack, repository: str | None, sha256: str
    ) -> Attestation | None:
        """Whether the backup workflow attested ``sha256`` (None when GitHub is out of reach)."""
        if not self.can_reach_github(repository):
            return None
        from ci_agent.backup.attest import check_attestation
        from ci_agent.backup.provenance import workflow_from_env

        forge = self.forge(stack, repository)
        facts = forge.repository_facts()
        configured = self.settings.config.backup.workflow
        workflow = workflow_from_env(configured, self.environ, facts.full_name)
        return check_attestation(forge, sha256, facts, workflow)

    @contextmanager
    def section(self, title: str) -> Iterator[None]:
        """A log group in Actions; a heading elsewhere (nothing with --quiet)."""
        if self.term.quiet:
            yield
            return
        with self.term.group(title):
            yield


def resolve_created_at(given: str | None, environ: Mapping[str, str]) -> datetime:
    """``--created-at``, else SOURCE_DATE_EPOCH, else now (UTC, whole seconds)."""
    if given:
        try:
            return parse_time(given)
        except ValueError:
            raise fail(
                "CA106", name="--created-at", value=given, allowed="an ISO 8601 time"
            ) from None
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        if not epoch.isdigit():
            raise fail("CA106", name="SOURCE_DATE_EPOCH", value=epoch, allowed="seconds since 1970")
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.fromtimestamp(int(time.time()), UTC)
