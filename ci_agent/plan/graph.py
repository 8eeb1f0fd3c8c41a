"""Which units a change touches, everything that depends on them, and the order to deploy.

Edges run from a unit to the units it depends on; a unit deploys after its dependencies. The
affected set is the units owning a changed path plus, transitively, every unit depending on
one of them. Layers are Kahn's topological order taken a level at a time — each layer can
deploy in parallel — with names sorted inside a layer, so the same graph always gives the same
plan. A cycle is an error that names it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
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
    """Match every changed path against every unit's globs (a path may belong to several).

    Most units are directory prefixes (``api/**``, ``!api/docs/**``): those are looked up by
    the path's parent directories, so a large change against many units stays linear; other
    globs go through pathspec's gitignore matching. Within a unit the last matching pattern
    decides, as in a .gitignore.
    """
    import pathspec

    by_prefix: dict[str, list[str]] = {}  # directory ("" for everything) -> simple units
    simple: dict[str, list[tuple[bool, str]]] = {}
    complex_specs = []
    for unit in units:
        rules = [_prefix_rule(pattern) for pattern in unit.paths]
        if all(rule is not None for rule in rules):
            simple[unit.name] = [rule for rule in rules if rule is not None]
            for positive, prefix in simple[unit.name]:
                if positive:
                    by_prefix.setdefault(prefix, []).append(unit.name)
        else:
            complex_specs.append((unit.name, pathspec.GitIgnoreSpec.from_lines(unit.paths)))
    by_unit: dict[str, list[str]] = {}
    unowned: list[str] = []
    for path in sorted(set(paths)):
        candidates = {name for d in _directories(path) for name in by_prefix.get(d, ())}
        matched = [name for name in candidates if _simple_match(simple[name], path)]
        matched += [name for name, spec in complex_specs if spec.match_file(path)]
        for name in matched:
            by_unit.setdefault(name, []).append(path)
        if not matched:
            unowned.append(path)
    return Ownership({k: tuple(v) for k, v in sorted(by_unit.items())}, tuple(unowned))


def _prefix_rule(pattern: str) -> tuple[bool, str] | None:
    """(positive, directory) for ``[!]dir/**`` and ``**``; None for any other glob."""
    positive = not pattern.startswith("!")
    body = pattern.lstrip("!").strip("/")
    if body == "**":
        return positive, ""
    if not body.endswith("/**"):
        return None
    directory = body[: -len("/**")]
    if not directory or any(char in directory for char in "*?[]\\") or directory.startswith("**"):
        return None
    return positive, directory


def _directories(path: str) -> Iterator[str]:
    """ "" and every parent directory of ``path`` ("a", "a/b" for "a/b/c.py")."""
    yield ""
    parts = path.split("/")[:-1]
    for end in range(1, len(parts) + 1):
        yield "/".join(parts[:end])


def _simple_match(rules: Sequence[tuple[bool, str]], path: str) -> bool:
    """The last rule whose directory holds ``path`` decides."""
    decided = False
    for positive, directory in rules:
        if not directory or path.startswith(directory + "/"):
            decided = positive
    return decided


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
