"""One immutable Settings, built at the edge from every source and passed explicitly.

Precedence, highest first: CLI flags > action inputs > environment > config file > defaults.
Where the checkout may hold a pull request's code (see :mod:`ci_agent.config_trust`) the config
file is not read from the checkout: Settings start from defaults and ``config_source`` is
pending until :func:`ci_agent.config_trust.resolve` reads the file at the base commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ci_agent.config_env import (
    DEFAULT_CONFIG_PATH,
    ENV_NAMES,
    OUTPUT_FORMATS,
    OutputFormat,
    credentials,
    env_bool,
)
from ci_agent.config_model import FileConfig, Severity
from ci_agent.config_source import ConfigSource, RepositoryTemplates
from ci_agent.errors import fail
from ci_agent.secret import Secret

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "OUTPUT_FORMATS",
    "CliOverrides",
    "Layers",
    "OutputFormat",
    "Settings",
    "apply_layers",
    "load_settings",
]

DEFAULT_API_URL = "https://api.github.com"
# Settings given outside the config file, lowest first: (source name, kebab-case tree).
Layers = tuple[tuple[str, Mapping[str, Any]], ...]
# GitHub keeps artifacts 1-90 days on public repositories.
RETENTION_RANGE = (1, 90)


@dataclass(frozen=True)
class CliOverrides:
    """Values given on the command line; None means 'not given'."""

    output: OutputFormat | None = None
    verbosity: int = 0
    quiet: bool = False
    dry_run: bool | None = None
    no_color: bool = False
    config: Path | None = None
    fail_level: str | None = None


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know, resolved once; never mutated, never global."""

    config: FileConfig = field(default_factory=FileConfig)
    config_path: Path | None = None
    output: OutputFormat = "text"
    verbosity: int = 0
    quiet: bool = False
    dry_run: bool = False
    color: bool = True
    workspace: Path = Path()
    in_actions: bool = False
    command: str = "auto"
    args: str = ""
    retention_days: int = 30
    repository: str | None = None
    github_api_url: str = DEFAULT_API_URL
    github_token: Secret | None = None
    # An App or fine-grained token for pushing fixes: pushes made with GITHUB_TOKEN start no CI.
    push_token: Secret | None = None
    openai_api_key: Secret | None = None
    azure_api_key: Secret | None = None
    azure_endpoint: str | None = None
    # Which config file was used (or is still to be read at the base commit), and why.
    config_source: ConfigSource = field(default_factory=ConfigSource)
    # Template overrides the repository supplies: the checkout's, the base's, or none.
    templates: RepositoryTemplates = field(default_factory=RepositoryTemplates)
    # Environment, inputs and flags, kept to apply again over the base commit's config file.
    config_layers: Layers = field(default=(), repr=False, compare=False)

    @property
    def fail_level(self) -> Severity:
        """Findings at or above this severity make the run exit 1."""
        return Severity.parse(self.config.fail_level)

    def secrets(self) -> tuple[str, ...]:
        """Every credential value, for masking and redaction."""
        found = (self.github_token, self.push_token, self.openai_api_key, self.azure_api_key)
        return tuple(s.reveal() for s in found if s is not None and s.reveal())


