"""Deployments and their latest states on GitHub (PyGithub), for deployment plans."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ci_agent.forge import github_parse as parse
from ci_agent.forge.github_http import GitHubPart
from ci_agent.forge.run_types import Deployment, DeploymentState

if TYPE_CHECKING:
    from ci_agent.forge.run_protocol import Deployments

__all__ = ["DeploymentsApi"]

DEPLOYMENTS = "GET /repos/{owner}/{repo}/deployments"
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


if TYPE_CHECKING:

    def _conforms(api: DeploymentsApi) -> Deployments:
        return api
