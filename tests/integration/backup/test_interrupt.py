"""SIGTERM during ``backup create`` of a repository big enough to be mid-bundle: the command
stops with CA702, no git process it started survives, nothing partial is left; after SIGKILL
(which cannot be handled) the marked staging directory is listed, then removed by the next
create."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ci_agent.backup.staging import MARKER
from tests.conftest import git

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 MiB of incompressible blobs in loose objects: bundling them takes a while."""
    repo = tmp_path_factory.mktemp("big") / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for n in range(24):
        (repo / f"blob{n}.bin").write_bytes(os.urandom(1 << 20))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "big")
    return repo


def _children() -> dict[int, int]:
    """pid -> parent pid of every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                found[int(entry.name)] = int(fields[1])
    return found


def descendants(pid: int) -> set[int]:
    """Living (not zombie) descendants of ``pid``."""
    parents = _children()
    out: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - out
        out |= frontier
    return out


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def start_create(repo: Path, out: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    env.pop("GITHUB_TOKEN", None)
    return subprocess.Popen(
        [sys.executable, "-m", "ci_agent", "backup", "create", "--path", str(repo),
         "--out", str(out), "--no-metadata"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own group, so the test can clean up whatever happens
    )  # fmt: skip


def wait_for_pack_objects(proc: subprocess.Popen[bytes]) -> set[int]:
    """The descendants of ``proc`` once ``git pack-objects`` runs among them."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = descendants(proc.pid)
        if any("pack-objects" in _cmdline(pid) for pid in found):
            return found
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.01)
    raise AssertionError("git pack-objects never started")


def gone(pids: set[int], timeout: float = 10.0) -> set[int]:
    """Those of ``pids`` still alive after ``timeout``."""
    deadline = time.monotonic() + timeout
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = pids & set(_children())
        time.sleep(0.05)
    return alive


@pytest.fixture
def cleanup() -> Iterator[list[int]]:
    groups: list[int] = []
    yield groups
    for group in groups:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)


def test_sigterm_mid_bundle_stops_every_child_and_leaves_nothing(
    big: Path, tmp_path: Path, cleanup: list[int]
) -> None:
    out = tmp_path / "out"
    proc = start_create(big, out)
    cleanup.append(proc.pid)
    children = wait_for_pack_objects(proc)
    os.kill(proc.pid, signal.SIGTERM)  # to ci-agent alone, as `kill PID` does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "error[CA702]: interrupted by SIGTERM" in err.decode()
    assert not gone(children), "no git process outlives ci-agent"
    assert not out.exists(), "the --out it created is removed again: nothing partial"


def test_after_sigkill_the_marked_staging_is_listed_then_cleaned(
    big: Path, tmp_path: Path, cleanup: list[int], run_backup: object
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    proc = start_create(big, out)
    cleanup.append(proc.pid)
    children = wait_for_pack_objects(proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    for pid in children:  # what a runner does to a cancelled job's process tree
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    assert not gone(children)
    [stage] = [p for p in out.iterdir() if p.name.startswith(".ci-agent-backup-")]
    assert (stage / MARKER).is_file()
    listed = run_backup("list", "--dir", str(out))  # type: ignore[operator]
    assert f"left by an interrupted create: {stage}" in listed.out
    again = run_backup("create", "--path", str(big), "--out", str(out), "--no-metadata")  # type: ignore[operator]
    assert again.code == 0, again
    assert f"removed {stage.name}" in again.out + again.err
    assert not stage.exists()
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
