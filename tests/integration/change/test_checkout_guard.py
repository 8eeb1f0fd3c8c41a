"""Code run inside the sandbox cannot change the checkout it was copied from, nor plant a git
hook: the checkout is read-only but for where the command works, and its ``.git`` is read-only
always (a hook planted there would run at the next commit, with the job's rights)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ci_agent.change.sandbox import make_sandbox
from ci_agent.config_tests import TestsConfig

WRITER = """
import sys
from pathlib import Path
for target in sys.argv[1:]:
    try:
        Path(target).write_text("#!/bin/sh\\necho planted\\n")
        print("wrote", target)
    except OSError as exc:
        print("refused", target, exc.errno)
"""


def _repository(root: Path) -> Path:
    root.mkdir()
    (root / "module.py").write_text("X = 1\n")
    env = {"PATH": os.environ["PATH"], "HOME": str(root.parent)}
    for args in (("init", "-q"), ("add", "-A")):
        subprocess.run(["git", *args], cwd=root, check=True, env=env)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "start"],
        cwd=root,
        check=True,
        env=env,
    )
    return root


def _sandbox():  # type: ignore[no-untyped-def]
    sandbox = make_sandbox(TestsConfig(), {"PATH": os.environ["PATH"]})
    if not sandbox.isolation.isolated:
        pytest.skip(f"no isolation on this machine: {sandbox.isolation.note}")
    return sandbox


def _run(sandbox, cwd: Path, repository: Path, keep: Path, *targets: Path) -> str:  # type: ignore[no-untyped-def]
    code, output = sandbox.run(
        [sys.executable, "-c", WRITER, *map(str, targets)],
        cwd,
        60,
        keep=(keep,),
        repository=repository,
    )
    assert code == 0, output
    return output.decode()


def test_a_command_in_a_copy_cannot_touch_the_checkout_or_its_hooks(tmp_path: Path) -> None:
    sandbox = _sandbox()
    root = _repository(tmp_path / "checkout")
    copy, work = tmp_path / "copy", tmp_path / "work"
    copy.mkdir()
    work.mkdir()
    hook = root / ".git" / "hooks" / "post-commit"
    # The copy and the kept work directory may lie inside the checkout (a TMPDIR there).
    inner = root / "build" / "copy"
    inner.mkdir(parents=True)

    output = _run(
        sandbox, copy, root, work,
        root / "planted.py", hook, root / ".git" / "config",
        copy / "ok.py", work / "ok.txt",
    )  # fmt: skip
    inside = _run(sandbox, inner, root, work, inner / "ok.py", root / "planted.py")

    assert f"refused {root / 'planted.py'}" in output
    assert f"refused {hook}" in output
    assert f"refused {root / '.git' / 'config'}" in output
    assert f"wrote {copy / 'ok.py'}" in output and f"wrote {work / 'ok.txt'}" in output
    assert f"wrote {inner / 'ok.py'}" in inside and f"refused {root / 'planted.py'}" in inside
    assert not (root / "planted.py").exists() and not hook.exists()
    assert (copy / "ok.py").exists() and (work / "ok.txt").exists() and (inner / "ok.py").exists()


def test_a_command_in_the_checkout_itself_writes_there_but_not_into_git(tmp_path: Path) -> None:
    sandbox = _sandbox()
    root = _repository(tmp_path / "checkout")
    work = tmp_path / "work"
    work.mkdir()
    hook = root / ".git" / "hooks" / "pre-push"

    output = _run(sandbox, root, root, work, root / "written.py", hook)

    assert f"wrote {root / 'written.py'}" in output
    assert f"refused {hook}" in output and not hook.exists()


def test_a_command_given_a_home_of_its_own_cannot_write_into_the_job_s(tmp_path: Path) -> None:
    real_home, own_home, work = tmp_path / "home", tmp_path / "own-home", tmp_path / "work"
    for directory in (real_home, own_home, work):
        directory.mkdir()
    sandbox = make_sandbox(TestsConfig(), {"PATH": os.environ["PATH"], "HOME": str(real_home)})
    if not sandbox.isolation.isolated:
        pytest.skip(f"no isolation on this machine: {sandbox.isolation.note}")
    root = _repository(real_home / "checkout")  # a runner's workspace lies in its home
    copy = tmp_path / "copy"
    copy.mkdir()
    targets = (real_home / ".gitconfig", real_home / ".bashrc", own_home / "ok", copy / "ok")

    code, output = sandbox.run(
        [sys.executable, "-c", WRITER, *map(str, targets)],
        copy,
        60,
        keep=(work,),
        extra_env={"HOME": str(own_home)},
        repository=root,
    )
    shared, _ = sandbox.run([sys.executable, "-c", WRITER, str(real_home / "x")], copy, 60)

    text = output.decode()
    assert code == 0 and shared == 0, text
    assert f"refused {real_home / '.gitconfig'}" in text
    assert f"refused {real_home / '.bashrc'}" in text
    assert f"wrote {own_home / 'ok'}" in text and f"wrote {copy / 'ok'}" in text
    # Given the job's own home, the command may write there as the job's tests would.
    assert (real_home / "x").exists() and not (real_home / ".gitconfig").exists()
