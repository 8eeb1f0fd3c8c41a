"""The composition root: everything a capability may use, built once per invocation.

``execute`` (the CLI's run cycle) builds one :class:`Services` from the run's settings, hands it
to the command through the :class:`~ci_agent.commands.common.Invocation`, and closes it when
the command returns. Nothing here does I/O when it is built: a GitHub forge is opened on first
use (one per repository, so a job's writes share one pacing).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ci_agent.config import Settings
from ci_agent.llm.setup import LLMSetup
from ci_agent.metrics import Metrics
from ci_agent.retry import RetryPolicy
from ci_agent.terminal import Terminal

if TYPE_CHECKING:
    from ci_agent.forge.github import GitHubForge
    from ci_agent.runner import Runner

__all__ = ["Services", "llm_setup"]


def llm_setup(settings: Settings) -> LLMSetup:
    """The part of the run's settings the LLM layer may see."""
    return LLMSetup(
        llm=settings.config.llm,
        openai_api_key=settings.openai_api_key,
        azure_api_key=settings.azure_api_key,
        azure_endpoint=settings.azure_endpoint,
        github_token=settings.github_token,
        in_actions=settings.in_actions,
        verbosity=settings.verbosity,
        max_retry_wait=settings.config.github.max_retry_wait,
    )


class Services:
    """The services of one invocation: GitHub forges, the LLM setup, the runner."""

    def __init__(
        self,
        settings: Settings,
        environ: Mapping[str, str],
        term: Terminal,
        metrics: Metrics,
        retry: RetryPolicy,
    ) -> None:
        self.settings = settings
        self.environ = environ
        self.term = term
        self.metrics = metrics
        self.retry = retry
        self._forges: dict[tuple[str, bool], GitHubForge] = {}

    def github(self, repository: str | None, *, push: bool = False) -> GitHubForge:
        """The forge for ``repository`` (CA105 when none is known), opened once per invocation.

        ``push`` gives the forge of the push token (an App or fine-grained token) when one is
        configured, and the ordinary one otherwise.
        """
        from ci_agent.forge.github import GitHubForge, settings_for

        settings = settings_for(self.settings, repository)
        push = push and settings.push_token is not None
        key = (settings.repository or "", push)
        if key not in self._forges:
            if push:
                settings = dataclasses.replace(settings, github_token=settings.push_token)
            self._forges[key] = GitHubForge.from_settings(settings, self.metrics, retry=self.retry)
        return self._forges[key]

    def llm_setup(self) -> LLMSetup:
        """The LLM layer's own configuration."""
        return llm_setup(self.settings)

    def rebind(self, settings: Settings, retry: RetryPolicy) -> None:
        """Use ``settings`` from now on (read at the base commit): open forges are closed, so
        the next one is built from them."""
        self.close()
        self.settings, self.retry = settings, retry

    def runner(self) -> Runner:
        """The Actions runner protocol (outputs, summary, annotations) on this run's log."""
        from ci_agent.runner import Runner

        return Runner(self.environ, self.term.out)

    def close(self) -> None:
        """Close every forge opened."""
        forges, self._forges = list(self._forges.values()), {}
        for forge in forges:
            forge.close()
