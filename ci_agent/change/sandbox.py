"""One command of the repository (its tests, its fixers, a probe) run inside the isolation,
with a clean environment and the secrets' places hidden."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ci_agent.change.isolation import Guard, Isolation, choose_isolation
from ci_agent.change.process import clean_environment, execute
from ci_agent.change.sandbox_init import SETUP_FAILED
from ci_agent.change.secret_places import hidden_mounts
from ci_agent.config_tests import TestsConfig
from ci_agent.errors import fail

__all__ = ["Sandbox", "make_sandbox"]

_SETUP_MARK = b"ci-agent sandbox:"


@dataclass(frozen=True)
class Sandbox:
    """Runs commands under ``isolation`` with the environment built from the job's."""

    isolation: Isolation
    environ: Mapping[str, str] = field(repr=False)
    pass_env: tuple[str, ...] = ()

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment a command gets: harmless variables only, plus ``extra``."""
        env = clean_environment(self.environ, self.pass_env)
        env.update(extra or {})
        return env

    def run(
        self,
        argv: Sequence[str],
        cwd: Path,
        timeout: float,
        *,
        keep: Sequence[Path] = (),
        extra_env: Mapping[str, str] | None = None,
        repository: Path | None = None,
    ) -> tuple[int | None, bytes]:
        """Run ``argv`` in ``cwd``; exit status (None: timed out) and combined output.
        ``keep`` are paths the command needs even where a mask would hide them;
        ``repository`` is the checkout whose git configuration is sanitized when ``cwd`` is a
        copy outside it (default: ``cwd``'s own repository)."""
        env = self.env(extra_env)
        if not self.isolation.isolated:
            return execute(argv, cwd, env, timeout)
        scratch = Path(tempfile.mkdtemp(prefix="ci-agent-sandbox-"))
        try:
            git_dir, top = _git_dirs(repository or cwd)
            # The repository's .git stays reachable (a worktree's commits live there) even
            # under a mask; its configuration is replaced by the sanitized copy.
            paths = (cwd, *keep, *((git_dir,) if git_dir is not None else ()))
            kept = tuple(os.path.realpath(p) for p in paths)
            mounts = hidden_mounts(self.environ, git_dir, scratch, kept)
            # The checkout is read-only but for the directories the command works in; its
            # .git is read-only always: a hook planted there would run at the next commit. So
            # is the job's home when the command was given a home of its own (a planted
            # ~/.gitconfig or ~/.bashrc would run in later steps).
            home = self.environ.get("HOME", "")
            private_home = bool(home) and env.get("HOME") != home
            guard = Guard(
                tuple(
                    os.path.realpath(p)
                    for p in (top, Path(home) if private_home else None)
                    if p is not None
                ),
                tuple(os.path.realpath(p) for p in (cwd, *keep)),
                tuple(os.path.realpath(p) for p in (git_dir,) if p is not None),
            )
            wrapped = self.isolation.command(argv, cwd, env, mounts, guard)
            code, output = execute(wrapped, cwd, env, timeout)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        if code == SETUP_FAILED and _SETUP_MARK in output:
            line = output[output.index(_SETUP_MARK) :].split(b"\n", 1)[0]
            problem = line.decode("utf-8", "replace").removeprefix("ci-agent sandbox:").strip()
            raise fail("CA564", problem=problem)
        return code, output


def make_sandbox(config: TestsConfig, environ: Mapping[str, str] | None = None) -> Sandbox:
    """The sandbox ``tests.isolation`` asks for (CA561/CA562 when it cannot be had)."""
    source = dict(os.environ if environ is None else environ)
    return Sandbox(choose_isolation(config.isolation, source), source, config.pass_env)


def _git_dirs(cwd: Path) -> tuple[Path | None, Path | None]:
    """The repository's own ``.git`` (a scratch worktree's points at the original's) and the
    top of ``cwd``'s checkout (None for each that is not found)."""
    common = _rev_parse(cwd, "--git-common-dir")
    return common, _rev_parse(cwd, "--show-toplevel") if common is not None else None


def _rev_parse(cwd: Path, what: str) -> Path | None:
    done = subprocess.run(
        ["git", "rev-parse", "--path-format=absolute", what],
        cwd=cwd,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        env={"PATH": os.environ.get("PATH", os.defpath)},
        check=False,
    )
    text = done.stdout.decode("utf-8", "replace").strip()
    return Path(text) if done.returncode == 0 and text else None
