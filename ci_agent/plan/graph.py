"""Which units a change touches, everything that depends on them, and the order to deploy.

Edges run from a unit to the units it depends on; a unit deploys after its dependencies. The
affected set is the units owning a changed path plus, transitively, every unit depending on
one of them. Layers are Kahn's topological order taken a level at a time — each layer can
deploy in parallel — with names sorted inside a layer, so the same graph always gives the same
plan. A cycle is an error that names it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ci_agent.config_deploy import Unit
from ci_agent.errors import fail

__all__ = ["Ownership", "affected_units", "find_cycle", "layers", "owners"]


@dataclass(frozen=True)
class Ownership:
    """Changed paths by unit, and the changed paths no unit owns."""

    by_unit: Mapping[str, tuple[str, ...]]
    unowned: tuple[str, ...]


def owners(units: Sequence[Unit], paths: Iterable[str]) -> Ownership:
    """Match every changed path against every unit's globs (a path may belong to several)."""
    import pathspec

    specs = [(u.name, pathspec.GitIgnoreSpec.from_lines(u.paths)) for u in units]
    by_unit: dict[str, list[str]] = {}
    unowned: list[str] = []
    for path in sorted(set(paths)):
        matched = [name for name, spec in specs if spec.match_file(path)]
        for name in matched:
            by_unit.setdefault(name, []).append(path)
        if not matched:
            unowned.append(path)
    return Ownership({k: tuple(v) for k, v in sorted(by_unit.items())}, tuple(unowned))


def affected_units(units: Sequence[Unit], changed: Iterable[str]) -> dict[str, str]:
    """Affected unit -> why: changed itself, or which dependency brought it in."""
    dependents: dict[str, list[str]] = {u.name: [] for u in units}
    for unit in units:
        for dependency in unit.depends_on:
            dependents[dependency].append(unit.name)
    why = dict.fromkeys(sorted(set(changed)), "changed")
    queue = sorted(why)
    while queue:
        name = queue.pop(0)
        for dependent in sorted(dependents.get(name, ())):
            if dependent not in why:
                why[dependent] = f"depends on {name}"
                queue.append(dependent)
    return dict(sorted(why.items()))


def find_cycle(units: Sequence[Unit]) -> list[str] | None:
    """A dependency cycle as a list of names (first repeated last), or None."""
    edges = {u.name: sorted(u.depends_on) for u in units}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        path.append(name)
        for dependency in edges.get(name, ()):
            if state.get(dependency) == 1:
                return [*path[path.index(dependency) :], dependency]
            if dependency not in state and (found := visit(dependency)):
                return found
        path.pop()
        state[name] = 2
        return None

    for name in sorted(edges):
        if name not in state and (found := visit(name)):
            return found
    return None


def layers(units: Sequence[Unit], selected: Iterable[str]) -> list[list[str]]:
    """The selected units in parallel groups: each group only after the ones before it."""
    cycle = find_cycle(units)
    if cycle:
        raise fail("CA160", cycle=" -> ".join(cycle))
    chosen = set(selected)
    needs = {u.name: {d for d in u.depends_on if d in chosen} for u in units if u.name in chosen}
    ordered: list[list[str]] = []
    while needs:
        ready = sorted(name for name, deps in needs.items() if not deps)
        ordered.append(ready)
        for name in ready:
            del needs[name]
        for deps in needs.values():
            deps.difference_update(ready)
    return ordered
