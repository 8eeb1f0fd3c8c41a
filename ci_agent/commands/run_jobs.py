"""Jobs that ``ci-agent run`` starts from events: the PR review and PR comment commands.

Comment commands run only for people who can write to the repository: the comment's
``author_association`` must be OWNER, MEMBER or COLLABORATOR *and* the collaborator
permission API must say write or admin (read-only org members also show as MEMBER).
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import TYPE_CHECKING

from ci_agent.commands.common import Invocation
from ci_agent.errors import CiAgentError, fail
from ci_agent.forge.types import CommentKind
from ci_agent.outcome import Outcome
from ci_agent.runner.events import Event

if TYPE_CHECKING:
    from ci_agent.forge.github import GitHubForge

__all__ = ["TRUSTED_ASSOCIATIONS", "comment_command", "pull_request_review"]

TRUSTED_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
HELP_MARKER = "help"


def _repository(invocation: Invocation, event: Event) -> str:
    repository = invocation.settings.repository or event.repository
    if not repository:
        raise fail("CA105", name="repository", suggestion="GITHUB_REPOSITORY is set by Actions.")
    return repository


def pull_request_review(invocation: Invocation, event: Event) -> Outcome:
    """Review the event's pull request; with a read-only token, annotate instead of posting."""
    from ci_agent.commands.review import github_review

    if event.pr_number is None:
        raise fail("CA113", event=event.name, command="review", allowed="pull_request")
    outcome = github_review(invocation, _repository(invocation, event), event.pr_number)
    return outcome.with_result({"job": "review"})


def comment_command(invocation: Invocation, event: Event, command: str) -> Outcome:
    """``/ci-agent review``, ``fix``, ``tests`` or ``help`` from a PR comment, behind the
    permission gate."""
    from ci_agent.forge.github import settings_for

    repository = _repository(invocation, event)
    number = event.issue_number or event.pr_number
    if number is None or event.comment_id is None or not event.comment_author:
        raise fail(
            "CA111", file="GITHUB_EVENT_PATH", problem="the comment event lacks its PR or comment"
        )
    settings = settings_for(invocation.settings, repository)
    forge = invocation.use.github(repository)
    refusal = _refusal(forge, event)
    if refusal:
        # Nothing is written for someone who may not run commands (not even a reaction).
        result = {"job": command, "skipped": refusal, "code": "CA333"}
        return Outcome("run", result=result, text=f"refused (CA333): {refusal}")
    if command == "comment-tests":
        # The writer saw the code at comment time: a push since must not ride on their word.
        _same_head_as_commented(forge, number, event, "tests")
        asked = (number, event.comment_id)
        return _tests(invocation, forge, event, asked, command)
    if settings.dry_run:
        return Outcome("run", result={"job": command, "dry_run": True}, text=f"would run {command}")
    forge.add_reaction(_kind(event), event.comment_id, "eyes")
    try:
        if command == "comment-review":
            from ci_agent.commands.review import github_review

            _same_head_as_commented(forge, number, event)
            # The same forge: the job's writes stay ≥ 1 s apart (secondary rate limits).
            outcome = github_review(invocation, repository, number, forge)
        elif command == "comment-fix":
            from ci_agent.commands.fix import FixArgs, fix_with_forge

            _same_head_as_commented(forge, number, event, "fix")
            # The commands job cannot push (contents: read): a fix lands as suggestions.
            args = FixArgs(pr=number, compute=False, delivery="suggest")
            outcome = fix_with_forge(invocation, forge, repository, args)
        else:
            outcome = _help(forge, number)
    except Exception:
        # Any failure, not only coded ones; and a failing reaction must not hide the cause.
        with contextlib.suppress(CiAgentError):
            forge.add_reaction(_kind(event), event.comment_id, "confused")
        raise
    forge.add_reaction(_kind(event), event.comment_id, "rocket")
    return outcome.with_result({"job": command, "requested_by": event.comment_author})


def _tests(
    invocation: Invocation,
    forge: GitHubForge,
    event: Event,
    asked: tuple[int, int],
    command: str,
) -> Outcome:
    """``/ci-agent tests``: re-run the pull request's own run (reads only in a dry run)."""
    from ci_agent.commands.tests_comment import TestsComment, rerun_tests

    settings = invocation.settings
    number, comment_id = asked
    workflow = settings.config.test_generation.workflow
    outcome = rerun_tests(forge, TestsComment(number, comment_id, workflow, settings.dry_run))
    if "reply_id" in outcome.result and "skipped" not in outcome.result:
        with contextlib.suppress(CiAgentError):  # the reply says it; a reaction is a courtesy
            forge.add_reaction(_kind(event), comment_id, "confused" if outcome.errors else "rocket")
    return outcome.with_result({"job": command, "requested_by": event.comment_author})


def _kind(event: Event) -> CommentKind:
    return CommentKind.REVIEW if event.name == "pull_request_review_comment" else CommentKind.ISSUE


def _refusal(forge: GitHubForge, event: Event) -> str:
    """Why the commenter may not run commands, or "" when they may."""
    from ci_agent.forge.types import Permission

    author = event.comment_author or ""
    if author.endswith("[bot]") or event.is_bot_sender:
        return "comments from bots are ignored"
    if (event.comment_author_association or "") not in TRUSTED_ASSOCIATIONS:
        return f"{author} is not an owner, member or collaborator of the repository"
    permission = forge.permission(author)
    if not permission.at_least(Permission.WRITE):
        return f"{author} has '{permission.value}' permission; commands need write or admin"
    return ""


def _help(forge: GitHubForge, number: int) -> Outcome:
    """The help comment: one per pull request, edited in place when asked for again."""
    from ci_agent.markers import marker
    from ci_agent.render import TemplateRenderer
    from ci_agent.report.sticky_comment import find_ours, upsert_comment

    key = f"pr-{number}"
    body = marker(HELP_MARKER, key) + "\n" + TemplateRenderer().render("comments/help.md.j2")
    existing = find_ours(forge.comments(number, CommentKind.ISSUE), HELP_MARKER, key)
    comment_id, action = upsert_comment(forge, number, body, existing)
    return Outcome(
        "run",
        result={"help_comment_id": comment_id, "help_comment": action},
        text=f"help comment {action}",
    )


def _same_head_as_commented(
    forge: GitHubForge, number: int, event: Event, command: str = "review"
) -> None:
    """Refuse when the pull request got new commits after the comment was written.

    The person who asked saw the code at comment time; a push made since (perhaps by someone
    without write access) must not ride on their permission. Compared by commit time, which
    the pusher sets, so this guards against the common race, not a determined forger — the
    job is a read-only review either way.
    """
    written = event.payload.get("comment", {}).get("created_at")
    commits = list(forge.commits(number))
    if not written or not commits:
        return
    asked = datetime.fromisoformat(str(written).replace("Z", "+00:00"))
    head = commits[-1]
    if head.committed_at is not None and head.committed_at > asked:
        raise fail(
            "CA113",
            f"pull request #{number} changed after the command was written "
            f"(head {head.sha[:12]} is newer than the comment)",
            suggestion="Look at the new commits, then comment the command again.",
            event=event.name,
            command=command,
            allowed="a comment newer than the pull request's head",
        )
