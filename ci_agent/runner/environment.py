"""The ``GITHUB_*`` and ``RUNNER_*`` variables the runner sets, read once into a value object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_GRAPHQL_URL",
    "DEFAULT_SERVER_URL",
    "ActionsEnvironment",
]

# github.com's endpoints; GitHub Enterprise Server runners set the variables to their own.
DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SERVER_URL = "https://github.com"
DEFAULT_GRAPHQL_URL = "https://api.github.com/graphql"


def _text(environ: Mapping[str, str], name: str) -> str | None:
    # An empty variable means the same as an unset one to every consumer here.
    return environ.get(name) or None


def _number(environ: Mapping[str, str], name: str) -> int | None:
    value = environ.get(name, "")
    return int(value) if value.isascii() and value.isdigit() else None


def _url(environ: Mapping[str, str], name: str, default: str) -> str:
    return (environ.get(name) or default).rstrip("/")


@dataclass(frozen=True)
class ActionsEnvironment:
    """What the runner tells a step about itself; every field is None when unset."""

    is_actions: bool = False
    workspace: str | None = None
    repository: str | None = None
    api_url: str = DEFAULT_API_URL
    server_url: str = DEFAULT_SERVER_URL
    graphql_url: str = DEFAULT_GRAPHQL_URL
    run_id: int | None = None
    run_attempt: int | None = None
    run_number: int | None = None
    sha: str | None = None
    ref: str | None = None
    event_name: str | None = None
    event_path: str | None = None
    step_summary: str | None = None
    output: str | None = None
    env: str | None = None
    state: str | None = None
    path: str | None = None
    actor: str | None = None
    job: str | None = None
    workflow: str | None = None
    runner_temp: str | None = None
    runner_debug: bool = False

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> ActionsEnvironment:
        """Read the variables from ``environ`` (the caller passes ``os.environ`` or a test dict)."""
        return cls(
            is_actions=environ.get("GITHUB_ACTIONS") == "true",
            workspace=_text(environ, "GITHUB_WORKSPACE"),
            repository=_text(environ, "GITHUB_REPOSITORY"),
            api_url=_url(environ, "GITHUB_API_URL", DEFAULT_API_URL),
            server_url=_url(environ, "GITHUB_SERVER_URL", DEFAULT_SERVER_URL),
            graphql_url=_url(environ, "GITHUB_GRAPHQL_URL", DEFAULT_GRAPHQL_URL),
            run_id=_number(environ, "GITHUB_RUN_ID"),
            run_attempt=_number(environ, "GITHUB_RUN_ATTEMPT"),
            run_number=_number(environ, "GITHUB_RUN_NUMBER"),
            sha=_text(environ, "GITHUB_SHA"),
            ref=_text(environ, "GITHUB_REF"),
            event_name=_text(environ, "GITHUB_EVENT_NAME"),
            event_path=_text(environ, "GITHUB_EVENT_PATH"),
            step_summary=_text(environ, "GITHUB_STEP_SUMMARY"),
            output=_text(environ, "GITHUB_OUTPUT"),
            env=_text(environ, "GITHUB_ENV"),
            state=_text(environ, "GITHUB_STATE"),
            path=_text(environ, "GITHUB_PATH"),
            actor=_text(environ, "GITHUB_ACTOR"),
            job=_text(environ, "GITHUB_JOB"),
            workflow=_text(environ, "GITHUB_WORKFLOW"),
            runner_temp=_text(environ, "RUNNER_TEMP"),
            # The runner sets RUNNER_DEBUG=1 when a run is re-run with debug logging.
            runner_debug=environ.get("RUNNER_DEBUG") == "1",
        )

    @property
    def run_url(self) -> str | None:
        """Link to this workflow run (attempt included when known), or None outside a run."""
        if not self.repository or self.run_id is None:
            return None
        url = f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"
        return f"{url}/attempts/{self.run_attempt}" if self.run_attempt else url
