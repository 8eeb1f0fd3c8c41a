"""What every command shares: the global options and the run-render-exit cycle."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ci_agent.commands.cycle import early_terminal, env_secrets, finish, run_body, terminal
from ci_agent.compose import Services
from ci_agent.config import CliOverrides, Settings, load_settings
from ci_agent.config_env import OUTPUT_FORMATS
from ci_agent.debug_lines import metrics_lines, settings_lines
from ci_agent.errors import CiAgentError, fail
from ci_agent.metrics import Metrics
from ci_agent.outcome import Outcome, envelope, render
from ci_agent.retry import RetryConfig, RetryPolicy
from ci_agent.terminal import Terminal

if TYPE_CHECKING:  # click loads only where a command is parsed by it (not ``triage --log``)
    import click

__all__ = [
    "Invocation",
    "execute",
    "global_options",
    "report_early_error",
    "unknown_command",
    "with_base_config",
]


@dataclass(frozen=True)
class Invocation:
    """What a command body receives: resolved settings and the run's terminal and counters."""

    settings: Settings
    term: Terminal
    metrics: Metrics
    environ: Mapping[str, str]
    cwd: Path
    config_error: CiAgentError | None = None
    # One policy for the whole run, shared by the GitHub and LLM layers, so the total-wait
    # bound (github.max-retry-wait) covers the run rather than each layer separately.
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # Built by the composition root once per invocation (forges, LLM provider, renderer, runner).
    services: Services | None = None

    @property
    def use(self) -> Services:
        """The invocation's services (built on demand for invocations made without them)."""
        if self.services is not None:
            return self.services
        from ci_agent.compose import Services

        services = Services(self.settings, self.environ, self.term, self.metrics, self.retry)
        object.__setattr__(self, "services", services)
        return services


Body = Callable[[Invocation], Outcome]


