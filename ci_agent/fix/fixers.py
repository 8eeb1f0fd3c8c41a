"""The fixers strategy: run the repository's own lint and format fixers in a scratch worktree
and keep the result only when it is proven.

Proven means: a check failed before the fixers, the fixers only modified tracked files, the
policy allows every change, and every check passes after them. Commands are argument lists,
never a shell, and run in the sandbox the tests run in (clean environment, no secret in
reach). Programs are the job's: PATH outside ci-agent's own virtual environment; only ruff
falls back to the binary ci-agent ships, which is no code of the repository.
"""

from __future__ import annotations

import os
import shlex
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import ClassVar, Literal

from ci_agent.change.edits import Change, safe_path
from ci_agent.change.job_python import own_environment
from ci_agent.change.policy import PatchPolicy, check_changes
from ci_agent.change.sandbox import Sandbox, make_sandbox
from ci_agent.change.worktree import scratch_worktree, worktree_diff
from ci_agent.config_model import FixConfig
from ci_agent.config_tests import TestsConfig
from ci_agent.errors import fail
from ci_agent.git import Git
from ci_agent.json_form import json_meta, rounded
from ci_agent.ruff_tool import bundled_ruff, ruff_configured

__all__ = [
    "CACHE_DIRECTORIES",
    "DEFAULT_CHECKS",
    "DEFAULT_FIXERS",
    "CommandRun",
    "FixersResult",
    "FixersStatus",
    "fixer_commands",
    "ruff_configured",
    "run_fixers",
]

FixersStatus = Literal["verified", "refused", "nothing-to-fix"]
Argv = tuple[str, ...]

DEFAULT_FIXERS: tuple[Argv, ...] = (("ruff", "check", "--fix"), ("ruff", "format"))
DEFAULT_CHECKS: tuple[Argv, ...] = (("ruff", "check"), ("ruff", "format", "--check"))
# Tools write these next to the code; they are no change a fixer made to the repository.
CACHE_DIRECTORIES = frozenset({".ruff_cache", "__pycache__", ".pytest_cache", ".mypy_cache"})
TAIL_LINES = 40


@dataclass(frozen=True)
class CommandRun:
    """One command run: its argument list, exit status (None: timed out), output tail, time."""

    JSON_KEYS: ClassVar = ("argv", "returncode", "timed_out", "seconds", "tail")

    argv: Argv
    returncode: int | None
    tail: str
    seconds: float = field(metadata=json_meta(convert=rounded(3)))

    @property
    def command(self) -> str:
        """The command as one shell-quoted line, for messages."""
        return shlex.join(self.argv)

    @property
    def ok(self) -> bool:
        """The command exited 0."""
        return self.returncode == 0

    @property
    def timed_out(self) -> bool:
        """The command was killed at the timeout."""
        return self.returncode is None


@dataclass(frozen=True)
class FixersResult:
    """A proven fix by the repository's fixers with its evidence, or why there is none."""

    JSON_KEYS: ClassVar = ("status", "reasons", "diff", "changed", "before", "fixes", "after")

    status: FixersStatus
    reasons: tuple[str, ...]
    diff: str = ""
    before: tuple[CommandRun, ...] = ()
    fixes: tuple[CommandRun, ...] = ()
    after: tuple[CommandRun, ...] = ()
    changed: tuple[str, ...] = ()

    @property
    def verified(self) -> bool:
        """Whether a proven diff is attached."""
        return self.status == "verified"


def fixer_commands(root: Path, config: FixConfig) -> tuple[tuple[Argv, ...], tuple[Argv, ...]]:
    """(fixers, checks) as argument lists: the configured ones when either is configured
    (the unset one is then empty), else ruff's defaults where ruff is configured, else none."""
    if config.fixers is not None or config.fixer_checks is not None:
        return _split_all(config.fixers or ()), _split_all(config.fixer_checks or ())
    if ruff_configured(root):
        return DEFAULT_FIXERS, DEFAULT_CHECKS
    return (), ()


