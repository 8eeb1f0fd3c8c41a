"""The triggering event: the webhook payload at ``GITHUB_EVENT_PATH`` and fields derived from it."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ci_agent.errors import CiAgentError, fail
from ci_agent.runner.payload import as_int, as_str, dig, dig_str, json_type_name, obj

__all__ = ["PULL_REQUEST_EVENTS", "Event", "event_payload", "load_event", "parse_event"]

# Events whose payload carries the full `pull_request` object.
PULL_REQUEST_EVENTS = frozenset(
    {"pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment"}
)

# `before` of a push that created the branch: no commit, so no base.
_NULL_SHA = "0" * 40


@dataclass(frozen=True)
class Event:
    """An event name, its payload and the fields ci-agent's capabilities need; None if absent."""

    name: str
    payload: Mapping[str, Any] = field(repr=False)
    action: str | None = None
    repository: str | None = None
    sender_login: str | None = None
    is_bot_sender: bool = False
    pr_number: int | None = None
    issue_number: int | None = None
    is_pr_comment: bool = False
    head_sha: str | None = None
    base_sha: str | None = None
    head_ref: str | None = None
    base_ref: str | None = None
    head_repo_full_name: str | None = None
    is_fork: bool = False
    comment_id: int | None = None
    comment_body: str | None = None
    comment_author: str | None = None
    comment_author_association: str | None = None
    workflow_run_id: int | None = None
    workflow_run_conclusion: str | None = None
    workflow_run_head_sha: str | None = None
    workflow_run_pull_requests: tuple[int, ...] = ()
    inputs: Mapping[str, str] = field(default_factory=dict)


def _branch(ref: str | None) -> str | None:
    """``refs/heads/main`` -> ``main``; other refs (tags) stay whole."""
    if ref and ref.startswith("refs/heads/"):
        return ref.removeprefix("refs/heads/")
    return ref


def _pull_request_fields(pr: Mapping[str, Any], repository: str | None) -> dict[str, Any]:
    head_repo = dig_str(pr, "head", "repo", "full_name")
    base_repo = dig_str(pr, "base", "repo", "full_name") or repository
    return {
        "pr_number": as_int(pr.get("number")),
        "head_sha": dig_str(pr, "head", "sha"),
        "base_sha": dig_str(pr, "base", "sha"),
        "head_ref": dig_str(pr, "head", "ref"),
        "base_ref": dig_str(pr, "base", "ref"),
        "head_repo_full_name": head_repo,
        # A deleted fork leaves `head.repo` null: treat it as foreign, never as our own.
        "is_fork": head_repo is None or head_repo != base_repo,
    }


def _comment_fields(comment: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "comment_id": as_int(comment.get("id")),
        "comment_body": as_str(comment.get("body")),
        "comment_author": dig_str(comment, "user", "login"),
        "comment_author_association": as_str(comment.get("author_association")),
    }


def _pull_request(payload: Mapping[str, Any], repository: str | None) -> dict[str, Any]:
    fields = _pull_request_fields(obj(payload.get("pull_request")), repository)
    comment = payload.get("comment")
    if isinstance(comment, Mapping):
        fields.update(_comment_fields(comment), is_pr_comment=True)
    return fields


def _issue_comment(payload: Mapping[str, Any], repository: str | None) -> dict[str, Any]:
    issue = obj(payload.get("issue"))
    number = as_int(issue.get("number"))
    # Only a comment on a pull request has `issue.pull_request`; the head SHA needs the API.
    is_pr = isinstance(issue.get("pull_request"), Mapping)
    fields = _comment_fields(obj(payload.get("comment")))
    fields.update(issue_number=number, is_pr_comment=is_pr, pr_number=number if is_pr else None)
    return fields


def _numbered_objects(value: object) -> list[Mapping[str, Any]]:
    """The objects of a JSON array that carry an integer ``number``."""
    items = value if isinstance(value, list) else []
    return [obj(item) for item in items if as_int(dig(item, "number")) is not None]


