"""The one place test generation starts processes: the project's own interpreter, a clean
environment, an argument list, a time limit.

Everything that runs repository or model-written code goes through :class:`Executor`, so the
whole capability can be moved onto an isolated runner by handing it another implementation.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

__all__ = ["Execution", "Executor", "PlainExecutor", "clean_environment", "find_project_python"]

# Only what a test process needs to find programs and behave deterministically; nothing of the
# caller's environment (tokens, keys, proxies) reaches it.
_KEPT = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TZ")


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


def clean_environment(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A minimal environment for a test process: no secret of the caller, a private HOME."""
    env = {name: os.environ[name] for name in _KEPT if name in os.environ}
    env.update(
        HOME=str(home),
        PYTHONDONTWRITEBYTECODE="1",  # mutants rewrite files within one second: no stale .pyc
        PYTHONNOUSERSITE="1",
        PYTHONIOENCODING="utf-8",
    )
    env.update(extra or {})
    return env


@dataclass(frozen=True)
class PlainExecutor:
    """Runs the project's interpreter directly (no OS isolation) with a clean environment."""

    interpreter: Path
    home: Path

    def python(
        self,
        args: Sequence[str],
        *,
        cwd: Path,
        timeout: float,
        env: Mapping[str, str] | None = None,
    ) -> Execution:
        """Run ``interpreter ARGS`` in ``cwd``; a timeout kills it and is reported as such."""
        started = time.monotonic()
        try:
            proc = subprocess.run(
                [str(self.interpreter), *args],
                cwd=cwd,
                env=clean_environment(self.home, env),
                capture_output=True,
                timeout=timeout,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as exc:
            out = _text(exc.stdout)
            return Execution(-9, out, _text(exc.stderr), time.monotonic() - started, True)
        except OSError as exc:
            return Execution(127, "", f"{self.interpreter}: {exc}", time.monotonic() - started)
        return Execution(
            proc.returncode, _text(proc.stdout), _text(proc.stderr), time.monotonic() - started
        )


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data if isinstance(data, str) else data.decode("utf-8", errors="replace")


def find_project_python(
    configured: str | None,
    environ: Mapping[str, str],
    own_prefix: str,
) -> Path | None:
    """The interpreter of the project: the configured one, else the first ``python3`` or
    ``python`` on PATH that does not belong to ci-agent's own environment."""
    import shutil

    if configured:
        found = shutil.which(configured, path=environ.get("PATH"))
        return Path(found) if found else None
    own = Path(own_prefix).resolve()
    for directory in environ.get("PATH", "").split(os.pathsep):
        if not directory or Path(directory).resolve().is_relative_to(own):
            continue
        for name in ("python3", "python"):
            candidate = Path(directory) / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
    return None