def run_fixers(
    git: Git, sha: str, config: FixConfig, tests: TestsConfig | None = None
) -> FixersResult:
    """Run the checks, the fixers and the checks again on ``sha`` in a scratch worktree; the
    diff is kept only when it is proven. A program that cannot run raises CA232; the
    sandbox's errors (``tests.isolation``) are CA561-CA564."""
    tests = tests or TestsConfig()
    with scratch_worktree(git, sha) as root:
        fixers, checks = fixer_commands(root, config)
        if not fixers:
            reason = "no fixer is configured (fix.fixers)"
            if config.fixers is None and config.fixer_checks is None:
                reason += " and the commit does not configure ruff"
            return FixersResult("refused", (reason,))
        if not checks:
            reason = "no fixer check is configured (fix.fixer-checks): nothing could prove a fix"
            return FixersResult("refused", (reason,))
        sandbox = make_sandbox(tests)
        path = _job_path(sandbox)
        # Every program is found before anything runs, so a missing one changes nothing.
        programs = {argv: _program(argv, root, path) for argv in (*checks, *fixers)}
        bench = _Bench(root, sandbox, tests.timeout or config.test_timeout, programs)
        before = tuple(bench.run(argv) for argv in checks)
        timed_out = [r for r in before if r.timed_out]
        if timed_out:
            return FixersResult("refused", (_timeout_reason(timed_out[0], config),), before=before)
        if all(r.ok for r in before):
            reason = (
                f"every check passes at {sha[:12]} before the fixers; "
                "the failure is not reproduced here, so there is nothing to fix"
            )
            return FixersResult("nothing-to-fix", (reason,), before=before)
        fixes: list[CommandRun] = []
        for argv in fixers:
            # A non-zero exit is no failure: 'ruff check --fix' exits 1 when unfixable
            # violations remain. The checks afterwards decide.
            fixes.append(bench.run(argv))
            if fixes[-1].timed_out:
                reason = _timeout_reason(fixes[-1], config)
                return FixersResult("refused", (reason,), before=before, fixes=tuple(fixes))
        done = tuple(fixes)
        changes, refused = _changes(git.at(root), sha)
        if not refused and not changes:
            failing = [_failure(r, "fails") for r in before if not r.ok]
            refused = ("the fixers changed nothing", *failing)
        if not refused:
            policy = PatchPolicy(config.protected_paths)
            refused = tuple(f"policy: {r}" for r in check_changes(changes, policy))
        if refused:
            return FixersResult("refused", refused, before=before, fixes=done)
        after = tuple(bench.run(argv) for argv in checks)
        failed = [r for r in after if not r.ok]
        if failed:
            reasons = tuple(
                _timeout_reason(r, config) if r.timed_out else _failure(r, "fails after the fixers")
                for r in failed
            )
            return FixersResult("refused", reasons, before=before, fixes=done, after=after)
        changed = tuple(c.path for c in changes)
        failed_before = sum(not r.ok for r in before)
        reason = (
            f"{len(fixers)} fixer(s) changed {len(changed)} file(s); {failed_before} of "
            f"{len(checks)} check(s) failed before them and all pass after"
        )
        diff = worktree_diff(root)
        return FixersResult("verified", (reason,), diff, before, done, after, changed)


def _split_all(commands: Sequence[str]) -> tuple[Argv, ...]:
    return tuple(_split(c) for c in commands)


def _split(command: str) -> Argv:
    try:
        argv = tuple(shlex.split(command))
    except ValueError as exc:
        raise fail(
            "CA232", command=command, problem=f"it cannot be split into words: {exc}"
        ) from None
    if not argv:
        raise fail("CA232", command=command, problem="the command is empty")
    return argv


def _job_path(sandbox: Sandbox) -> str:
    """The job's PATH without the entries of ci-agent's own virtual environment."""
    own = own_environment(sandbox.environ)
    entries = sandbox.environ.get("PATH", os.defpath).split(os.pathsep)
    if own is not None:
        entries = [e for e in entries if e and not Path(e).resolve().is_relative_to(own)]
    return os.pathsep.join(entries)


