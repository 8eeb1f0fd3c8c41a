"""The first program inside a test run's namespaces: hide what holds secrets, then become the
unprivileged user and run the test command.

It runs as root of the new namespaces (``unshare --map-root-user``, or real root through
``sudo``), started as ``python -I sandbox_init.py SPEC`` so it imports nothing from the job,
and uses the standard library only. Steps, all before any repository code runs:

1. bring the loopback interface up (the network namespace has no other: no outbound network);
2. open the paths to keep (the worktree, the scratch directory, the programs) before masking;
3. mount an empty tmpfs over every masked directory and ``/dev/null`` over every masked file;
4. bind the kept paths back where a mask covered them;
5. bind sanitized copies read-only over the git configuration files that hold credentials;
6. make the checkout read-only (code run in a copy of it must not plant files or git hooks
   there), bind the paths the command writes back writable, then make the repository's
   ``.git`` read-only whatever lies around it;
7. exec the command through ``unshare --user`` (namespaces: a nested user namespace that maps
   the caller's uid, so the command holds no capability over these mounts) or ``setpriv``
   (sudo: drop to the caller's uid and gid, no groups, no capabilities, no new privileges).

Exit status 121 with a ``ci-agent sandbox:`` line on stderr means the setup failed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import json
import os
import socket
import struct
import sys
from pathlib import Path
from typing import Any

__all__ = ["SETUP_FAILED", "main"]

SETUP_FAILED = 121
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_REMOUNT, _MS_BIND, _MS_REC = 1, 2, 4, 32, 4096, 16384
_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1


def _mount(
    libc: Any, source: str, target: str, *, fstype: str = "", flags: int, data: str = ""
) -> None:
    result = libc.mount(
        source.encode(),
        target.encode(),
        fstype.encode() if fstype else None,
        ctypes.c_ulong(flags),
        data.encode() if data else None,
    )
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount {target}: {os.strerror(errno)}")


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14s", b"lo", 0, b"")
        flags = struct.unpack("16sH14s", fcntl.ioctl(sock, _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, _SIOCSIFFLAGS, struct.pack("16sH14s", b"lo", flags | _IFF_UP, b""))


def _inside(path: str, parent: str) -> bool:
    parent = parent.rstrip("/")
    return path.rstrip("/") == parent or path.startswith(parent + "/")


def _setup(spec: dict[str, Any]) -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    _loopback_up()
    masks = [m for m in spec["masks"] if os.path.lexists(m)]
    kept = [(path, os.open(path, os.O_PATH)) for path in spec["keep"] if Path(path).exists()]
    # The sanitized copies may live under a mask (a TMPDIR inside $RUNNER_TEMP): open first.
    copies = [
        (target, os.open(source, os.O_PATH))
        for target, source in spec["replace"]
        if Path(target).is_file()
    ]
    for path in masks:
        if Path(path).is_dir() and not Path(path).is_symlink():
            flags = _MS_NOSUID | _MS_NODEV
            _mount(libc, "tmpfs", path, fstype="tmpfs", flags=flags, data="mode=0755,size=64m")
        elif Path(path).is_file():
            _mount(libc, "/dev/null", path, flags=_MS_BIND)
    for path, fd in kept:
        if any(_inside(path, m) for m in masks):
            point = Path(path)
            if Path(f"/proc/self/fd/{fd}").is_dir():
                point.mkdir(parents=True, exist_ok=True)
            else:
                point.parent.mkdir(parents=True, exist_ok=True)
                point.touch()
            _mount(libc, f"/proc/self/fd/{fd}", path, flags=_MS_BIND | _MS_REC)
        os.close(fd)
    # After the kept paths are back: a repository's .git may itself be kept under a mask.
    for target, fd in copies:
        _mount(libc, f"/proc/self/fd/{fd}", target, flags=_MS_BIND)
        _mount(libc, "", target, flags=_MS_BIND | _MS_REMOUNT | _MS_RDONLY)
        os.close(fd)
    # A directory the command writes in is not made read-only itself (a writable bind over
    # it would copy the read-only one along); one inside it is bound back writable.
    readonly = [
        p
        for p in spec.get("readonly", ())
        if Path(p).is_dir() and p not in spec.get("writable", ())
    ]
    # Opened before the read-only mounts: a bind from these keeps the original, writable mount.
    writable = [
        (path, os.open(path, os.O_PATH))
        for path in spec.get("writable", ())
        if Path(path).is_dir() and any(_inside(path, r) for r in readonly)
    ]
    for path in readonly:
        _read_only(libc, path)
    for path, fd in writable:
        _mount(libc, f"/proc/self/fd/{fd}", path, flags=_MS_BIND | _MS_REC)
        os.close(fd)
    for path in spec.get("sealed", ()):
        if Path(path).is_dir():
            _read_only(libc, path)


def _read_only(libc: Any, path: str) -> None:
    # A bind of the directory onto itself is a mount of its own, which can be made read-only.
    _mount(libc, path, path, flags=_MS_BIND | _MS_REC)
    _mount(libc, "", path, flags=_MS_BIND | _MS_REMOUNT | _MS_RDONLY)


def _command(spec: dict[str, Any]) -> list[str]:
    uid, gid, argv = str(spec["uid"]), str(spec["gid"]), list(spec["argv"])
    if spec["mode"] == "sudo":
        drop = ["--reuid", uid, "--regid", gid, "--clear-groups", "--inh-caps=-all"]
        return [spec["setpriv"], *drop, "--bounding-set=-all", "--no-new-privs", "--", *argv]
    return [spec["unshare"], "--user", f"--map-user={uid}", f"--map-group={gid}", "--", *argv]


def main(args: list[str]) -> int:
    """Set the sandbox up as SPEC (JSON, the only argument) says and exec its command."""
    try:
        spec = json.loads(args[0])
        _setup(spec)
        os.chdir(spec["cwd"])
        command = _command(spec)
    except (OSError, KeyError, IndexError, ValueError) as exc:
        sys.stderr.write(f"ci-agent sandbox: {exc}\n")
        return SETUP_FAILED
    try:
        # The command is the one the caller built (unshare/setpriv + the test command).
        os.execve(command[0], command, spec["env"])  # noqa: S606
    except OSError as exc:
        sys.stderr.write(f"ci-agent sandbox: cannot run {command[0]}: {exc}\n")
    return SETUP_FAILED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