def _check_output(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and value not in OUTPUT_FORMATS:
        raise fail("CA106", name="--output", value=value, allowed=", ".join(OUTPUT_FORMATS))
    return value


def _global_options() -> tuple[Callable[[Callable[..., int]], Callable[..., int]], ...]:
    import click

    return (
        click.option(
            "-v",
            "--verbose",
            "verbose",
            count=True,
            help="More detail; -vv adds settings, prompts, metrics and tracebacks.",
        ),
        click.option("-q", "--quiet", is_flag=True, help="Print only the result and errors."),
        click.option(
            "--dry-run",
            is_flag=True,
            help="Change nothing on GitHub or in the repository; print what would be done.",
        ),
        click.option(
            "--output",
            "output",
            metavar="text|json|markdown",
            callback=_check_output,
            help="Result format on stdout (default text).",
        ),
        click.option(
            "--config",
            "config",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Configuration file (default .github/ci-agent.yml).",
        ),
        click.option("--no-color", is_flag=True, help="No colours (NO_COLOR is honoured too)."),
    )


def global_options(function: Callable[..., int]) -> Callable[..., int]:
    """Add the global options to a command and hand them over as one CliOverrides."""

    @functools.wraps(function)
    def wrapper(**kwargs: Any) -> int:
        overrides = CliOverrides(
            output=kwargs.pop("output"),
            verbosity=kwargs.pop("verbose"),
            quiet=kwargs.pop("quiet"),
            dry_run=kwargs.pop("dry_run") or None,
            no_color=kwargs.pop("no_color"),
            config=kwargs.pop("config"),
            fail_level=kwargs.pop("fail_level", None),
        )
        return function(overrides, **kwargs)

    decorated: Callable[..., int] = wrapper
    for option in reversed(_global_options()):
        decorated = option(decorated)
    return decorated


def execute(
    overrides: CliOverrides,
    command: str,
    body: Body,
    *,
    tolerate_config_error: bool = False,
    environ: Mapping[str, str] | None = None,
    base_config: bool = True,
) -> int:
    """Build settings, run ``body``, render its outcome, return the exit code.

    ``base_config``: read the base commit's config file first where the checkout may hold a
    pull request's code (False for commands that use no configuration, or read it later).
    """
    env = os.environ if environ is None else environ
    cwd = Path.cwd()
    metrics = Metrics()
    config_error: CiAgentError | None = None
    try:
        settings = _settings(overrides, env, cwd, metrics, base_config=base_config)
    except CiAgentError as exc:
        if not tolerate_config_error:
            return _emit_error(exc, overrides, command, env)
        config_error = exc
        settings = Settings(
            output=overrides.output or "text",
            verbosity=overrides.verbosity,
            quiet=overrides.quiet,
            workspace=cwd,
            in_actions=env.get("GITHUB_ACTIONS") == "true",
        )
    secrets = (*settings.secrets(), *env_secrets(env))
    term = terminal(
        secrets,
        color=settings.color,
        quiet=settings.quiet,
        verbosity=settings.verbosity,
        in_actions=settings.in_actions,
        output=settings.output,
    )
    retry = RetryPolicy(RetryConfig(max_total_wait=settings.config.github.max_retry_wait))
    services = Services(settings, env, term, metrics, retry)
    invocation = Invocation(settings, term, metrics, env, cwd, config_error, retry, services)
    for line in settings_lines(settings):  # -vv: what the run resolved
        term.detail(line, level=2)
    try:
        outcome = run_body(
            lambda: body(invocation),
            command,
            term=term,
            metrics=metrics,
            verbosity=settings.verbosity,
        )
    finally:
        services.close()
    for line in metrics_lines(metrics):
        term.detail(line, level=2)
    return finish(
        outcome, term=term, metrics=metrics, output=settings.output, dry_run=settings.dry_run
    )


def _settings(
    overrides: CliOverrides,
    environ: Mapping[str, str],
    cwd: Path,
    metrics: Metrics,
    *,
    base_config: bool,
) -> Settings:
    """The run's settings; anything unforeseen while reading them is still a coded error, so
    the run ends with its message (and the JSON envelope when asked), never a traceback."""
    try:
        settings = load_settings(overrides, environ, cwd)
        if base_config:
            from ci_agent.config_trust import resolve

            settings = resolve(settings, metrics=metrics)
    except CiAgentError:
        raise
    except Exception as exc:
        problem = f"reading the settings failed: {type(exc).__name__}: {exc}"
        raise fail("CA601", problem=problem) from exc
    return settings


def with_base_config(invocation: Invocation) -> Invocation:
    """``invocation`` with the base commit's configuration when it is still to be read (see
    :mod:`ci_agent.config_trust`); the retry policy follows the configuration read."""
    from ci_agent.config_trust import resolve

    settings = resolve(invocation.settings, metrics=invocation.metrics, retry=invocation.retry)
    if settings is invocation.settings:
        return invocation
    retry = RetryPolicy(RetryConfig(max_total_wait=settings.config.github.max_retry_wait))
    if invocation.services is not None:
        invocation.services.rebind(settings, retry)
    return dataclasses.replace(invocation, settings=settings, retry=retry)


def _emit_error(
    error: CiAgentError, overrides: CliOverrides, command: str, environ: Mapping[str, str]
) -> int:
    term = early_terminal(environ, overrides.output, color=not overrides.no_color)
    if overrides.output == "json":
        outcome = Outcome(command, errors=[error])
        term.result(render(outcome, Metrics(), "json", term.redact))
    else:
        term.error(error)
    return error.exit_code


def report_early_error(error: CiAgentError, args: list[str]) -> int:
    """Report an error raised while parsing arguments, in the format the arguments asked for."""
    wants_json = "--output=json" in args or any(
        a == "--output" and b == "json" for a, b in itertools.pairwise(args)
    )
    from ci_agent.capabilities import COMMANDS

    command = next((a for a in args if a in COMMANDS), "")
    term = early_terminal(
        os.environ, "json" if wants_json else None, color="--no-color" not in args
    )
    if wants_json:
        payload = envelope(Outcome(command, errors=[error]), Metrics())
        term.result(term.redact(json.dumps(payload, indent=2)))
    else:
        term.error(error)
    return error.exit_code


def unknown_command(name: str, known: list[str]) -> CiAgentError:
    """The coded error for a command name that does not exist, with a did-you-mean hint."""
    import difflib

    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return fail("CA107", command=name, hint=hint, allowed=", ".join(known))
