"""The package layout keeps its promises: no import cycles, capabilities never import each
other, and the lower layers do not reach up (the LLM layer never sees the run's Settings;
triage and the change core sit below the capabilities, which may all use them).

Module-level imports are read from the source (function-level lazy imports are how commands
load capabilities on demand, and are allowed to point down only).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "ci_agent"
CAPABILITIES = ("review", "fix", "backup", "plan", "insights")
# What a layer may not import, at any level (module or function).
FORBIDDEN = {
    "llm": (
        "ci_agent.config",
        "ci_agent.commands",
        "ci_agent.compose",
        *[f"ci_agent.{c}" for c in CAPABILITIES],
    ),
    "report": ("ci_agent.commands", "ci_agent.compose", *[f"ci_agent.{c}" for c in CAPABILITIES]),
    "forge": ("ci_agent.commands", "ci_agent.compose", *[f"ci_agent.{c}" for c in CAPABILITIES]),
    "runner": ("ci_agent.commands", "ci_agent.compose", *[f"ci_agent.{c}" for c in CAPABILITIES]),
    "triage": ("ci_agent.commands", "ci_agent.compose", *[f"ci_agent.{c}" for c in CAPABILITIES]),
    "change": ("ci_agent.commands", "ci_agent.compose", *[f"ci_agent.{c}" for c in CAPABILITIES]),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
_ALL = frozenset(MODULES)


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from pkg import module` depends on the module; `from pkg import name` on pkg.
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in _ALL else node.module)
    return {name for name in found if name.startswith("ci_agent")}


def test_no_module_level_import_cycles() -> None:
    graph = {
        name: {m for m in _imports(path, top_level_only=True) if m in MODULES and m != name}
        for name, path in MODULES.items()
    }
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        stack.append(name)
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[name] = 2
        return None

    for name in sorted(graph):
        if name not in state:
            cycle = visit(name)
            assert cycle is None, " -> ".join(cycle)


@pytest.mark.parametrize("capability", CAPABILITIES)
def test_capabilities_never_import_each_other(capability: str) -> None:
    others = [f"ci_agent.{c}" for c in CAPABILITIES if c != capability]
    for name, path in MODULES.items():
        if not name.startswith(f"ci_agent.{capability}"):
            continue
        for target in _imports(path, top_level_only=False):
            assert not any(target == o or target.startswith(o + ".") for o in others), (
                f"{name} imports {target}"
            )


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_lower_layers_do_not_reach_up(layer: str) -> None:
    checked = 0
    for name, path in MODULES.items():
        if name != f"ci_agent.{layer}" and not name.startswith(f"ci_agent.{layer}."):
            continue
        for target in _imports(path, top_level_only=False):
            for banned in FORBIDDEN[layer]:
                assert not (target == banned or target.startswith(banned + ".")), (
                    f"{name} imports {target}"
                )
        checked += 1
    assert checked, f"no modules found in the ci_agent.{layer} layer"