def _program(argv: Argv, root: Path, path: str) -> str:
    """The executable ``argv[0]`` names: an absolute path, a relative path inside the
    worktree, or a program on the job's PATH (for ruff, the ruff package's binary as a
    fallback)."""
    name = argv[0]
    command = shlex.join(argv)
    if Path(name).is_absolute():
        found = shutil.which(name)
        if found is None:
            raise fail("CA232", command=command, problem=f"{name} is no executable file")
        return found
    if "/" in name or os.sep in name:
        # A script of the repository (./scripts/fix.sh) lives in the worktree, not the cwd.
        target = safe_path(root, name)
        if target is None:
            raise fail("CA232", command=command, problem="the program is outside the repository")
        found = shutil.which(str(target))
        if found is None:
            raise fail("CA232", command=command, problem=f"{name} is no executable file")
        return found
    found = shutil.which(name, path=path)
    if found is None and name == "ruff":
        found = bundled_ruff()
    if found is None:
        raise fail("CA232", command=command, problem=f"{name} is not on PATH")
    return found


@dataclass(frozen=True)
class _Bench:
    """Where commands run: the worktree, the sandbox, the timeout, the programs."""

    root: Path
    sandbox: Sandbox
    timeout: float
    programs: dict[Argv, str]

    def run(self, argv: Argv) -> CommandRun:
        """Run one command (no shell); a program that cannot start raises CA232."""
        started = time.monotonic()
        try:
            program = self.programs[argv]
            returncode, output = self.sandbox.run(
                [program, *argv[1:]], self.root, self.timeout, keep=(Path(program),)
            )
        except OSError as exc:
            problem = exc.strerror or str(exc)
            raise fail("CA232", command=shlex.join(argv), problem=problem) from None
        text = output.decode("utf-8", errors="replace")
        tail = "\n".join(text.rstrip().splitlines()[-TAIL_LINES:])
        return CommandRun(argv, returncode, tail, time.monotonic() - started)


def _changes(tree: Git, sha: str) -> tuple[tuple[Change, ...], tuple[str, ...]]:
    """The modified tracked files, or the reasons to refuse what else the fixers did."""
    raw = tree.run_bytes("status", "--porcelain=v1", "-z", "--untracked-files=all")
    entries = raw.decode("utf-8", errors="surrogateescape").split("\0")
    modified: list[str] = []
    created: list[str] = []
    removed: list[str] = []
    other: list[str] = []
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:  # the empty string after the last NUL
            continue
        code, path = entry[:2], entry[3:]
        if code == "??":
            if not _is_cache(path):
                created.append(path)
        elif "R" in code or "C" in code:
            origin = entries[index]  # -z writes the source path after the destination
            index += 1
            removed.append(f"{origin} -> {path}")
        elif "D" in code:
            removed.append(path)
        elif "A" in code:
            created.append(path)
        elif set(code) <= {"M", " "}:
            modified.append(path)
        else:  # type changes (a file became a symlink), conflicts
            other.append(f"{path} ({code.strip()})")
    reasons = []
    if created:
        reasons.append(f"the fixers created files: {_names(created)}; they may only modify files")
    if removed:
        reasons.append(f"the fixers deleted or renamed files: {_names(removed)}")
    if other:
        reasons.append(f"the fixers changed file types: {_names(other)}")
    if reasons:
        return (), tuple(reasons)
    changes = tuple(
        Change(path, _text(tree.run_bytes("show", f"{sha}:{path}")), _read(tree.path, path))
        for path in sorted(modified)
    )
    return changes, ()


def _is_cache(path: str) -> bool:
    return any(part in CACHE_DIRECTORIES for part in PurePosixPath(path).parts[:-1])


def _names(paths: Sequence[str], shown: int = 10) -> str:
    more = f" and {len(paths) - shown} more" if len(paths) > shown else ""
    return ", ".join(paths[:shown]) + more


def _read(root: Path, path: str) -> str:
    """A file's text in the worktree; a symlink's text is its target, as git stores it."""
    target = root / path
    if target.is_symlink():
        return str(target.readlink())
    return _text(target.read_bytes())


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _failure(run: CommandRun, what: str) -> str:
    return f"'{run.command}' {what} (exit status {run.returncode}):\n{run.tail}"


def _timeout_reason(run: CommandRun, config: FixConfig) -> str:
    return f"'{run.command}' timed out after {config.test_timeout:g} s (fix.test-timeout)"
