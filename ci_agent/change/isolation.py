"""Isolation of the processes that run repository or model-written code from every secret.

Mechanism (Linux): new user, PID, mount and network namespaces through util-linux ``unshare``.
The fresh PID namespace with its own ``/proc`` hides every ancestor (no ``/proc/<pid>/environ``
of the job), the mount namespace hides ``$RUNNER_TEMP``, credential files and the git
configuration's credentials (see ``secret_places``), the network namespace has loopback only,
and the command starts with a clean environment. Where unprivileged user namespaces are
refused (Ubuntu 24.04 restricts them through AppArmor), the same namespaces are made through
passwordless ``sudo`` and the command drops to the caller's uid with ``setpriv``. Where
neither works (macOS, Windows, containers without namespaces) repository code runs only when
no secret is in reach, or when the trusted configuration says ``tests.isolation: none``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ci_agent.change import sandbox_init
from ci_agent.change.secret_places import Mounts, secrets_in_reach
from ci_agent.config_tests import IsolationName
from ci_agent.errors import fail

__all__ = ["Guard", "Isolation", "Mechanism", "choose_isolation"]

Mechanism = Literal["namespaces", "sudo-namespaces", "none"]
_NAMESPACES = ("--pid", "--fork", "--kill-child", "--mount-proc", "--mount", "--net")
_PROBE_SECONDS = 20.0


@dataclass(frozen=True)
class Guard:
    """What a sandboxed command may not change: ``readonly`` directories, in which the
    ``writable`` ones are made writable again, and ``sealed`` ones, read-only whatever holds
    them (the repository's ``.git``: its hooks and configuration run later with the job's
    rights)."""

    readonly: tuple[str, ...] = ()
    writable: tuple[str, ...] = ()
    sealed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Isolation:
    """How test processes are confined, and what the report says about it."""

    mechanism: Mechanism
    note: str
    unshare: str = ""
    setpriv: str = ""

    @property
    def isolated(self) -> bool:
        """Whether commands run inside the namespaces."""
        return self.mechanism != "none"

    def command(
        self,
        argv: Sequence[str],
        cwd: Path,
        env: Mapping[str, str],
        mounts: Mounts,
        guard: Guard | None = None,
    ) -> list[str]:
        """The argument list that runs ``argv`` in ``cwd`` with ``env`` under this isolation;
        ``guard`` says what stays read-only."""
        if not self.isolated:
            return list(argv)
        spec = {
            "mode": "sudo" if self.mechanism == "sudo-namespaces" else "userns",
            "uid": os.getuid(),
            "gid": os.getgid(),
            "argv": list(argv),
            "cwd": str(cwd),
            "env": dict(env),
            "masks": list(mounts.masks),
            "replace": [list(pair) for pair in mounts.replace],
            "keep": list(mounts.keep),
            "readonly": list(guard.readonly) if guard else [],
            "writable": list(guard.writable) if guard else [],
            "sealed": list(guard.sealed) if guard else [],
            "unshare": self.unshare,
            "setpriv": self.setpriv,
        }
        init = [sys.executable, "-I", "-S", sandbox_init.__file__, json.dumps(spec)]
        if self.mechanism == "sudo-namespaces":
            return ["sudo", "-n", self.unshare, *_NAMESPACES, "--", *init]
        return [self.unshare, "--user", "--map-root-user", *_NAMESPACES, "--", *init]


def choose_isolation(wanted: IsolationName, environ: Mapping[str, str]) -> Isolation:
    """The isolation ``tests.isolation`` asks for: CA562 when it is unavailable, CA561 when
    none is available (auto) while a secret is in reach."""
    if wanted == "none":
        note = "tests.isolation is 'none': repository code ran with no isolation from secrets"
        return Isolation("none", note)
    tried: list[str] = []
    if wanted in ("auto", "namespaces"):
        found = _namespaces(tried)
        if found is not None:
            return found
        if wanted == "namespaces":
            raise _unavailable(wanted, tried)
    found = _sudo(tried)
    if found is not None:
        return found
    if wanted == "sudo":
        raise _unavailable(wanted, tried)
    reach = secrets_in_reach(environ)
    why = "; ".join(tried)
    if reach:
        raise fail("CA561", why=why, names=", ".join(reach))
    return Isolation("none", f"no isolation available ({why}); no secret was in reach")


def _unavailable(wanted: str, tried: list[str]) -> Exception:
    return fail("CA562", wanted=wanted, why="; ".join(tried))


def _namespaces(tried: list[str]) -> Isolation | None:
    if not sys.platform.startswith("linux"):
        tried.append(f"no Linux namespaces on {sys.platform}")
        return None
    unshare, setpriv = shutil.which("unshare"), shutil.which("setpriv")
    if unshare is None:
        tried.append("unshare (util-linux) is not installed")
        return None
    probe = [unshare, "--user", "--map-root-user", *_NAMESPACES, "--", "true"]
    problem = _probe(probe)
    if problem:
        tried.append(f"unprivileged user namespaces are refused: {problem}")
        return None
    note = "Linux user, PID, mount and network namespaces (unprivileged)"
    return Isolation("namespaces", note, unshare, setpriv or "")


def _sudo(tried: list[str]) -> Isolation | None:
    if not sys.platform.startswith("linux"):
        return None
    unshare, setpriv, sudo = shutil.which("unshare"), shutil.which("setpriv"), shutil.which("sudo")
    if unshare is None or setpriv is None or sudo is None:
        missing = [
            n for n, p in (("unshare", unshare), ("setpriv", setpriv), ("sudo", sudo)) if not p
        ]
        tried.append(f"sudo fallback needs {', '.join(missing)}")
        return None
    problem = _probe([sudo, "-n", unshare, *_NAMESPACES, "--", "true"])
    if problem:
        tried.append(f"passwordless sudo with namespaces is unavailable: {problem}")
        return None
    note = "Linux PID, mount and network namespaces through sudo; the command runs as this user"
    return Isolation("sudo-namespaces", note, unshare, setpriv)


def _probe(argv: list[str]) -> str:
    """Empty when ``argv`` runs and exits 0, else what went wrong (first line)."""
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=_PROBE_SECONDS,
            check=False,
            env={"PATH": os.environ.get("PATH", os.defpath)},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if done.returncode == 0:
        return ""
    text = done.stderr.decode("utf-8", "replace").strip().splitlines()
    return text[0] if text else f"exit status {done.returncode}"
