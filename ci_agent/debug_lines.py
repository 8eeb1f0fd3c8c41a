"""What ``-vv`` adds before and after a command: the resolved settings and the run's metrics."""

from __future__ import annotations

import json

from ci_agent.config import Settings
from ci_agent.json_form import to_json
from ci_agent.metrics import Metrics

__all__ = ["metrics_lines", "settings_lines"]


def settings_lines(settings: Settings) -> list[str]:
    """The settings a run resolved, one per line; credentials only as present or absent."""

    def present(value: object) -> str:
        return "present" if value is not None else "absent"

    return [
        f"debug: config file {settings.config_path or 'none (defaults)'}",
        f"debug: workspace {settings.workspace} ({'actions' if settings.in_actions else 'local'})",
        f"debug: output {settings.output}, dry run {'yes' if settings.dry_run else 'no'}, "
        f"fail level {settings.config.fail_level}",
        f"debug: repository {settings.repository or '-'}, GitHub API {settings.github_api_url}",
        f"debug: llm provider {settings.config.llm.provider}"
        + (f", model {settings.config.llm.model}" if settings.config.llm.model else ""),
        "debug: credentials: "
        f"github token {present(settings.github_token)}, "
        f"push token {present(settings.push_token)}, "
        f"openai key {present(settings.openai_api_key)}, "
        f"azure key {present(settings.azure_api_key)}",
    ]


def metrics_lines(metrics: Metrics) -> list[str]:
    """The run's durations, API calls and LLM usage (the envelope's ``metrics``)."""
    data = to_json(metrics.snapshot())
    return [f"debug: {key} {json.dumps(value, sort_keys=True)}" for key, value in data.items()]
