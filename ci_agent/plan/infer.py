"""Units and edges read from the repository when there is no deploy manifest.

What is recognised: docker-compose services that build from the repository (``depends_on``
becomes an edge), directories with a Dockerfile, Terraform root modules and the local modules
they use, npm/pnpm/yarn workspaces and their dependencies on each other, uv workspaces and
Poetry/uv path dependencies, Go modules joined by ``replace``, Helm charts and Kustomize
directories, and migration directories (Alembic, Django, Rails, Prisma, Flyway) — a service
whose directory holds a migration depends on it. Files are read, never executed.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from ci_agent.config_deploy import Unit, UnitKind
from ci_agent.errors import fail

__all__ = ["infer_units"]

_SKIP = {".git", "node_modules", ".venv", "venv", "__pycache__", "vendor", "dist", "build"}
_MAX_FILES = 200_000
_MODULE_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.{1,2}/[^"]+)"', re.M)
_TF_ROOT = re.compile(r"^\s*(terraform|provider|backend)\s", re.M)
_GO_REPLACE = re.compile(r"^\s*(?:replace\s+)?\S+(?:\s+\S+)?\s+=>\s+(\.{1,2}/\S+)", re.M)
_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_NAME_ROOM = 57


class _Units:
    """Units found so far, by directory; names kept unique."""

    def __init__(self) -> None:
        self.by_dir: dict[str, dict[str, Any]] = {}
        self._taken: set[str] = set()

    def add(self, directory: str, kind: UnitKind, name: str | None = None) -> dict[str, Any]:
        if directory in self.by_dir:
            return self.by_dir[directory]
        base = _NAME.sub("-", name or (PurePosixPath(directory).name or "root")).strip("-._")
        # A unit name has at most 64 characters: room is kept for a "-N" that makes it unique.
        base = base[:_NAME_ROOM].rstrip("-._") or "unit"
        unique, n = base, 2
        while unique in self._taken:
            unique, n = f"{base}-{n}", n + 1
        self._taken.add(unique)
        entry = {"name": unique, "kind": kind, "dir": directory, "depends_on": set()}
        self.by_dir[directory] = entry
        return entry


def infer_units(root: Path) -> tuple[Unit, ...]:
    """The units this repository's files describe, sorted by name (empty when none)."""
    files = sorted(_walk(root))
    units = _Units()
    _compose(root, files, units)
    for path in files:
        directory = str(PurePosixPath(path).parent)
        name = PurePosixPath(path).name
        if name == "Dockerfile":
            units.add(directory, "service")
        elif name == "Chart.yaml" or name in {"kustomization.yaml", "kustomization.yml"}:
            units.add(directory, "config")
    _terraform(root, files, units)
    _workspaces(root, files, units)
    _migrations(files, units)
    return _finish(units)


def _walk(root: Path) -> Iterator[str]:
    count = 0
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if any(part in _SKIP for part in relative.parts) or not path.is_file():
            continue
        count += 1
        if count > _MAX_FILES:
            # Inferring from part of a repository would miss units without saying so.
            raise fail(
                "CA161",
                problem=f"the repository has more than {_MAX_FILES:,} files to infer units from",
            )
        yield relative.as_posix()


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None


def _compose(root: Path, files: list[str], units: _Units) -> None:
    names = {"docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml"}
    for path in (f for f in files if PurePosixPath(f).name in names):
        data = _load_yaml(root / path)
        services = data.get("services") if isinstance(data, dict) else None
        if not isinstance(services, dict):
            continue
        base = PurePosixPath(path).parent
        built: dict[str, dict[str, Any]] = {}
        for service, spec in sorted(services.items()):
            build = spec.get("build") if isinstance(spec, dict) else None
            context = build.get("context") if isinstance(build, dict) else build
            if isinstance(context, str) and not context.startswith(("http", "git")):
                directory = _normal(base / context)
                built[str(service)] = units.add(directory, "service", str(service))
        for service, spec in sorted(services.items()):
            needs = spec.get("depends_on") if isinstance(spec, dict) else None
            if str(service) in built and isinstance(needs, list | dict):
                for other in needs:
                    if str(other) in built:
                        built[str(service)]["depends_on"].add(built[str(other)]["dir"])


def _terraform(root: Path, files: list[str], units: _Units) -> None:
    by_dir: dict[str, str] = {}
    for path in (f for f in files if f.endswith(".tf")):
        directory = str(PurePosixPath(path).parent)
        try:
            by_dir[directory] = by_dir.get(directory, "") + (root / path).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    for directory, text in sorted(by_dir.items()):
        if not _TF_ROOT.search(text):
            continue
        unit = units.add(directory, "infra")
        for source in _MODULE_SOURCE.findall(text):
            module = _normal(PurePosixPath(directory) / source)
            if module in by_dir:
                units.add(module, "library")
                unit["depends_on"].add(module)


