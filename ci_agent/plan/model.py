"""The model's two additions to a plan, when one is configured: the reviewers' paragraph and
the things to check. Both are checked against the plan and the change before they are shown,
and neither is part of the plan's bytes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ci_agent.llm.provider import LLMProvider, LogFn
    from ci_agent.llm.setup import LLMSetup
    from ci_agent.metrics import Metrics
    from ci_agent.plan.checklist import ChangeView, Checklist
    from ci_agent.plan.narrative import Narrative
    from ci_agent.plan.run import Checker, Narrator
    from ci_agent.retry import RetryPolicy

__all__ = ["model_annotators", "model_checker", "model_narrator"]


def _configured(setup: LLMSetup) -> bool:
    """Whether a model was asked for: an API key or a provider set, not the Actions token alone
    (``llm.provider: auto`` choosing GitHub Models): a deploy job should not call a model
    nobody asked for."""
    from ci_agent.llm.choice import choose_provider

    choice = choose_provider(setup)
    return not (
        choice.provider == "none"
        or (setup.llm.provider == "auto" and choice.provider == "github-models")
    )


def _provider(
    setup: LLMSetup, metrics: Metrics | None, retry: RetryPolicy | None, log: LogFn | None
) -> LLMProvider:
    from ci_agent.llm.factory import build_provider

    return build_provider(setup, metrics=metrics, retry=retry, log=log)


def model_narrator(
    setup: LLMSetup,
    *,
    metrics: Metrics | None = None,
    retry: RetryPolicy | None = None,
    log: LogFn | None = None,
) -> Narrator | None:
    """A narrator when a model is configured; None otherwise (the plan is unchanged)."""
    if not _configured(setup):
        return None

    def narrate(plan: Mapping[str, Any]) -> Narrative:
        from ci_agent.plan.narrative import write_narrative

        return write_narrative(_provider(setup, metrics, retry, log), plan)

    return narrate


def model_checker(
    setup: LLMSetup,
    *,
    metrics: Metrics | None = None,
    retry: RetryPolicy | None = None,
    log: LogFn | None = None,
) -> Checker | None:
    """A checker (things to check) when a model is configured; None otherwise."""
    if not _configured(setup):
        return None

    def check(plan: Mapping[str, Any], view: ChangeView) -> Checklist:
        from ci_agent.plan.checklist import write_checklist

        return write_checklist(_provider(setup, metrics, retry, log), plan, view)

    return check


def model_annotators(
    setup: LLMSetup,
    *,
    metrics: Metrics | None = None,
    retry: RetryPolicy | None = None,
    log: LogFn | None = None,
) -> tuple[Narrator | None, Checker | None]:
    """The narrator and the checker of one run, sharing its metrics, retry policy and log."""
    narrator = model_narrator(setup, metrics=metrics, retry=retry, log=log)
    return narrator, model_checker(setup, metrics=metrics, retry=retry, log=log)
