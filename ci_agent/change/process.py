"""Running one command (an argument list, never a shell) with a timeout that stops it and
everything it started, and a clean environment."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["KEPT_VARIABLES", "clean_environment", "execute"]

# Only what a test run or a fixer needs; tokens and every other variable of the job stay out.
KEPT_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "SYSTEMROOT", "TEMP", "TMP")
# After a timeout the process group is killed; a process that left the group may still hold
# the output pipes open, so collecting what was written waits this long at most.
_DRAIN_SECONDS = 5.0
_TERM_SECONDS = 2.0


def clean_environment(
    environ: Mapping[str, str] | None = None, extra: Sequence[str] = ()
) -> dict[str, str]:
    """The environment commands get: a few harmless variables (and ``extra`` names)."""
    source = os.environ if environ is None else environ
    env = {k: source[k] for k in (*KEPT_VARIABLES, *extra) if k in source}
    env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0", CI="true")
    return env


def execute(
    args: Sequence[str], cwd: Path, env: Mapping[str, str], timeout: float
) -> tuple[int | None, bytes]:
    """Run ``args``; its exit status (None at the timeout) and its combined output. An
    unstartable program raises OSError."""
    posix = hasattr(os, "killpg")
    with subprocess.Popen(
        list(args),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        # Its own process group, so a timeout also stops the children it started.
        start_new_session=posix,
    ) as proc:
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(proc, posix)
            try:
                output, _ = proc.communicate(timeout=_DRAIN_SECONDS)
            except subprocess.TimeoutExpired as exc:
                output = exc.output or b""
            return None, output
        return proc.returncode, output


def _stop(proc: subprocess.Popen[bytes], posix: bool) -> None:
    if not posix:
        proc.kill()
        return
    # SIGTERM first: through sudo the command runs as root and only sudo (ours) can be
    # signalled; sudo relays SIGTERM, and unshare --kill-child then ends the PID namespace.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=_TERM_SECONDS)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