def _workspaces(root: Path, files: list[str], units: _Units) -> None:
    packages: dict[str, str] = {}  # package name -> directory
    manifests: dict[str, dict[str, Any]] = {}
    for path in files:
        name = PurePosixPath(path).name
        directory = str(PurePosixPath(path).parent)
        if name == "package.json":
            data = _json(root / path)
            if isinstance(data, dict) and isinstance(data.get("name"), str):
                packages[data["name"]] = directory
                # What ships with a package orders its deployment; devDependencies only build
                # and test it (and form cycles in real monorepos: core <-> generator in Babel).
                manifests[directory] = {
                    "deps": {
                        **(data.get("dependencies") or {}),
                        **(data.get("peerDependencies") or {}),
                        **(data.get("optionalDependencies") or {}),
                    },
                    "kind": "service" if "start" in (data.get("scripts") or {}) else "library",
                }
        elif name in {"pyproject.toml", "go.mod"}:
            manifests.setdefault(directory, {"deps": {}, "kind": "library"})
            manifests[directory]["paths"] = _local_paths(root / path, name)
    if len(manifests) < 2:
        return  # one package is the repository itself, not a workspace
    for directory, info in sorted(manifests.items()):
        if directory == ".":
            continue
        unit = units.add(directory, info["kind"])
        for dependency in sorted(info["deps"]):
            if dependency in packages and packages[dependency] != directory:
                unit["depends_on"].add(units.add(packages[dependency], "library")["dir"])
        for relative in info.get("paths", ()):
            target = _normal(PurePosixPath(directory) / relative)
            if target in manifests and target != directory:
                unit["depends_on"].add(units.add(target, "library")["dir"])


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def _local_paths(path: Path, name: str) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    if name == "go.mod":
        return _GO_REPLACE.findall(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    tool = data.get("tool") or {}
    return [
        str(spec["path"])
        for section in (
            (tool.get("uv") or {}).get("sources") or {},
            ((tool.get("poetry") or {}).get("dependencies") or {}),
        )
        for spec in section.values()
        if isinstance(spec, dict) and isinstance(spec.get("path"), str)
    ]


def _migrations(files: list[str], units: _Units) -> None:
    markers = (
        "alembic/versions/",
        "migrations/",
        "db/migrate/",
        "prisma/migrations/",
        "db/migration/",
    )
    found: set[str] = set()
    for path in files:
        for marker in markers:
            index = path.find(marker)
            if index == 0 or (index > 0 and path[index - 1] == "/"):
                found.add(path[: index + len(marker) - 1])
                break
    for directory in sorted(found):
        migration = units.add(directory, "migration", _migration_name(directory))
        owner = _owner(directory, units)
        if owner is not None and owner is not migration:
            owner["depends_on"].add(directory)


def _migration_name(directory: str) -> str:
    parts = [p for p in PurePosixPath(directory).parts if p not in {"versions", "migrate"}]
    return "-".join(parts[-2:]) if len(parts) > 1 else f"{parts[-1]}-migrations"


def _owner(directory: str, units: _Units) -> dict[str, Any] | None:
    """The service whose directory holds ``directory`` most closely."""
    best = None
    for unit_dir, unit in units.by_dir.items():
        inside = _inside(directory, unit_dir)
        if unit["kind"] == "service" and inside and (best is None or len(unit_dir) > len(best[0])):
            best = (unit_dir, unit)
    return best[1] if best else None


def _normal(path: PurePosixPath) -> str:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts) or "."


def _inside(path: str, directory: str) -> bool:
    return directory == "." or path.startswith(directory + "/")


def _finish(units: _Units) -> tuple[Unit, ...]:
    by_dir = units.by_dir
    made = []
    for directory, entry in sorted(by_dir.items(), key=lambda item: item[1]["name"]):
        nested = [
            d
            for d in by_dir
            if d != directory and (directory == "." or d.startswith(directory + "/"))
        ]
        paths = ["**"] if directory == "." else [f"{directory}/**"]
        paths += [f"!{d}/**" for d in sorted(nested)]
        made.append(
            Unit(
                name=entry["name"],
                kind=entry["kind"],
                paths=tuple(paths),
                depends_on=tuple(
                    sorted(by_dir[d]["name"] for d in entry["depends_on"] if d in by_dir)
                ),
            )
        )
    return tuple(made)
