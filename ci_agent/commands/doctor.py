"""``ci-agent doctor``: describe the environment ci-agent sees and list what would go wrong."""

from __future__ import annotations

import dataclasses
import functools
import platform
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from ci_agent import __version__
from ci_agent.commands.common import Invocation, execute, global_options
from ci_agent.config import CliOverrides, Settings
from ci_agent.errors import CiAgentError, fail
from ci_agent.git import Git
from ci_agent.llm.choice import choose_provider
from ci_agent.outcome import Outcome
from ci_agent.record import replace
from ci_agent.report.value import Report

if TYPE_CHECKING:
    from ci_agent.retry import RetryPolicy

__all__ = ["diagnose", "doctor"]


@dataclass(frozen=True)
class Problem:
    """Something doctor found: an error stops a run, a warning limits it, info explains it."""

    severity: str
    code: str
    message: str
    suggestion: str

    @classmethod
    def of(cls, severity: str, error: CiAgentError) -> Problem:
        """A problem from a coded error."""
        return cls(severity, error.code, error.message, error.suggestion)


# A doctor check should answer in seconds: two attempts, a short total wait.
REMOTE_ATTEMPTS = 2
REMOTE_MAX_WAIT = 10.0


@click.command()
@click.option(
    "--check-remote",
    is_flag=True,
    help="Also make one cheap request to GitHub and one to the LLM provider.",
)
@global_options
def doctor(overrides: CliOverrides, check_remote: bool = False) -> int:
    """Describe the environment: Actions or local, event, repository, credentials, LLM, problems."""
    body = functools.partial(diagnose, check_remote=True) if check_remote else diagnose
    # Doctor reports the settings as they are: it reads no configuration at the base commit.
    return execute(overrides, "doctor", body, tolerate_config_error=True, base_config=False)


def diagnose(invocation: Invocation, *, check_remote: bool = False) -> Outcome:
    """Build the doctor report; exit non-zero only when a problem would stop a run.

    Offline unless ``check_remote``: then ``result["remote"]`` reports one request to GitHub
    and one to the LLM provider, each ``ok`` or a coded error (an error fails the run).
    """
    settings = invocation.settings
    problems: list[Problem] = []
    if invocation.config_error is not None:
        problems.append(Problem.of("error", invocation.config_error))
    event = _event(invocation, problems)
    repo = _repository(settings, problems)
    choice = choose_provider(invocation.use.llm_setup())
    if choice.provider == "none":
        problems.append(Problem.of("info", fail("CA406")))
    elif choice.problem:
        problems.append(Problem.of("error", fail("CA116", problem=choice.problem)))
    remote = _check_remote(invocation, repo["name"], problems) if check_remote else None
    result: dict[str, Any] = {
        "env": {
            "kind": "actions" if settings.in_actions else "local",
            "ci_agent": __version__,
            "python": platform.python_version(),
            "platform": platform.platform(terse=True),
            "git": repo.pop("git_version"),
        },
        "event": event,
        "repo": repo,
        "github": {"api_url": settings.github_api_url},
        "credentials": _credentials(settings),
        "llm": {
            "provider": choice.provider,
            "model": choice.model,
            "base_url": choice.base_url,
            "reason": choice.reason,
        },
        "config": {
            "path": str(settings.config_path) if settings.config_path else None,
            "note": settings.config_source.note,
        },
        "capabilities": _capabilities(),
        "dry_run": settings.dry_run,
        "problems": [p.__dict__ for p in problems],
    }
    if remote is not None:
        result["remote"] = remote
    # Jinja2 is imported only for the markdown rendering: doctor answers faster without it.
    markdown = ""
    if settings.output == "markdown" or settings.in_actions:  # the job summary is markdown
        from ci_agent.render import TemplateRenderer

        markdown = TemplateRenderer().render("reports/doctor.md.j2", **result)
    errors = [_as_error(p) for p in problems if p.severity == "error"]
    report = Report(
        f"{len(problems)} problem(s), {len(errors)} error(s)" if problems else "no problems",
        conclusion="failure" if errors else "success",
    )
    outcome = Outcome("doctor", result=result, text=_text(result), markdown=markdown)
    return replace(outcome, errors=errors, report=report)


def _check_remote(
    invocation: Invocation, repository: str | None, problems: list[Problem]
) -> dict[str, Any]:
    """One request to GitHub and one to the LLM, each reported as ok or a coded error."""
    from ci_agent.retry import RetryConfig, RetryPolicy

    settings = invocation.settings
    if repository and not settings.repository:  # known from the git remote only
        settings = dataclasses.replace(settings, repository=repository)
    wait = min(REMOTE_MAX_WAIT, settings.config.github.max_retry_wait)
    retry = RetryPolicy(RetryConfig(max_attempts=REMOTE_ATTEMPTS, max_total_wait=wait))
    return {
        "github": _remote_result(lambda: _ping_github(invocation, settings, retry), problems),
        "llm": _remote_result(lambda: _ping_llm(invocation, settings, retry), problems),
    }


