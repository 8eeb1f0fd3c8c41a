"""The plan's environment gates checked against GitHub: approval needs required reviewers.

A manifest's ``approval: true`` is only a promise until the GitHub Environment of that name
has a ``required_reviewers`` protection rule: without it (or without the environment) the
deployment job runs unapproved. ``wait-timer-minutes`` likewise needs the environment's wait
timer, at least that long. Each environment the plan goes to with such a gate is read once
(``GET /repos/{owner}/{repo}/environments/{name}``); what is missing is a coded finding
(CA553, CA554) with the fix. A token that may not read environments (403: the job lacks
``actions: read``) stops the reading and the result says the gates were not checked — never
that they are missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ci_agent.errors import CiAgentError, fail
from ci_agent.forge.run_protocol import EnvironmentRules

__all__ = ["check_environments", "environments_markdown"]

_UNREADABLE = frozenset({"CA303", "CA304"})


def check_environments(forge: EnvironmentRules, plan: Mapping[str, Any]) -> dict[str, Any]:
    """The environments with gates, what GitHub holds for each, and the findings."""
    gated = [
        g for g in plan.get("environments", ()) if g.get("approval") or g.get("wait_timer_minutes")
    ]
    checked: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    for index, gate in enumerate(gated):
        name = gate["environment"]
        try:
            protection = forge.environment_protection(name)
        except CiAgentError as exc:
            if exc.code not in _UNREADABLE:
                raise
            left = [g["environment"] for g in gated[index:]]
            return {
                "checked": checked,
                "findings": findings,
                "skipped": f"{exc.code} {exc.message}: not checked: {', '.join(left)} "
                "(give the plan job actions: read)",
            }
        seen: dict[str, Any] = {"environment": name, "exists": protection is not None}
        if protection is not None:
            seen.update(
                reviewers=protection.reviewers,
                wait_timer_minutes=protection.wait_timer_minutes,
                rules=list(protection.rules),
            )
        checked.append(seen)
        if gate.get("approval") and (protection is None or not protection.requires_reviewers):
            problem = (
                "does not exist"
                if protection is None
                else "has no required reviewers protection rule"
            )
            findings.append(_finding("CA553", name, problem=problem))
        expected = int(gate.get("wait_timer_minutes") or 0)
        if expected and (protection is None or protection.wait_timer_minutes < expected):
            problem = (
                "does not exist"
                if protection is None
                else f"waits {protection.wait_timer_minutes} minute(s)"
            )
            findings.append(_finding("CA554", name, problem=problem, expected=expected))
    return {"checked": checked, "findings": findings, "skipped": ""}


def _finding(code: str, environment: str, **context: Any) -> dict[str, Any]:
    error = fail(code, environment=environment, **context)
    return {
        "code": code,
        "environment": environment,
        "message": error.message,
        "suggestion": error.suggestion,
    }


def environments_markdown(check: Mapping[str, Any]) -> str:
    """A section for the plan's comment, summary and check run ("" when nothing was gated)."""
    if not check["checked"] and not check["skipped"]:
        return ""
    lines = ["", "### GitHub Environments", ""]
    if not check["findings"] and check["checked"]:
        names = ", ".join(f"`{c['environment']}`" for c in check["checked"])
        lines.append(f"The approval and wait-timer gates hold in GitHub: {names}.")
    lines += [f"- **{f['code']}** {f['message']}. {f['suggestion']}" for f in check["findings"]]
    if check["skipped"]:
        lines.append(f"- Not checked: {check['skipped']}")
    return "\n".join(lines) + "\n"
