"""The one place test generation starts processes: the project's own interpreter, a clean
environment, an argument list, a time limit.

Everything that runs repository or model-written code goes through :class:`Executor`. In
production that is :class:`SandboxExecutor`: every process runs inside the change core's
secret-free sandbox (``tests.isolation``; ``none`` runs it directly, with a loud note).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ci_agent.change.sandbox import Sandbox

__all__ = ["Execution", "Executor", "SandboxExecutor"]

# Only what a test process needs to find programs and behave deterministically; nothing of the
# caller's environment (tokens, keys, proxies) reaches it.


@dataclass(frozen=True)
class Execution:
    """What one process did."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        """Exited 0 within its time."""
        return self.returncode == 0 and not self.timed_out

    @property
    def output(self) -> str:
        """stdout then stderr."""
        return self.stdout + ("\n" + self.stderr if self.stderr else "")


class Executor(Protocol):
    """Runs ``<project python> ARGS`` in a directory."""

    def python(
        self,
        args: Sequence[str],
        *,
        cwd: Path,
        timeout: float,
        env: Mapping[str, str] | None = None,
    ) -> Execution:
        """Run the project's interpreter with ``args``; never raises for a failing process."""
        ...

    def using(self, interpreter: str) -> Executor:
        """The same runner with another interpreter (Pynguin's own environment)."""
        ...


def _process_variables(home: Path) -> dict[str, str]:
    return {
        "HOME": str(home),
        "PYTHONDONTWRITEBYTECODE": "1",  # mutants rewrite files within one second: no stale .pyc
        "PYTHONNOUSERSITE": "1",
        "PYTHONIOENCODING": "utf-8",
    }


@dataclass(frozen=True)
class SandboxExecutor:
    """Runs ``command ARGS`` inside the change core's sandbox: a clean environment, no network,
    no ancestor's ``/proc/*/environ``, the secrets' files hidden; ``keep`` stay reachable."""

    sandbox: Sandbox
    command: tuple[str, ...]
    home: Path
    repository: Path  # its git configuration is sanitized even when a copy is the cwd
    keep: tuple[Path, ...] = ()

    def python(
        self,
        args: Sequence[str],
        *,
        cwd: Path,
        timeout: float,
        env: Mapping[str, str] | None = None,
    ) -> Execution:
        """Run the interpreter with ``args`` in ``cwd``; stdout holds the combined output."""
        started = time.monotonic()
        extra = {**_process_variables(self.home), **(env or {})}
        try:
            code, output = self.sandbox.run(
                [*self.command, *args],
                cwd,
                timeout,
                keep=(self.home, *self.keep),
                extra_env=extra,
                repository=self.repository,
            )
        except OSError as exc:
            return Execution(127, "", f"{self.command[0]}: {exc}", time.monotonic() - started)
        seconds = time.monotonic() - started
        if code is None:
            return Execution(-9, _text(output), "", seconds, True)
        return Execution(code, _text(output), "", seconds)

    def using(self, interpreter: str) -> SandboxExecutor:
        """The same sandbox around another interpreter."""
        return SandboxExecutor(self.sandbox, (interpreter,), self.home, self.repository, self.keep)


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data if isinstance(data, str) else data.decode("utf-8", errors="replace")
