"""What backups read beyond listings: artifact attestations (Sigstore bundles whose in-toto
statement names the subject digest and the workflow), repository-wide issue events, and the
wiki as a git repository beside the repository's own."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .git_backend import GitRepo
    from .state import Store


@dataclass
class IssueEvent:
    """An event of an issue or pull request (``labeled``, ``closed``, ...)."""

    id: int
    node_id: str
    number: int
    event: str
    actor: str
    created_at: datetime
    commit_id: str | None = None


def statement(sha256: str, name: str, repository: str, workflow: str, ref: str) -> dict[str, Any]:
    """The SLSA provenance statement actions/attest-build-provenance signs for a file."""
    return {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": name, "digest": {"sha256": sha256}}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {
            "buildDefinition": {
                "buildType": "https://actions.github.io/buildtypes/workflow/v1",
                "externalParameters": {
                    "workflow": {"ref": ref, "repository": repository, "path": workflow}
                },
            },
            "runDetails": {"builder": {"id": "https://github.com/actions/runner/github-hosted"}},
        },
    }


class BackupExtrasMixin:
    """Attestations, issue events and the wiki of ``RepoState``."""

    if TYPE_CHECKING:
        store: Store
        git: GitRepo
        id: int
        default_branch: str

        @property
        def full_name(self) -> str: ...

    def init_backup_extras(self) -> None:
        """Set up storage."""
        self.attestations: dict[str, list[dict[str, Any]]] = {}  # sha256 hex → attestations
        self.issue_events: list[IssueEvent] = []
        self.has_wiki = True

    def attest(
        self,
        sha256: str,
        name: str,
        *,
        workflow: str = ".github/workflows/ci-agent-backup.yml",
        ref: str | None = None,
        repository: str | None = None,
    ) -> dict[str, Any]:
        """Store an attestation of ``sha256`` as the attest action would (signature omitted:
        the fake does not sign, and ci-agent does not check signatures)."""
        payload = statement(
            sha256,
            name,
            f"https://github.com/{repository or self.full_name}",
            workflow,
            ref or f"refs/heads/{self.default_branch}",
        )
        encoded = base64.b64encode(json.dumps(payload).encode()).decode()
        item = {
            "bundle": {
                "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
                "verificationMaterial": {},
                "dsseEnvelope": {
                    "payload": encoded,
                    "payloadType": "application/vnd.in-toto+json",
                    "signatures": [{"sig": "", "keyid": ""}],
                },
            },
            "repository_id": self.id,
            "bundle_url": f"https://example.invalid/attestations/{sha256}",
        }
        self.attestations.setdefault(sha256, []).append(item)
        return item

    def add_issue_event(
        self, number: int, event: str, *, actor: str = "octocat", commit_id: str | None = None
    ) -> IssueEvent:
        """Record an event of issue or pull request ``number`` now."""
        self.store.add_user(actor)
        event_id = self.store.next_id("issue_event")
        item = IssueEvent(
            event_id,
            self.store.node_id("IE", event_id),
            number,
            event,
            actor,
            self.store.clock.now(),
            commit_id,
        )
        self.issue_events.append(item)
        return item

    @property
    def wiki_path(self) -> Path:
        """Where the wiki's git repository lives: ``NAME.wiki.git`` beside ``NAME.git``."""
        path = self.git.path
        base = path.name[: -len(".git")] if path.name.endswith(".git") else path.name
        return path.with_name(base + ".wiki.git")
