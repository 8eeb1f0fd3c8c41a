"""Where a run's configuration and repository templates came from, as data for its reports.

In a run whose checkout may hold a pull request's code, ``.github/ci-agent.yml`` and the
template overrides in ``.github/ci-agent/`` are read from the base commit through the API, never
from the checkout (see :mod:`ci_agent.config_trust`); these values say which was used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal

from ci_agent.json_form import json_meta

__all__ = ["TEMPLATES_DIR", "ConfigSource", "HeadCopy", "RepositoryTemplates", "SourceKind"]

# Repository template overrides live here, relative to the top of the repository.
TEMPLATES_DIR = ".github/ci-agent"

# local: the file in the working directory (a laptop, or a checkout of the commit the
# workflow runs on); base: read through the API at a trusted commit; pending: base, not read yet.
SourceKind = Literal["local", "base", "pending"]
# What the checkout's own copy was, next to the base's: absent, same, differs, or not looked at.
HeadCopy = Literal["absent", "same", "differs", "unknown"]


@dataclass(frozen=True)
class ConfigSource:
    """Which configuration file a run used, at which commit, and why (``result.config``)."""

    JSON_KEYS: ClassVar = (
        "source",
        "path",
        "found",
        "ref",
        "reason",
        "checkout_copy",
        "templates",
        "checkout_templates_ignored",
        "cut",
        "note",
    )

    kind: SourceKind = field(default="local", metadata=json_meta(key="source"))
    path: str = ".github/ci-agent.yml"
    found: bool = False
    # The trusted commit (base) it was read at; None: the default branch's head.
    ref: str | None = None
    reason: str = "outside GitHub Actions: the working directory's files are the user's own"
    head_copy: HeadCopy = field(default="unknown", metadata=json_meta(key="checkout_copy"))
    templates: tuple[str, ...] = ()
    templates_ignored: bool = field(
        default=False, metadata=json_meta(key="checkout_templates_ignored")
    )
    # What a cap left out of the templates read at the base, or "".
    cut: str = ""
    # Named explicitly (flag, input or CI_AGENT_CONFIG): a missing file is an error.
    required: bool = False

    @property
    def pending(self) -> bool:
        """True until the base commit's file has been read."""
        return self.kind == "pending"

    @property
    def where(self) -> str:
        """``base 1a2b3c4d5e6f`` or ``the default branch``: the trusted commit, for messages."""
        return f"base {self.ref[:12]}" if self.ref else "the default branch"

    @property
    def note(self) -> str:
        """One line for summaries: which file was used and what was ignored (never its values)."""
        if self.kind == "local":
            used = f"{self.path} (local file)" if self.found else f"defaults (no {self.path})"
            return f"config: {used}"
        if self.kind == "pending":
            return f"config: {self.path} at {self.where} (not read yet)"
        if self.found:
            used = f"{self.path} at {self.where}"
        else:
            used = f"defaults (no {self.path} at {self.where})"
        if self.head_copy == "differs":
            used += " (the checkout's copy was ignored: it differs)"
        if self.templates:
            used += f"; templates from {self.where}: {', '.join(self.templates)}"
        if self.templates_ignored:
            used += f"; the checkout's {TEMPLATES_DIR}/ files were ignored"
        if self.cut:
            used += f"; {self.cut}"
        return f"config: {used}"


@dataclass(frozen=True)
class RepositoryTemplates:
    """Template overrides the repository supplies: the checkout's own ``.github/ci-agent/``
    (trusted runs), or files read at the base commit (``name -> text``) and nothing else."""

    from_checkout: bool = True
    files: tuple[tuple[str, str], ...] = ()
