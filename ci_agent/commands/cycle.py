"""The run-render-exit cycle of a command, in parts that need neither Settings nor the
composition root: :func:`ci_agent.commands.common.execute` is made of them, and so is the local
triage that runs without the configuration layer (:mod:`ci_agent.commands.triage_local`)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence

from ci_agent.errors import CiAgentError, fail, signal_name
from ci_agent.metrics import Metrics
from ci_agent.outcome import Outcome, render
from ci_agent.record import replace
from ci_agent.redact import Redactor
from ci_agent.terminal import Terminal

__all__ = ["early_terminal", "env_secrets", "finish", "run_body", "terminal"]


def env_secrets(environ: Mapping[str, str]) -> list[str]:
    """Credential values in the environment (and the action's inputs) to mask and redact."""
    names = ("GITHUB_TOKEN", "GH_TOKEN", "OPENAI_API_KEY", "AZURE_OPENAI_API_KEY")
    inputs = (
        "INPUT_GITHUB_TOKEN",
        "INPUT_OPENAI_API_KEY",
        "INPUT_GITHUB-TOKEN",
        "INPUT_OPENAI-API-KEY",
    )
    return [environ[n] for n in (*names, *inputs) if environ.get(n)]


def terminal(
    secrets: Sequence[str],
    *,
    color: bool,
    quiet: bool,
    verbosity: int,
    in_actions: bool,
    output: str,
) -> Terminal:
    """The run's terminal on stdout and stderr, redacting ``secrets`` (masked first in
    Actions)."""
    term = Terminal(
        sys.stdout,
        sys.stderr,
        redact=Redactor(secrets),
        color=color,
        quiet=quiet,
        verbosity=verbosity,
        in_actions=in_actions,
        output=output,
        secrets=secrets,
    )
    term.mask_secrets()
    return term


def early_terminal(environ: Mapping[str, str], output: str | None, *, color: bool) -> Terminal:
    """A Terminal for errors met before the settings exist (the job log's rules still hold)."""
    secrets = env_secrets(environ)
    return Terminal(
        sys.stdout,
        sys.stderr,
        redact=Redactor(secrets),
        color=color and not environ.get("NO_COLOR"),
        in_actions=environ.get("GITHUB_ACTIONS") == "true",
        output=output or "text",
        secrets=secrets,
    )


def run_body(
    body: Callable[[], Outcome], command: str, *, term: Terminal, metrics: Metrics, verbosity: int
) -> Outcome:
    """``body``'s outcome, timed as ``total``; a failure becomes an outcome with its error
    (a coded one as it is, anything else CA601), never a traceback unless -vv asks."""
    try:
        with metrics.timed("total"):
            return body()
    except CiAgentError as exc:
        _maybe_traceback(term, verbosity)
        return Outcome(command, errors=[exc])
    except KeyboardInterrupt as exc:
        return Outcome(command, errors=[fail("CA702", signal=signal_name(exc))])
    except Exception as exc:
        _maybe_traceback(term, verbosity, always=True)
        return Outcome(command, errors=[fail("CA601", problem=f"{type(exc).__name__}: {exc}")])


def _maybe_traceback(term: Terminal, verbosity: int, *, always: bool = False) -> None:
    """Tracebacks only at -vv; for internal errors a hint how to get one."""
    if verbosity >= 2:
        import traceback

        term.traceback(traceback.format_exc())
    elif always:
        term.detail("(run with -vv for the traceback)", level=0)


def finish(
    outcome: Outcome,
    *,
    term: Terminal,
    metrics: Metrics,
    output: str,
    dry_run: bool,
) -> int:
    """Print the outcome in the chosen format (and its errors on stderr, but for JSON, which
    holds them); the exit code."""
    outcome = replace(outcome, dry_run=dry_run)
    term.result(render(outcome, metrics, output, term.redact))
    if output != "json":
        for error in outcome.errors:
            term.error(error)
    return outcome.exit_code
