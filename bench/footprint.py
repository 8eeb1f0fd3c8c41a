"""Install footprint benchmark: what the action's runtime environment holds, in distributions and
MiB, against the environment it used to build (the lock plus the build backend plus pip).

Run: .venv/bin/python bench/footprint.py

The action installs with `pip install --no-compile`: Python compiles a module's bytecode when a
run first imports it (and the cached environment keeps it), so only what runs is compiled.
bench/startup.py --cold measures what that first import costs.
Sizes are read from the installed distributions of this environment (their RECORD files; a
development environment has every runtime dependency at the locked version), so nothing is
downloaded; a version that differs from the lock is reported. ci-agent itself counts as the
files its wheel ships (ci_agent/, templates/, workflows/).
"""

from __future__ import annotations

import argparse
import re
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
_PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^ ;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$", re.M)
GOAL_DISTRIBUTIONS = 40
GOAL_MIB = 90.0
MIB = 1024 * 1024


def locked(path: Path) -> dict[str, str]:
    """name -> version for the lock's entries whose markers hold on this machine."""
    found: dict[str, str] = {}
    for name, version, marker in _PIN.findall(path.read_text(encoding="utf-8")):
        if marker and not Marker(marker).evaluate():
            continue
        found[canonicalize_name(name)] = version
    return found


def installed_size(name: str, *, bytecode: bool = True) -> tuple[int, str | None]:
    """Bytes of the installed distribution's files (without the .pyc files pip compiles at
    install time unless ``bytecode``), and its version (None if not installed)."""
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return 0, None
    total = 0
    for file in dist.files or ():
        if not bytecode and file.suffix == ".pyc":
            continue
        path = Path(str(dist.locate_file(file)))
        if path.is_file():
            total += path.stat().st_size
    return total, dist.version


def own_size() -> int:
    """ci-agent's wheel content: the package and its data, without bytecode caches."""
    total = 0
    for top in ("ci_agent", "templates", "workflows"):
        for path in (ROOT / top).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                total += path.stat().st_size
    return total


def measure(names: dict[str, str], notes: list[str], *, bytecode: bool = True) -> dict[str, int]:
    sizes: dict[str, int] = {"ci-agent": own_size()}
    for name, version in sorted(names.items()):
        size, have = installed_size(name, bytecode=bytecode)
        if have is None:
            notes.append(f"{name} {version} is not installed here: counted as 0 bytes")
        elif have != version:
            notes.append(f"{name}: the lock says {version}, this environment has {have}")
        sizes[name] = size
    return sizes


def report(title: str, sizes: dict[str, int], top: int) -> float:
    mib = sum(sizes.values()) / MIB
    print(f"{title}: {len(sizes)} distributions, {mib:.1f} MiB")
    for name, size in sorted(sizes.items(), key=lambda item: -item[1])[:top]:
        print(f"  {name:24} {size / MIB:6.1f} MiB")
    return mib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=8, help="list the N largest distributions")
    options = parser.parse_args()
    notes: list[str] = []
    runtime = locked(ROOT / "requirements.lock")
    build = locked(ROOT / "requirements-build.lock")
    lean = measure(runtime, notes, bytecode=False)
    # The baseline, measured in the same run: the environment the action made before the
    # backend moved to its own lock, pip stayed out and bytecode was left to the first import
    # (lock + backend + pip + ci-agent, with the .pyc files pip compiles).
    before = measure({**runtime, **build, "pip": installed_size("pip")[1] or "?"}, notes)
    base_mib = report("baseline (lock + build backend + pip)", before, options.top)
    lean_mib = report(
        "runtime environment (what the action installs now: --no-compile)", lean, options.top
    )
    gone = sorted(before.keys() - lean.keys())
    print(f"left out of the runtime environment: {', '.join(gone)}")
    print(
        f"ratio runtime/baseline: {len(lean) / len(before):.2f} in distributions, "
        f"{lean_mib / base_mib:.2f} in size"
    )
    dists_ok = len(lean) <= GOAL_DISTRIBUTIONS
    size_ok = lean_mib <= GOAL_MIB
    print(
        f"goals: <= {GOAL_DISTRIBUTIONS} distributions ({'met' if dists_ok else 'NOT met'}), "
        f"<= {GOAL_MIB:.0f} MiB ({'met' if size_ok else 'NOT met'})"
    )
    for note in sorted(set(notes)):
        print(f"note: {note}")


if __name__ == "__main__":
    main()
