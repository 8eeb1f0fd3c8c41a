"""What a review request shows and what its answer must be: the prompt's data made inert,
and the schema the model's JSON is validated against."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ci_agent.review.chunks import Section, escape_path
from ci_agent.review.findings import Category, SeverityName

__all__ = ["FileSummary", "ModelFinding", "ReviewAnswer", "defuse", "defused", "escape_path"]

_DELIMITER = re.compile(r"<\s*/?\s*(untrusted_pr_data|file)\b", re.IGNORECASE)


class ModelFinding(BaseModel):
    """A finding as the model states it, before verification."""

    model_config = ConfigDict(extra="forbid")

    path: str
    start_line: int = Field(ge=1)
    end_line: int = Field(ge=1)
    severity: SeverityName
    category: Category
    title: str = Field(max_length=300)
    body: str = Field(max_length=8000)
    suggestion: str | None
    confidence: float = Field(ge=0, le=1)


class FileSummary(BaseModel):
    """The model's one-line summary of a file."""

    model_config = ConfigDict(extra="forbid")

    path: str
    summary: str = Field(max_length=300)


class ReviewAnswer(BaseModel):
    """The whole answer to one review request."""

    model_config = ConfigDict(extra="forbid")

    findings: list[ModelFinding]
    files: list[FileSummary]
    risk: Literal["low", "medium", "high", "critical"]


def defuse(text: str) -> str:
    """Untrusted text cannot close the data block it is quoted in."""
    # A look-alike angle quote keeps the text readable but no longer a tag.
    return _DELIMITER.sub(lambda m: m.group(0).replace("<", "\u2039"), text)


def defused(section: Section) -> Section:
    """The section with its code unable to close the data block and its name escaped."""
    return replace(
        section,
        path=escape_path(section.path),
        diff_text=defuse(section.diff_text),
        context=defuse(section.context),
    )
