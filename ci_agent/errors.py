"""Exception tree for ci-agent; every error carries a stable code from the registry.

Exception tree (each leaf maps to one process exit code)::

    CiAgentError                      base; code, message, suggestion, context
    ├── UsageError                    exit 2  configuration and input (1xx)
    ├── RepositoryError               exit 2  filesystem and git (2xx)
    ├── ExternalServiceError          exit 3  a service failed after retries
    │   ├── GitHubError                       network and GitHub (3xx)
    │   └── LLMError                          language-model providers (4xx)
    ├── VerificationError             exit 4  a result was refused (5xx)
    ├── ProcessingError               exit 5  processing went wrong (6xx)
    └── PlatformError                 exit 5  the machine or runtime failed (7xx)

Raise through :func:`fail`, which picks the class from the code's category, so the
code, not the call site, decides the exit status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ci_agent.record import Record, fill

if TYPE_CHECKING:  # the registry loads with the first error: a run without one never reads it
    from ci_agent.error_codes import ErrorSpec

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_SERVICE",
    "EXIT_USAGE",
    "EXIT_VERIFICATION",
    "CiAgentError",
    "ErrorInfo",
    "ExternalServiceError",
    "GitHubError",
    "LLMError",
    "PlatformError",
    "ProcessingError",
    "RepositoryError",
    "Terminated",
    "UsageError",
    "VerificationError",
    "fail",
    "lookup",
    "signal_name",
]


class ErrorInfo(Record):
    """A coded error as data: what the JSON envelope's ``errors[]`` lists."""

    __slots__ = FIELDS = ("code", "message", "suggestion")

    code: str
    message: str
    suggestion: str

    def __init__(self, code: str, message: str, suggestion: str) -> None:
        fill(self, code, message, suggestion)


EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_SERVICE = 3
EXIT_VERIFICATION = 4
EXIT_INTERNAL = 5


class _SafeDict(dict[str, Any]):
    """Formatting context that leaves unknown placeholders visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Terminated(KeyboardInterrupt):
    """SIGTERM (a cancelled job, ``timeout``) raised where the program is, like Ctrl-C, so that
    what it holds (temporary directories) is cleaned up on the way out."""

    signal = "SIGTERM"


def signal_name(interruption: KeyboardInterrupt) -> str:
    """The signal that interrupted the program."""
    return "SIGTERM" if isinstance(interruption, Terminated) else "SIGINT"


class CiAgentError(Exception):
    """Base of every error ci-agent reports: a coded message with a suggestion."""

    exit_code = EXIT_INTERNAL

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        suggestion: str | None = None,
        **context: Any,
    ) -> None:
        self.spec: ErrorSpec = lookup(code)
        self.code = self.spec.code
        if self.spec.exit_code is not None:
            self.exit_code = self.spec.exit_code
        self.context = context
        fields = _SafeDict(context)
        self.message = message or self.spec.message.format_map(fields)
        self.suggestion = suggestion or self.spec.suggestion.format_map(fields)
        super().__init__(f"{self.code}: {self.message}")

    @property
    def info(self) -> ErrorInfo:
        """Code, message and suggestion as a value (an entry of the envelope's ``errors[]``)."""
        return ErrorInfo(self.code, self.message, self.suggestion)


class UsageError(CiAgentError):
    """Bad configuration, flags, inputs or event data."""

    exit_code = EXIT_USAGE


class RepositoryError(CiAgentError):
    """A filesystem or git problem the user can fix."""

    exit_code = EXIT_USAGE


class ExternalServiceError(CiAgentError):
    """An external service kept failing after the retry policy gave up."""

    exit_code = EXIT_SERVICE


class GitHubError(ExternalServiceError):
    """GitHub (or the network in front of it) failed."""


class LLMError(ExternalServiceError):
    """The language-model provider failed or answered unusably."""


class VerificationError(CiAgentError):
    """Verification refused a result (a patch, a backup, a model answer)."""

    exit_code = EXIT_VERIFICATION


class ProcessingError(CiAgentError):
    """Processing failed in a way that is not the user's input."""

    exit_code = EXIT_INTERNAL


class PlatformError(CiAgentError):
    """The machine or runtime failed: disk, permissions, missing programs."""

    exit_code = EXIT_INTERNAL


# By the name of the code's ``Category`` (``tests/unit/test_errors.py`` checks every one).
_CLASS_BY_CATEGORY: dict[str, type[CiAgentError]] = {
    "CONFIG": UsageError,
    "GIT": RepositoryError,
    "GITHUB": GitHubError,
    "LLM": LLMError,
    "VERIFY": VerificationError,
    "PROCESSING": ProcessingError,
    "SYSTEM": PlatformError,
}


def lookup(code: str) -> ErrorSpec:
    """Return the registry entry for a code (``CA101``) or its name (``config-unknown-key``)."""
    from ci_agent.error_codes import REGISTRY

    key = code.strip()
    spec = REGISTRY.get(key.upper()) or next(
        (s for s in REGISTRY.values() if s.name == key.lower()), None
    )
    if spec is None:
        raise KeyError(code)
    return spec


def fail(
    code: str, message: str | None = None, *, suggestion: str | None = None, **context: Any
) -> CiAgentError:
    """Build the exception of the right class for ``code``; the caller raises it."""
    cls = _CLASS_BY_CATEGORY[lookup(code).category.name]
    return cls(code, message, suggestion=suggestion, **context)
