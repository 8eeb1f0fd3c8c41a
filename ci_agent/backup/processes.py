"""Long git commands of backups, stopped with ci-agent, and SIGTERM handled like Ctrl-C.

``git bundle create`` starts ``git pack-objects``; killing only the ``git`` process (what
``subprocess.run`` does on Ctrl-C) leaves its child writing. Each command here runs in a
process group of its own, and when ci-agent is interrupted the whole group is terminated and
waited for before the interruption goes on. A signal sent to ci-agent alone (``kill PID``, a
runner cancelling the job) thus stops every process it started; Ctrl-C on a terminal reaches
them through ci-agent too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from types import FrameType

from ci_agent.errors import fail
from ci_agent.git import Git

__all__ = ["Interrupted", "interruptible", "run_grouped"]

_STOP_WAIT = 10.0


class Interrupted(KeyboardInterrupt):
    """SIGTERM (or SIGINT), raised where the program was, so cleanup runs."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.signal_name = name


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Turn SIGTERM and SIGINT into :class:`Interrupted` inside the block (main thread only)."""

    def handler(number: int, _frame: FrameType | None) -> None:
        raise Interrupted(signal.Signals(number).name)

    try:
        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    except ValueError:  # not the main thread: leave the handlers alone
        yield
        return
    try:
        yield
    except Interrupted as exc:
        raise fail("CA702", signal=exc.signal_name) from None
    except KeyboardInterrupt:
        raise fail("CA702", signal="SIGINT") from None
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the process group of ``proc`` and wait; SIGKILL if it lingers."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=_STOP_WAIT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def run_grouped(git: Git, *args: str) -> str:
    """``git ARGS`` in its own process group; stdout stripped, CA203 on failure (like
    :meth:`Git.run`), the whole group stopped if anything interrupts the wait."""
    executable = git.executable()
    try:
        proc = subprocess.Popen(
            [executable, *args],
            cwd=git.path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            process_group=0,
        )
    except (FileNotFoundError, NotADirectoryError):
        if not git.path.is_dir():
            raise fail("CA202", path=git.path) from None
        raise fail("CA201") from None
    try:
        out, err = proc.communicate()
    except BaseException:
        _stop(proc)
        raise
    if proc.returncode != 0:
        lines = err.decode("utf-8", errors="replace").strip().splitlines()
        problem = next(
            (line for line in lines if line.startswith(("fatal:", "error:"))),
            lines[0] if lines else f"exit status {proc.returncode}",
        )
        raise fail("CA203", args=" ".join(args), problem=problem)
    return out.decode("utf-8", errors="replace").strip()
