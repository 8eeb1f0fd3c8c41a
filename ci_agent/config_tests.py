"""The ``tests:`` section of ``.github/ci-agent.yml``: how the repository's tests are run.

The tests run with the job's interpreter and tools, never ci-agent's own environment, and in
a sandbox that holds no secret. The command comes from the trusted configuration (the base
branch in runs with an untrusted checkout), like every other command ci-agent runs.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from ci_agent.config_rules import SECTION_CONFIG, Rule

__all__ = ["IsolationName", "TestsConfig"]

IsolationName = Literal["auto", "namespaces", "sudo", "none"]
# Names that look like they hold a credential are never passed into a test run.
_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|_KEY$|^KEY$|API_?KEY", re.I)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Section:
    # The validator's settings for every section (read by pydantic; plain data here).
    __pydantic_config__: ClassVar[dict[str, Any]] = SECTION_CONFIG


@dataclass(frozen=True, kw_only=True)
class TestsConfig(_Section):
    """How the repository's tests are run: command, timeout, isolation, environment."""

    __test__ = False  # not a pytest test class

    command: Annotated[
        str | None,
        Rule(
            description=(
                "The command that runs pytest in the job's environment, without a shell; "
                "pytest's arguments are appended (e.g. 'uv run pytest', 'hatch test', "
                "'tox -e py --'). "
                "Default: 'python -m pytest' with the python on the job's PATH outside ci-agent's "
                "own virtual environment."
            )
        ),
    ] = None
    timeout: Annotated[
        float | None,
        Rule(
            gt=0, le=3600, description="Seconds one test run may take; default: fix.test-timeout."
        ),
    ] = None
    isolation: Annotated[
        IsolationName,
        Rule(
            description=(
                "How test runs are kept from secrets: auto (Linux namespaces, else "
                "namespaces through passwordless sudo, else refuse while a secret is in reach), "
                "namespaces, sudo, or none (runs repository code with no isolation; the report "
                "warns)."
            )
        ),
    ] = "auto"
    pass_env: Annotated[
        tuple[str, ...],
        Rule(
            description=(
                "Names of further environment variables test runs get (PATH, HOME, LANG, "
                "TZ and TMPDIR always); names that look like credentials are refused."
            )
        ),
    ] = ()

    def __post_init__(self) -> None:
        """Refuse a command that does not split into words and credential-like names."""
        if self.command is not None:
            try:
                words = shlex.split(self.command)
            except ValueError as exc:
                raise ValueError(f"it cannot be split into words: {exc}") from None
            if not words:
                raise ValueError("the command is empty")
        for name in self.pass_env:
            if not _NAME.match(name):
                raise ValueError(f"{name!r} is not an environment variable name")
            if _SECRET_NAME.search(name):
                raise ValueError(f"{name!r} looks like a credential; test runs never get one")

    def argv(self) -> tuple[str, ...] | None:
        """The configured command as an argument list, or None for the default."""
        return tuple(shlex.split(self.command)) if self.command is not None else None
