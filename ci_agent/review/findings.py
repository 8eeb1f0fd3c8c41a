"""Findings: what an engine says about the code, validated before anyone sees it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ci_agent.config_model import Severity
from ci_agent.markers import fingerprint, normalize_code

__all__ = ["Category", "Finding", "SeverityName", "severity_rank"]

SeverityName = Literal["critical", "high", "medium", "low", "info"]
Category = Literal["bug", "security", "performance", "maintainability", "tests", "style"]


def severity_rank(name: str) -> int:
    """Numeric rank of a severity name (critical = 5 … info = 1)."""
    return int(Severity.parse(name))


class Finding(BaseModel):
    """One finding anchored on new-side lines ``start_line`` to ``end_line`` of ``path``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str = Field(min_length=1, max_length=1024)
    start_line: int = Field(ge=1)
    end_line: int = Field(ge=1)
    severity: SeverityName
    category: Category
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=8000)
    suggestion: str | None = Field(
        default=None, max_length=20000, description="Replacement text for exactly those lines."
    )
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    source: str = Field(default="llm", description="Engine: llm, or static:<tool>.")
    rule: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Finding:
        if self.end_line < self.start_line:
            raise ValueError("end_line must not be before start_line")
        return self

    @property
    def rank(self) -> float:
        """Severity times confidence, for choosing which findings go inline."""
        return severity_rank(self.severity) * self.confidence

    def key(self, code: str) -> str:
        """Fingerprint from path, normalised code of the lines and title (not line numbers)."""
        return fingerprint([self.path, normalize_code(code), self.title.strip().lower()])
