"""The same scenario on two forges: the InMemoryForge, and the GitHub adapter on the fake GitHub
server. A test that takes ``side`` runs once per forge and asserts the same results on both.

Both hold the same repository: the fake's git data (a real bare repository) is what the
in-memory forge is seeded from, so commits and SHAs are the same on both sides.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import pytest

from ci_agent.config import Secret
from ci_agent.forge.github import GitHubForge
from ci_agent.forge.github_http import GitHubHttp
from ci_agent.forge.memory import InMemoryForge
from ci_agent.forge.protocol import FixForge, IssueEditor, ReviewForge
from ci_agent.forge.run_protocol import RunRerunner
from ci_agent.forge.run_types import Artifact, Job, Step, WorkflowRun
from ci_agent.forge.types import Permission, RepoName
from ci_agent.metrics import Metrics
from ci_agent.retry import RetryConfig, RetryPolicy
from tests.fakes.github_server import FakeGitHub, RepoState
from tests.fakes.github_server.fixtures import fake_github
from tests.support import FakeClock

__all__ = ["APP", "BOT", "ContractForge", "Side", "fake_github", "side"]

TOKEN = "ghs_CONTRACTtoken0123456789abcdefSECRET"
BOT = "github-actions[bot]"
APP = "".join(f"line {n}\n" for n in range(1, 21))
# app.py: line 3 changed (hunk 1: new lines 1-6), line 18 changed and a line added (hunk 2:
# new lines 15-21). Line 10 is in no hunk.
APP_FEATURE = APP.replace("line 3\n", "LINE THREE\n").replace("line 18\n", "line 18!\nextra\n")


class ContractForge(ReviewForge, FixForge, IssueEditor, RunRerunner, Protocol):
    """What both forges offer and the scenarios use."""


@dataclass
class Side:
    """One forge holding the scenario, with the means to seed it as a person would."""

    name: str
    forge: ContractForge
    fake: FakeGitHub
    repo: RepoState
    number: int
    base_sha: str
    head_sha: str

    @property
    def memory(self) -> InMemoryForge | None:
        """The in-memory forge, None on the GitHub side."""
        return self.forge if isinstance(self.forge, InMemoryForge) else None

    def grant(self, login: str, level: str) -> None:
        """Make ``login`` a collaborator with ``level``."""
        if self.memory is not None:
            self.memory.set_permission(login, Permission(level))
        else:
            self.repo.grant(login, level)

    def person_comments(self, number: int, bodies: Sequence[str], user: str) -> None:
        """Comments by a person on issue or pull request ``number``."""
        for body in bodies:
            if self.memory is not None:
                self.memory.seed_comment(number, body, user)
            else:
                self.repo.add_issue_comment(number, body, user=user)

    def person_issue(self, title: str, body: str, labels: Sequence[str], user: str) -> int:
        """An open issue by a person; its number."""
        if self.memory is not None:
            return self.memory.seed_issue(title, body, labels, author=user).number
        return self.repo.add_issue(title, body=body, user=user, labels=list(labels)).number

    def commit(self, branch: str, files: dict[str, str | None], message: str) -> str:
        """A commit pushed to ``branch`` by someone else; its SHA."""
        sha = self.repo.commit(branch, files, message)
        if self.memory is not None:
            self.memory.seed_branch(self.repo.git.path, branch, sha)
        return sha

    def add_run(self, conclusion: str, jobs: Sequence[tuple[str, str, str]]) -> int:
        """A completed push run on main with ``(name, conclusion, log)`` jobs; its id. The
        in-memory side gets the very run, jobs and log bytes the fake holds."""
        specs = [{"name": n, "conclusion": c, "log": log} for n, c, log in jobs]
        run = self.repo.add_workflow_run(head_branch="main", conclusion=conclusion, jobs=specs)
        if self.memory is not None:
            held = [self.repo.jobs[job_id] for job_id in run.job_ids]
            self.memory.seed_run(
                WorkflowRun(
                    run.id,
                    run.name,
                    run.workflow_id,
                    run.head_sha,
                    run.head_branch,
                    run.event,
                    run.status,
                    run.conclusion,
                    run.run_attempt,
                ),
                [
                    (
                        Job(
                            j.id,
                            j.run_id,
                            j.name,
                            j.status,
                            j.conclusion,
                            tuple(Step(s.number, s.name, s.status, s.conclusion) for s in j.steps),
                        ),
                        j.log.encode(),
                    )
                    for j in held
                ],
            )
        return run.id

    def add_artifact(self, name: str, data: bytes) -> Artifact:
        """An artifact holding ``data``, as the forge lists it."""
        made = self.repo.add_artifact(name, data=data)
        if self.memory is not None:
            return self.memory.seed_artifact(name, data, artifact_id=made.id)
        return next(a for a in self.forge.artifacts(name) if a.id == made.id)

    def check_updates(self) -> int:
        """Check-run updates (PATCH requests) sent so far."""
        if self.memory is not None:
            return len(self.memory.writes("complete_check_run"))
        return self.fake.requests.count("PATCH", "/repos/*/check-runs/*")

    def annotations(self, check_run_id: int) -> list[tuple[str, int, str]]:
        """(path, start line, message) of every annotation the check run holds, in order."""
        if self.memory is not None:
            _, held = self.memory.check_output(check_run_id)
            return [(a.path, a.start_line, a.message) for a in held]
        run = self.repo.check_runs[check_run_id]
        return [(a["path"], a["start_line"], a["message"]) for a in run.annotations]


@pytest.fixture(params=["memory", "github"])
def side(request: pytest.FixtureRequest, fake_github: FakeGitHub) -> Iterator[Side]:
    """``acme/widgets`` with pull request #1 (``feature`` into ``main``, by alice)."""
    repo = fake_github.create_repo(
        "acme/widgets", files={"app.py": APP, "README.md": "# widgets\n", "old.txt": "same\n"}
    )
    base = repo.branch_sha("main")
    head = repo.commit(
        "feature",
        {"app.py": APP_FEATURE, "old.txt": None, "new.txt": "same\n", "docs/guide.md": "# G\n"},
        "Feature work",
    )
    pull = repo.open_pull("feature", title="Feature work", body="Adds things", user="alice")
    assert base is not None
    if request.param == "memory":
        memory = InMemoryForge("acme/widgets", bot=BOT)
        memory.seed_pull_from_git(
            repo.git.path,
            base,
            head,
            number=pull.number,
            title="Feature work",
            body="Adds things",
            author="alice",
        )
        yield Side("memory", memory, fake_github, repo, pull.number, base, head)
        return
    fake_github.require_token(TOKEN, login=BOT)
    policy = RetryPolicy(RetryConfig(max_attempts=3), FakeClock(), random.Random(7))
    http = GitHubHttp(
        fake_github.base_url,
        Secret(TOKEN),
        RepoName("acme", "widgets"),
        retry=policy,
        metrics=Metrics(),
        timeout=5.0,
    )
    forge = GitHubForge(http)
    try:
        yield Side("github", forge, fake_github, repo, pull.number, base, head)
    finally:
        forge.close()
