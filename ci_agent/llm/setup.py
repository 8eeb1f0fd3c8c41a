"""What the LLM layer needs to know of a run: its own small configuration, not Settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from ci_agent.config_model import LLMConfig
from ci_agent.secret import Secret

__all__ = ["LLMSetup"]


@dataclass(frozen=True)
class LLMSetup:
    """The ``llm`` configuration section, the credentials a provider may use, and log detail."""

    llm: LLMConfig = field(default_factory=LLMConfig)
    openai_api_key: Secret | None = None
    azure_api_key: Secret | None = None
    azure_endpoint: str | None = None
    # The Actions token: GitHub Models takes it as the bearer key ('models: read').
    github_token: Secret | None = None
    in_actions: bool = False
    verbosity: int = 0
    # Bounds the waits of a retry policy built here when the caller gives none.
    max_retry_wait: float = 300.0

    def secrets(self) -> tuple[str, ...]:
        """Every credential value, for redaction."""
        found = (self.openai_api_key, self.azure_api_key, self.github_token)
        return tuple(s.reveal() for s in found if s is not None and s.reveal())
