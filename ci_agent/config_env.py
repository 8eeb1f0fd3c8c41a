"""What the configuration takes from the environment and the command line, without the file's
schema: output formats, the config file's default path, the variables that override settings,
yes/no words, credentials, and whether a run would get the schema's defaults.

Light on purpose: ``ci-agent triage --log`` with plain arguments and no configuration (see
:func:`defaults_hold`) starts without importing :mod:`ci_agent.config` and the schema's modules.
:mod:`ci_agent.config` builds Settings from these same pieces.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

from ci_agent.errors import fail

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "ENV_NAMES",
    "OUTPUT_FORMATS",
    "OutputFormat",
    "credentials",
    "defaults_hold",
    "env_bool",
]

OutputFormat = Literal["text", "json", "markdown"]
OUTPUT_FORMATS: tuple[OutputFormat, ...] = ("text", "json", "markdown")
DEFAULT_CONFIG_PATH = Path(".github/ci-agent.yml")
# Where each overridable setting comes from in the environment (kebab-case path -> variable).
ENV_NAMES: dict[tuple[str, ...], str] = {
    ("fail-level",): "CI_AGENT_FAIL_LEVEL",
    ("llm", "provider"): "CI_AGENT_LLM_PROVIDER",
    ("llm", "model"): "CI_AGENT_MODEL",
    ("llm", "base-url"): "OPENAI_BASE_URL",
}
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "off"})


def env_bool(environ: Mapping[str, str], name: str) -> bool:
    """A yes/no environment variable; unset or empty is no, anything unrecognised is CA123."""
    raw = environ.get(name, "")
    value = raw.strip().lower()
    if value in FALSE_WORDS:
        return False
    if value in TRUE_WORDS:
        return True
    raise fail("CA123", name=name, value=raw)


def credentials(
    environ: Mapping[str, str], action_input: Callable[[str], str]
) -> tuple[str | None, str | None, str | None, str | None]:
    """The GitHub token, the push token, the OpenAI key and the Azure key, in that order (the
    order Settings masks them in); None for one not given."""
    token = action_input("github-token") or environ.get("GITHUB_TOKEN") or environ.get("GH_TOKEN")
    push_token = action_input("push-token") or environ.get("CI_AGENT_PUSH_TOKEN")
    openai_key = action_input("openai-api-key") or environ.get("OPENAI_API_KEY")
    return (
        token or None,
        push_token or None,
        openai_key or None,
        environ.get("AZURE_OPENAI_API_KEY") or None,
    )


def defaults_hold(environ: Mapping[str, str], cwd: Path, *, config_named: bool) -> bool:
    """Whether :func:`ci_agent.config.load_settings` would give the schema's defaults for
    every setting of the file (``FileConfig()``) without raising: outside GitHub Actions (no
    action inputs, the working directory trusted), no config file named or found at
    :data:`DEFAULT_CONFIG_PATH`, no variable of :data:`ENV_NAMES` set and ``CI_AGENT_DRY_RUN``
    a word :func:`env_bool` reads. ``tests/unit/test_config_env.py`` checks the claim."""
    if environ.get("GITHUB_ACTIONS") == "true" or config_named or environ.get("CI_AGENT_CONFIG"):
        return False
    if any(environ.get(name) for name in ENV_NAMES.values()):
        return False
    if environ.get("CI_AGENT_DRY_RUN", "").strip().lower() not in TRUE_WORDS | FALSE_WORDS:
        return False
    return not (cwd / DEFAULT_CONFIG_PATH).is_file()
