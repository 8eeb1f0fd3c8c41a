"""``ci-agent review``: review a local diff (``--base``) or a pull request (``--repo --pr``)."""

from __future__ import annotations

from pathlib import Path

import click

from ci_agent import __version__
from ci_agent.commands.common import Invocation, execute, global_options
from ci_agent.config import CliOverrides
from ci_agent.errors import fail
from ci_agent.outcome import Outcome

__all__ = ["review"]


@click.command()
@click.option("--base", "base", metavar="REF", help="Local mode: review the change from REF.")
@click.option(
    "--head",
    "head",
    metavar="REF",
    default="HEAD",
    show_default=True,
    help="Local mode: up to REF.",
)
@click.option("--repo", "repo", metavar="OWNER/NAME", help="GitHub mode: the repository.")
@click.option("--pr", "number", type=int, metavar="N", help="GitHub mode: the pull request number.")
@click.option(
    "--path",
    "path",
    type=click.Path(path_type=Path, file_okay=False),
    help="Local repository (default: current directory).",
)
@click.option(
    "--fail-level",
    "fail_level",
    metavar="SEVERITY",
    help="Exit 1 on findings at or above it (none..critical).",
)
@global_options
def review(
    overrides: CliOverrides,
    *,
    base: str | None,
    head: str,
    repo: str | None,
    number: int | None,
    path: Path | None,
) -> int:
    """Review a change: locally between refs, or a GitHub pull request.

    Local mode prints the review (text, --output json or markdown) and posts nothing.
    """

    def body(invocation: Invocation) -> Outcome:
        if repo is not None or number is not None:
            raise fail("CA109", command="review --repo/--pr", version=__version__)
        if base is None:
            raise fail(
                "CA108",
                problem="give --base REF for a local review, or --repo OWNER/NAME --pr N",
                usage="ci-agent review",
            )
        return _local_review(invocation, path or invocation.cwd, base, head)

    return execute(overrides, "review", body)


def _local_review(invocation: Invocation, path: Path, base: str, head: str) -> Outcome:
    from ci_agent.forge.local import LOCAL_PULL_REQUEST, LocalForge, LocalRepository
    from ci_agent.llm.choice import choose_provider
    from ci_agent.llm.factory import build_provider
    from ci_agent.render import TemplateRenderer
    from ci_agent.review.engine import ReviewEngine, StaticEngine
    from ci_agent.review.llm_engine import LLMEngine
    from ci_agent.review.pipeline import run_review
    from ci_agent.review.summary import review_markdown, review_result, review_text

    settings = invocation.settings
    review_config = settings.config.review
    repository = LocalRepository.open(path)
    forge = LocalForge(repository, base, head)
    renderer = TemplateRenderer([repository.root / ".github" / "ci-agent"])
    engines: list[ReviewEngine] = [
        StaticEngine(review_config.ruff_select, review_config.ruff_ignore)
    ]
    choice = choose_provider(settings)
    if choice.provider == "none":
        note = "no LLM configured: static engine only (set OPENAI_API_KEY or llm.provider)"
    else:
        provider = build_provider(settings, metrics=invocation.metrics, log=invocation.term.detail)
        pull_request = forge.pull_request(LOCAL_PULL_REQUEST)
        engines.append(
            LLMEngine(
                provider,
                renderer,
                pull_request,
                prompt=review_config.prompt,
                max_concurrency=settings.config.llm.max_concurrency,
            )
        )
        note = f"{choice.provider} model {choice.model}"
    invocation.term.info(f"reviewing {base}..{head} in {path}")
    with invocation.metrics.timed("review"):
        report = run_review(
            forge,
            LOCAL_PULL_REQUEST,
            review_config,
            settings.fail_level,
            engines,
            progress=invocation.term.detail,
        )
    result = review_result(report)
    result["notes"] = [*result["notes"], note]
    markdown = review_markdown(
        report,
        renderer,
        invocation.metrics,
        note=note,
        max_inline=settings.config.review.max_inline_comments,
        list_all=True,
    )
    return Outcome(
        "review",
        result=result,
        text=review_text(report) + f"\nnote: {note}",
        markdown=markdown,
        findings_at_fail_level=report.at_fail_level,
    )