def _remote_result(check: Callable[[], dict[str, Any]], problems: list[Problem]) -> dict[str, Any]:
    try:
        details: dict[str, Any] = check()
    except CiAgentError as exc:
        if exc.code == "CA406":  # no LLM is a supported way to run, not a failure
            return {"status": "skipped", "code": exc.code, "message": exc.message}
        problems.append(Problem.of("error", exc))
        return {"status": "error", "code": exc.code, "message": exc.message}
    return {"status": "ok", **details}


def _ping_github(invocation: Invocation, settings: Settings, retry: RetryPolicy) -> dict[str, Any]:
    from ci_agent.forge.github import check_github

    return check_github(settings, invocation.metrics, retry=retry)


def _ping_llm(invocation: Invocation, settings: Settings, retry: RetryPolicy) -> dict[str, Any]:
    from ci_agent.llm.factory import build_provider
    from ci_agent.llm.provider import ChatRequest, Message

    provider = build_provider(invocation.use.llm_setup(), metrics=invocation.metrics, retry=retry)
    request = ChatRequest((Message("user", "Reply with the single word OK."),), max_output_tokens=5)
    answer = provider.complete(request)
    return {"model": answer.model or provider.profile.model, "finish_reason": answer.finish_reason}


def _as_error(problem: Problem) -> CiAgentError:
    return fail(problem.code, problem.message, suggestion=problem.suggestion)


def _event(invocation: Invocation, problems: list[Problem]) -> dict[str, Any] | None:
    if not invocation.settings.in_actions:
        return None
    from ci_agent.runner.events import load_event

    environ = invocation.environ
    try:
        event = load_event(environ)
    except CiAgentError as exc:
        problems.append(Problem.of("error", exc))
        return {"name": environ.get("GITHUB_EVENT_NAME"), "loaded": False}
    return {
        "name": event.name,
        "action": event.action,
        "loaded": True,
        "pr_number": event.pr_number,
        "head_sha": event.head_sha,
        "sender": event.sender_login,
    }


def _repository(settings: Settings, problems: list[Problem]) -> dict[str, Any]:
    git = Git(settings.workspace)
    info: dict[str, Any] = {
        "name": settings.repository,
        "workspace": str(settings.workspace),
        "git_version": None,
        "is_git": False,
        "head": None,
        "branch": None,
        "shallow": None,
    }
    try:
        info["git_version"] = git.version()
        state = git.state()
        if state is None:
            problems.append(Problem.of("warning", fail("CA202", path=settings.workspace)))
            return info
        head, branch, shallow = state
        info.update(is_git=True, head=head, branch=branch, shallow=shallow)
        info["name"] = info["name"] or git.remote_repository()
    except CiAgentError as exc:
        problems.append(Problem.of("warning", exc))
        return info
    if info["shallow"]:
        problems.append(Problem.of("warning", fail("CA204", path=settings.workspace)))
    return info


def _capabilities() -> dict[str, list[str]]:
    """What this version can do, and what it names but has not built (those answer CA109)."""
    from ci_agent.capabilities import CAPABILITIES

    return {
        "available": [c.name for c in CAPABILITIES if c.available],
        "not_yet": [c.name for c in CAPABILITIES if not c.available],
    }


def _credentials(settings: Settings) -> dict[str, str]:
    def state(present: bool) -> str:
        return "present (redacted)" if present else "absent"

    return {
        "github_token": state(settings.github_token is not None),
        "openai_api_key": state(settings.openai_api_key is not None),
        "azure_openai_api_key": state(settings.azure_api_key is not None),
    }


def _text(result: dict[str, Any]) -> str:
    env, repo, llm = result["env"], result["repo"], result["llm"]
    event = result["event"]
    lines = [
        f"ci-agent {env['ci_agent']} on Python {env['python']} ({env['kind']}),"
        f" git {env['git'] or 'missing'}",
        f"event:        {(event and event['name']) or '-'}",
        f"repository:   {repo['name'] or '-'}"
        + (f" @ {repo['head'][:12]}" if repo["head"] else "")
        + (" (shallow)" if repo["shallow"] else ""),
        f"GitHub API:   {result['github']['api_url']}",
        f"LLM:          {llm['provider']}"
        + (f" ({llm['model']})" if llm["model"] else "")
        + f" - {llm['reason']}",
        f"config:       {result['config']['path'] or 'defaults (no file)'}",
        "can do:      "
        + " ".join(result["capabilities"]["available"])
        + (
            f" (not yet: {', '.join(result['capabilities']['not_yet'])})"
            if result["capabilities"]["not_yet"]
            else ""
        ),
        "credentials:  " + ", ".join(f"{k} {v}" for k, v in result["credentials"].items()),
    ]
    for name, check in (result.get("remote") or {}).items():
        detail = check.get("code", "") + " " + check.get("message", "")
        label = f"remote {name}:"
        lines.append(f"{label:<13} {check['status']} {detail.strip()}".rstrip())
    problems = result["problems"]
    lines.append(f"problems:     {len(problems) or 'none'}")
    lines += [f"  [{p['severity']}] {p['code']} {p['message']}" for p in problems]
    return "\n".join(lines)
