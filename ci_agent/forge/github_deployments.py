"""Deployments and their latest states on GitHub (PyGithub), for deployment plans."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ci_agent.errors import CiAgentError
from ci_agent.forge import github_parse as parse
from ci_agent.forge.github_http import GitHubPart
from ci_agent.forge.github_reply import Reply
from ci_agent.forge.run_types import Deployment, DeploymentState, EnvironmentProtection

if TYPE_CHECKING:
    from ci_agent.forge.run_protocol import Deployments, DeploymentWriter, EnvironmentRules

__all__ = ["DeploymentsApi"]

DEPLOYMENTS = "GET /repos/{owner}/{repo}/deployments"
CREATE = "POST /repos/{owner}/{repo}/deployments"
# Statuses are appended; re-sending one after a lost answer only repeats the same state.
STATUSES = "POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses"
ENVIRONMENT = "GET /repos/{owner}/{repo}/environments/{environment_name}"
_STATES = frozenset({"error", "failure", "inactive", "in_progress", "queued", "pending", "success"})


class DeploymentsApi(GitHubPart):
    """Deployments."""

    def deployments(self, environment: str | None = None) -> Iterator[Deployment]:
        """Deployments, newest first (GitHub's order), optionally of one environment."""
        query = {"environment": environment} if environment else None
        return (parse.deployment(item) for item in self._http.rest_pages(DEPLOYMENTS, query=query))

    def deployment_state(self, deployment_id: int) -> DeploymentState | None:
        """The newest status's state (GitHub lists newest first); None before any status."""
        reply = self._http.rest(
            DEPLOYMENTS + "/{deployment_id}/statuses",
            query={"per_page": 1},
            deployment_id=deployment_id,
        )
        for status in reply.data or ():
            state = status.get("state")
            if state in _STATES:
                return state  # type: ignore[no-any-return]
        return None

    def create_deployment(
        self, sha: str, environment: str, task: str, description: str = ""
    ) -> Deployment:
        """A deployment of ``sha``; a lost answer is looked for by sha, task and environment.

        ``required_contexts`` is empty and ``auto_merge`` off: the workflow decides when to
        deploy, GitHub's commit-status gate and merging are not wanted here.
        """
        payload = {
            "ref": sha,
            "task": task,
            "environment": environment,
            "description": description,
            "auto_merge": False,
            "required_contexts": [],
            "production_environment": environment == "production",
        }
        query = {"sha": sha, "task": task, "environment": environment}

        def landed() -> Reply | None:
            found = next(iter(self._http.rest_pages(DEPLOYMENTS, query=query)), None)
            return Reply(data=found) if found else None

        reply = self._http.rest(
            "POST /repos/{owner}/{repo}/deployments", body=payload, landed=landed
        )
        return parse.deployment(reply.data)

    def find_deployment(self, sha: str, environment: str, task: str) -> Deployment | None:
        """The newest deployment of ``sha`` with this task to this environment, if any."""
        query = {"sha": sha, "task": task, "environment": environment}
        found = next(iter(self._http.rest_pages(DEPLOYMENTS, query=query)), None)
        return parse.deployment(found) if found else None

    def set_deployment_state(
        self,
        deployment_id: int,
        state: DeploymentState,
        *,
        description: str = "",
        environment_url: str = "",
        log_url: str = "",
    ) -> None:
        """Add a status; ``inactive`` marks earlier deployments as replaced or rolled back."""
        body: dict[str, Any] = {"state": state, "description": description[:140]}
        if environment_url:
            body["environment_url"] = environment_url
        if log_url:
            body["log_url"] = log_url
        self._http.rest(STATUSES, body=body, deployment_id=deployment_id)

    def environment_protection(self, name: str) -> EnvironmentProtection | None:
        """The environment's protection rules; None on GitHub's 404 (no such environment).

        A 403 (a token without ``actions: read``) stays an error (CA304): the caller says the
        rules were not read, never that they are missing.
        """
        try:
            reply = self._http.rest(ENVIRONMENT, environment_name=name)
        except CiAgentError as exc:
            if exc.code == "CA305":
                return None
            raise
        return environment(reply.data, name)


def environment(data: Any, name: str) -> EnvironmentProtection:
    """GitHub's environment object as its protection rules."""
    rules = [r for r in (data or {}).get("protection_rules") or () if isinstance(r, dict)]
    reviewers = sum(
        len(r.get("reviewers") or ()) for r in rules if r.get("type") == "required_reviewers"
    )
    wait = max(
        (int(r.get("wait_timer") or 0) for r in rules if r.get("type") == "wait_timer"), default=0
    )
    return EnvironmentProtection(
        name=str((data or {}).get("name") or name),
        rules=tuple(sorted({str(r.get("type")) for r in rules})),
        reviewers=reviewers,
        wait_timer_minutes=wait,
    )


if TYPE_CHECKING:

    def _conforms(api: DeploymentsApi) -> tuple[Deployments, DeploymentWriter, EnvironmentRules]:
        return api, api, api
