"""Affected units, parallel layers and cycles: checked against a brute-force order."""

from __future__ import annotations

import itertools
import random

import pytest

from ci_agent.config_deploy import DeployConfig, Unit
from ci_agent.errors import CiAgentError
from ci_agent.plan.graph import affected_units, find_cycle, layers, owners


def unit(name: str, *depends_on: str, paths: tuple[str, ...] = ()) -> Unit:
    return Unit(name=name, paths=paths or (f"{name}/**",), depends_on=depends_on)


UNITS = (
    unit("db"),
    unit("lib"),
    unit("api", "db", "lib"),
    unit("worker", "lib"),
    unit("web", "api"),
    unit("docs"),
)


def test_owners_match_globs_and_list_what_no_unit_owns() -> None:
    owned = owners(UNITS, ["api/app.py", "lib/x.py", "README.md", "api/app.py"])
    assert owned.by_unit == {"api": ("api/app.py",), "lib": ("lib/x.py",)}
    assert owned.unowned == ("README.md",)


def test_dependents_are_affected_transitively_with_the_reason() -> None:
    assert affected_units(UNITS, ["lib"]) == {
        "api": "depends on lib",
        "lib": "changed",
        "web": "depends on api",
        "worker": "depends on lib",
    }


def test_layers_put_each_unit_after_its_dependencies() -> None:
    assert layers(UNITS, ["db", "lib", "api", "worker", "web"]) == [
        ["db", "lib"],
        ["api", "worker"],
        ["web"],
    ]
    # A dependency that is not being deployed does not hold a unit back.
    assert layers(UNITS, ["api", "web"]) == [["api"], ["web"]]


def _brute_force_depth(units: list[Unit], chosen: set[str]) -> dict[str, int]:
    """The longest chain of chosen dependencies below each unit, by trying every path."""
    edges = {u.name: [d for d in u.depends_on if d in chosen] for u in units}

    def depth(name: str) -> int:
        return max((1 + depth(d) for d in edges[name]), default=0)

    return {name: depth(name) for name in chosen}


@pytest.mark.parametrize("seed", range(30))
def test_random_graphs_match_the_brute_force_order(seed: int) -> None:
    rng = random.Random(seed)
    names = [f"u{i:02d}" for i in range(12)]
    # Edges only to earlier names: acyclic by construction.
    units = [
        unit(n, *sorted(rng.sample(names[:i], k=min(i, rng.randint(0, 3)))))
        for i, n in enumerate(names)
    ]
    chosen = set(rng.sample(names, k=8))
    shuffled = list(units)
    rng.shuffle(shuffled)
    groups = layers(shuffled, sorted(chosen, reverse=True))
    assert groups == layers(units, chosen)  # input order does not matter
    depth = _brute_force_depth(units, chosen)
    assert {n: i for i, g in enumerate(groups) for n in g} == depth
    assert all(g == sorted(g) for g in groups)


def test_a_cycle_is_a_coded_error_that_names_it() -> None:
    cyclic = (unit("a", "b"), unit("b", "c"), unit("c", "a"), unit("d"))
    assert find_cycle(cyclic) == ["a", "b", "c", "a"]
    with pytest.raises(CiAgentError) as caught:
        layers(cyclic, ["d"])
    assert caught.value.code == "CA160"
    assert "a -> b -> c -> a" in caught.value.message


def test_the_manifest_refuses_unknown_and_duplicate_units() -> None:
    with pytest.raises(ValueError, match="unknown unit"):
        DeployConfig(units=(unit("a", "ghost"),))
    with pytest.raises(ValueError, match="unique"):
        DeployConfig(units=(unit("a"), unit("a")))


def test_every_permutation_of_the_units_gives_the_same_layers() -> None:
    chosen = ["api", "db", "lib", "web", "worker"]
    first = layers(UNITS, chosen)
    for order in itertools.islice(itertools.permutations(UNITS), 0, 720, 37):
        assert layers(order, chosen) == first


@pytest.mark.parametrize("seed", range(20))
def test_the_prefix_index_matches_gitignore_semantics(seed: int) -> None:
    import pathspec

    rng = random.Random(seed)
    dirs = ["a", "a/b", "a/b/c", "b", "b/a", "c"]
    units = []
    for index in range(6):
        patterns = [f"{rng.choice(dirs)}/**"]
        patterns += [f"{'!' if rng.random() < 0.5 else ''}{rng.choice(dirs)}/**" for _ in range(2)]
        if rng.random() < 0.2:
            patterns.append("**/*.md")  # a glob the index does not take: pathspec decides
        units.append(Unit(name=f"u{index}", paths=tuple(patterns)))
    paths = [f"{rng.choice(dirs)}/{rng.choice(['x.py', 'y.md', 'z/w.txt'])}" for _ in range(40)]
    owned = owners(units, paths)
    for path in set(paths):
        expected = {
            u.name for u in units if pathspec.GitIgnoreSpec.from_lines(u.paths).match_file(path)
        }
        got = {name for name, listed in owned.by_unit.items() if path in listed}
        assert got == expected, (path, [u.paths for u in units])
        assert (path in owned.unowned) == (not expected)
