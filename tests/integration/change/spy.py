"""A test file that tries every way a test (or model-written code) could read a secret.

``spy_test(report, targets)`` returns the source of a pytest module: its one test reads the
environment, every visible process's ``environ`` and ``cmdline`` (ancestors first), git's
configuration from the worktree, the original repository's ``.git/config``, the given files
and directories (``$RUNNER_TEMP``, ``$HOME``), tries to unmount what hides them, connects to
a server outside the loopback interface when one is given, and to one of its own on loopback.
Everything it saw is written to ``report`` as JSON, for the test to search for secrets.
"""

from __future__ import annotations

__all__ = ["spy_test"]

_SOURCE = """
import ctypes, ctypes.util, json, os, socket, subprocess, threading

REPORT = {report!r}
TARGETS = {targets!r}
OUTSIDE = {outside!r}


def _read(path, seen):
    try:
        with open(path, "rb") as handle:
            seen.append(path + ": " + handle.read(1 << 20).decode("utf-8", "replace"))
            return True
    except OSError as exc:
        seen.append(path + ": " + type(exc).__name__)
        return False


def _walk(top, seen, files):
    for base, dirs, names in os.walk(top):
        seen.append("dir " + base + ": " + " ".join(sorted(dirs + names)))
        for name in names:
            files.append(os.path.join(base, name))
            _read(os.path.join(base, name), seen)


def _proc(seen):
    pids = [p for p in os.listdir("/proc") if p.isdigit()]
    chain, pid = [], os.getpid()
    while pid > 0 and len(chain) < 64:
        chain.append(pid)
        try:
            status = open(f"/proc/{{pid}}/status").read()
        except OSError:
            break
        pid = int(status.split("PPid:")[1].split()[0])
    for pid in [*map(str, chain), *pids]:
        for name in ("environ", "cmdline"):
            _read(f"/proc/{{pid}}/{{name}}", seen)
    return pids, chain


def _connect(address):
    try:
        with socket.create_connection(tuple(address), timeout=3) as conn:
            conn.sendall(b"hello")
            return True
    except OSError:
        return False


def test_reads_every_place_a_secret_could_be():
    seen = [repr(dict(os.environ))]
    pids, chain = _proc(seen)
    git = subprocess.run(
        ["git", "config", "--list", "--show-origin", "--includes"],
        capture_output=True, text=True, check=False,
    )
    seen.append("git config: " + git.stdout + git.stderr)
    files = []
    for target in TARGETS:
        if os.path.isdir(target):
            _walk(target, seen, files)
        else:
            _read(target, seen)
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    unmounted = [t for t in TARGETS if libc.umount2(t.encode(), 2) == 0]
    for target in TARGETS:
        if os.path.isdir(target):
            _walk(target, seen, [])
        else:
            _read(target, seen)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    threading.Thread(target=lambda: server.accept()[0].close(), daemon=True).start()
    loopback = _connect(server.getsockname())
    outside = _connect(OUTSIDE) if OUTSIDE else None
    with open(REPORT, "w") as handle:
        json.dump(
            {{
                "seen": seen,
                "pids": pids,
                "chain": chain,
                "files": files,
                "unmounted": unmounted,
                "loopback": loopback,
                "outside": outside,
                "uid": os.getuid(),
            }},
            handle,
        )
"""


def spy_test(report: str, targets: list[str], outside: tuple[str, int] | None) -> str:
    """The spy's pytest module, writing what it saw to ``report``."""
    return _SOURCE.format(report=report, targets=targets, outside=list(outside or ()))