def load_settings(cli: CliOverrides, environ: Mapping[str, str], cwd: Path) -> Settings:
    """Resolve Settings from flags, action inputs, the environment and the config file."""
    from ci_agent.runner.inputs import get_bool_input, get_input

    in_actions = environ.get("GITHUB_ACTIONS") == "true"

    def action_input(name: str) -> str:
        return get_input(environ, name) if in_actions else ""

    workspace = Path(environ.get("GITHUB_WORKSPACE") or cwd) if in_actions else cwd
    layers: Layers = (
        ("environment", _env_layer(environ)),
        ("input", _input_layer(action_input)),
        ("flag", _cli_layer(cli)),
    )
    source, templates, file_config = _config_file(cli, action_input("config"), environ, workspace)
    config = apply_layers(file_config, layers)
    dry_run = cli.dry_run
    if dry_run is None and in_actions and action_input("dry-run"):
        dry_run = get_bool_input(environ, "dry-run")
    if dry_run is None:
        dry_run = env_bool(environ, "CI_AGENT_DRY_RUN")
    token, push_token, openai_key, azure_key = credentials(environ, action_input)
    return Settings(
        config=config,
        config_path=workspace / source.path if source.kind == "local" and source.found else None,
        output=cli.output or "text",
        verbosity=cli.verbosity,
        quiet=cli.quiet,
        dry_run=dry_run,
        color=not cli.no_color and not environ.get("NO_COLOR"),
        workspace=workspace,
        in_actions=in_actions,
        command=action_input("command") or "auto",
        args=action_input("args"),
        retention_days=_retention(action_input("retention-days")),
        repository=environ.get("GITHUB_REPOSITORY") or None,
        github_api_url=(environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
        github_token=_secret(token),
        push_token=_secret(push_token),
        openai_api_key=_secret(openai_key),
        azure_api_key=_secret(azure_key),
        azure_endpoint=environ.get("AZURE_OPENAI_ENDPOINT") or None,
        config_source=source,
        templates=templates,
        config_layers=layers,
    )


def _secret(value: str | None) -> Secret | None:
    return Secret(value) if value else None


def _config_file(
    cli: CliOverrides, input_value: str, environ: Mapping[str, str], workspace: Path
) -> tuple[ConfigSource, RepositoryTemplates, FileConfig]:
    """The config file's source and values: read from the workspace when the checkout is
    trusted; pending (defaults until the base commit's file is read) when it is not."""
    from ci_agent.config_trust import decide, repository_path

    explicit, required = _named_config(cli, input_value, environ)
    named = explicit or DEFAULT_CONFIG_PATH
    local = named if named.is_absolute() else workspace / named
    trust = decide(environ, workspace, local)
    if not trust.trusted:
        path = repository_path(named, workspace, trust.event)
        source = ConfigSource(
            "pending", path=path, ref=trust.ref, reason=trust.reason, required=required
        )
        return source, RepositoryTemplates(from_checkout=False), FileConfig()
    if required and not local.is_file():
        raise fail("CA104", file=explicit)
    found = local.is_file()
    shown = str(local.relative_to(workspace)) if local.is_relative_to(workspace) else str(local)
    source = ConfigSource("local", path=shown, found=found, reason=trust.reason)
    return source, RepositoryTemplates(), _read_config(local if found else None)


def _named_config(
    cli: CliOverrides, input_value: str, environ: Mapping[str, str]
) -> tuple[Path | None, bool]:
    """The config file named by a flag, input or CI_AGENT_CONFIG, and whether it must exist:
    an explicitly named file must; the action's default input value need not."""
    explicit = cli.config or (Path(input_value) if input_value else None)
    if explicit is None and environ.get("CI_AGENT_CONFIG"):
        explicit = Path(environ["CI_AGENT_CONFIG"])
    is_default = bool(input_value) and Path(input_value) == DEFAULT_CONFIG_PATH and not cli.config
    return explicit, explicit is not None and not is_default


def _read_config(path: Path | None) -> FileConfig:
    if path is None or not path.is_file():
        return FileConfig()
    from ci_agent.config_file import load_config_file

    return load_config_file(path)


# Where each overridable setting comes from, by source, as the user writes it there (the
# environment's: ENV_NAMES).
_INPUT_NAMES: dict[tuple[str, ...], str] = {
    ("fail-level",): "fail-level",
    ("llm", "provider"): "llm-provider",
    ("llm", "model"): "model",
    ("llm", "base-url"): "llm-base-url",
}
_FLAG_NAMES: dict[tuple[str, ...], str] = {("fail-level",): "--fail-level"}


def _tree(values: Mapping[tuple[str, ...], str | None]) -> dict[str, Any]:
    """``{("llm", "model"): "x"}`` -> ``{"llm": {"model": "x"}}``, unset values left out."""
    tree: dict[str, Any] = {}
    for path, value in values.items():
        if value:
            node = tree
            for part in path[:-1]:
                node = node.setdefault(part, {})
            node[path[-1]] = value
    return tree


def _env_layer(environ: Mapping[str, str]) -> dict[str, Any]:
    return _tree({path: environ.get(name) for path, name in ENV_NAMES.items()})


def _input_layer(action_input: Any) -> dict[str, Any]:
    values = {path: action_input(name) for path, name in _INPUT_NAMES.items()}
    if values[("llm", "provider")] == "auto":  # the input's default: leave it to the file
        values[("llm", "provider")] = None
    return _tree(values)


def _cli_layer(cli: CliOverrides) -> dict[str, Any]:
    return _tree({("fail-level",): cli.fail_level})


def _source_name(source: str, loc: tuple[Any, ...]) -> str:
    """The setting as the user gave it: ``--fail-level``, ``CI_AGENT_MODEL``, an input name."""
    path = tuple(str(p) for p in loc)
    if source == "environment" and path in ENV_NAMES:
        return ENV_NAMES[path]
    if source == "input" and path in _INPUT_NAMES:
        return f"{_INPUT_NAMES[path]} (action input)"
    if source == "flag" and path in _FLAG_NAMES:
        return _FLAG_NAMES[path]
    return f"{'.'.join(path)} ({source})"


def apply_layers(base: FileConfig, layers: Layers) -> FileConfig:
    """Merge override layers over the file's values, naming the source of a bad value."""
    if not any(layer for _, layer in layers):
        return base  # nothing overrides the file: nothing to validate (and no validator to load)
    from pydantic import ValidationError

    from ci_agent.config_validate import dump_section, validate_config
    from ci_agent.config_words import expected

    merged: dict[str, Any] = dump_section(base)
    for source, layer in layers:
        candidate = _deep_merge(merged, dict(layer))
        try:
            validate_config(candidate)
        except ValidationError as exc:
            error = exc.errors()[0]
            must = expected(error)
            allowed = must.removeprefix("must be one of ") if "one of" in must else must
            raise fail(
                "CA106",
                name=_source_name(source, error["loc"]),
                value=error.get("input"),
                allowed=allowed,
            ) from None
        merged = candidate
    return validate_config(merged)


def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _retention(text: str) -> int:
    if not text:
        return 30
    low, high = RETENTION_RANGE
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise fail(
            "CA106", name="retention-days", value=text, allowed=f"a whole number {low}-{high}"
        )
    return int(text)
