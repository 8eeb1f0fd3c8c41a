"""Probe run by the project's interpreter: Hypothesis' ghostwriter for one function.

argv: module, seconds for checking the written tests, then pairs of qualified name and output
file (one process for every function of a module). Writes each test module, or a line starting
with ``# problem:`` when the ghostwriter cannot run for it here, or with ``# fails:`` when a
test it wrote fails on the unchanged code in this process (then every candidate of it would be
refused at the funnel's ``alone`` gate, after a process of its own to tell its failure from
another candidate's harm).
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["failing", "main"]


def failing(text: str, path: str, seconds: float) -> str:
    """The first of the module's ``test_*`` functions that fails when called, and how (``name:
    Type: message``); empty when none does, the time ran out first or the platform cannot
    fork. The module runs in a child forked from this process, so it meets the code as imported
    and written about, not as another module's tests left it (a call of inflection's
    ``_irregular`` adds rules that break every later ``pluralize``)."""
    if seconds <= 0 or not hasattr(os, "fork"):
        return ""
    sys.stdout.flush()
    sys.stderr.flush()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child (its outcome is what the parent reads)
        os.close(read)
        why = _run(text, path)
        os.write(write, why.encode("utf-8", "replace")[:4000])
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    os.close(write)
    deadline = time.monotonic() + seconds
    try:
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                # Still running: not known to fail, the funnel judges it.
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return ""
            time.sleep(0.01)
        chunks = []
        while chunk := os.read(read, 4096):
            chunks.append(chunk)
        return b"".join(chunks).decode("utf-8", "replace")
    finally:
        os.close(read)


def _run(text: str, path: str) -> str:
    namespace: dict[str, Any] = {"__name__": "ghostwritten"}
    name = "the module"
    try:
        exec(compile(text, path, "exec"), namespace)  # noqa: S102 - the written test module
        for name, test in list(namespace.items()):
            if name.startswith("test_") and callable(test):
                test()
    except BaseException as exc:  # a SystemExit of the code under test too
        message = str(exc).strip().splitlines()
        return f"{name}: {type(exc).__name__}: {message[0] if message else ''}".rstrip(": ")
    return ""


def main(argv: list[str]) -> int:
    """Write the ghostwriter's module for each ``NAME OUT`` pair of ``argv[3:]`` into its
    file, then check the written tests until ``argv[2]`` seconds after the start."""
    deadline = time.monotonic() + float(argv[2])
    pairs = list(zip(argv[3::2], argv[4::2], strict=False))
    written: dict[str, str] = {}
    for qualname, out in pairs:
        try:
            from hypothesis.extra import ghostwriter  # type: ignore[import-not-found]

            found = importlib.import_module(argv[1])
            for part in qualname.split("."):
                found = getattr(found, part)
            text = ghostwriter.magic(found)
            written[out] = text
        except Exception as exc:
            text = f"# problem: {type(exc).__name__}: {exc}\n"
        Path(out).write_text(text, encoding="utf-8")
    # Written first, checked after: a test's calls cannot change what the ghostwriter sees.
    for out, text in written.items():
        why = failing(text, out, deadline - time.monotonic())
        if why:
            Path(out).write_text(f"# fails: {why}\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