def _workflow_run(payload: Mapping[str, Any], repository: str | None) -> dict[str, Any]:
    run = obj(payload.get("workflow_run"))
    prs = _numbered_objects(run.get("pull_requests"))
    numbers = tuple(int(pr["number"]) for pr in prs)
    head_repo = dig_str(run, "head_repository", "full_name")
    base_repo = dig_str(run, "repository", "full_name") or repository
    # GitHub lists no pull requests for runs from forks; a single one is unambiguous.
    only = prs[0] if len(prs) == 1 else {}
    return {
        "workflow_run_id": as_int(run.get("id")),
        "workflow_run_conclusion": as_str(run.get("conclusion")),
        "workflow_run_head_sha": as_str(run.get("head_sha")),
        "workflow_run_pull_requests": numbers,
        "pr_number": numbers[0] if len(numbers) == 1 else None,
        "head_sha": as_str(run.get("head_sha")),
        "head_ref": as_str(run.get("head_branch")),
        "base_sha": dig_str(only, "base", "sha"),
        "base_ref": dig_str(only, "base", "ref"),
        "head_repo_full_name": head_repo,
        "is_fork": head_repo is None or head_repo != base_repo,
    }


def _push(payload: Mapping[str, Any], repository: str | None) -> dict[str, Any]:
    before = as_str(payload.get("before"))
    return {
        "head_sha": as_str(payload.get("after")),
        "base_sha": None if before == _NULL_SHA else before,
        "head_ref": _branch(as_str(payload.get("ref"))),
        "head_repo_full_name": repository,
    }


def _workflow_dispatch(payload: Mapping[str, Any], repository: str | None) -> dict[str, Any]:
    inputs = obj(payload.get("inputs"))
    return {
        "head_ref": _branch(as_str(payload.get("ref"))),
        "head_repo_full_name": repository,
        # Choice and string inputs arrive as strings; booleans as JSON true/false.
        "inputs": {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in inputs.items()},
    }


def _schedule(payload: Mapping[str, Any], repository: str | None) -> dict[str, Any]:
    return {"head_repo_full_name": repository}


_PARSERS: dict[str, Callable[[Mapping[str, Any], str | None], dict[str, Any]]] = {
    **dict.fromkeys(PULL_REQUEST_EVENTS, _pull_request),
    "issue_comment": _issue_comment,
    "workflow_run": _workflow_run,
    "push": _push,
    "workflow_dispatch": _workflow_dispatch,
    "schedule": _schedule,
}

# GITHUB_SHA is the commit these events run on; for others it is not the code under review.
_SHA_FROM_ENVIRONMENT = frozenset({"workflow_dispatch", "schedule"})


def parse_event(
    name: str, payload: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> Event:
    """Derive an :class:`Event` from a payload; unknown events keep only the common fields."""
    env = environ or {}
    repository = dig_str(payload, "repository", "full_name") or env.get("GITHUB_REPOSITORY")
    sender = obj(payload.get("sender"))
    login = as_str(sender.get("login"))
    fields = _PARSERS[name](payload, repository) if name in _PARSERS else {}
    if name in _SHA_FROM_ENVIRONMENT:
        fields["head_sha"] = env.get("GITHUB_SHA") or None
    return Event(
        name=name,
        payload=payload,
        action=as_str(payload.get("action")),
        repository=repository or None,
        sender_login=login,
        is_bot_sender=bool(login and login.endswith("[bot]")) or sender.get("type") == "Bot",
        **fields,
    )


def load_event(environ: Mapping[str, str]) -> Event:
    """Read ``GITHUB_EVENT_NAME`` and the JSON at ``GITHUB_EVENT_PATH``; CA110/CA111 on failure."""
    path_text = environ.get("GITHUB_EVENT_PATH", "")
    if not path_text:
        raise fail("CA110", file="$GITHUB_EVENT_PATH (not set)")
    path = Path(path_text)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise fail("CA110", file=path_text) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise fail("CA111", file=path_text, problem=str(exc)) from exc
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = f"line {exc.lineno} column {exc.colno}: {exc.msg}"
        raise fail("CA111", file=path_text, problem=problem) from exc
    if not isinstance(payload, dict):
        problem = f"the top level is a JSON {json_type_name(payload)}, not an object"
        raise fail("CA111", file=path_text, problem=problem)
    return parse_event(environ.get("GITHUB_EVENT_NAME", ""), payload, environ)


def event_payload(environ: Mapping[str, str]) -> Mapping[str, Any]:
    """The event's payload inside Actions; empty outside Actions or when it cannot be read
    (for optional details only: jobs that need the event use :func:`load_event`)."""
    if not environ.get("GITHUB_EVENT_PATH"):
        return {}
    try:
        return load_event(environ).payload
    except CiAgentError:
        return {}
