"""Pynguin's search-based tests, run where Pynguin is installed (the project's interpreter, or
its own environment: ``test-generation.pynguin-python``), seeded and time-boxed, once per module;
each target gets the tests that call it, renamed from Pynguin's machine style."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from ci_agent.testgen.context import TargetContext
from ci_agent.testgen.engine import Proposal
from ci_agent.testgen.execute import Executor
from ci_agent.testgen.funnel import pytest_env
from ci_agent.testgen.scratch import guard_dir, scratch_copy
from ci_agent.testgen.verdict import Limits, Verdict

__all__ = ["PynguinEngine", "calling_tests", "readable"]


@dataclass(frozen=True)
class PynguinEngine:
    """Pynguin for module-level functions, one search per module."""

    executor: Executor
    root: Path
    work: Path
    limits: Limits
    seconds: float
    _modules: dict[str, Proposal] = field(default_factory=dict, compare=False, repr=False)

    @property
    def name(self) -> str:
        """``pynguin``."""
        return "pynguin"

    def propose(self, context: TargetContext, previous: Verdict | None) -> Proposal:
        """Pynguin's tests that call the target, renamed; or why there are none."""
        target = context.target
        if "." in target.qualname:
            return Proposal(None, "the pynguin engine tests module-level functions only")
        whole = self._modules.get(target.module)
        if whole is None:
            whole = self._search(target.module)
            self._modules[target.module] = whole
        if whole.source is None:
            return whole
        chosen = calling_tests(whole.source, target.qualname)
        if chosen is None:
            return Proposal(None, f"pynguin wrote no test that calls {target.qualname}")
        return Proposal(readable(chosen, target.module, target.qualname))

    def _search(self, module: str) -> Proposal:
        out = self.work / f"pynguin-{module}"
        with scratch_copy(self.root) as copy:
            project = copy / "src" if (copy / "src").is_dir() else copy
            ran = self.executor.python(
                [
                    "-m",
                    "pynguin",
                    "--project-path",
                    str(project),
                    "--module-name",
                    module,
                    "--output-path",
                    str(out),
                    "--maximum-search-time",
                    str(int(self.seconds)),
                    "--seed",
                    "0",
                    "--assertion-generation",
                    "MUTATION_ANALYSIS",
                ],
                cwd=copy,
                timeout=self.seconds * 3 + self.limits.test_timeout,
                env={
                    **pytest_env(copy, guard_dir(self.work), self.limits),
                    "PYNGUIN_DANGER_AWARE": "1",
                },
            )
        found = sorted(out.glob("test_*.py"))
        if not found:
            if "No module named pynguin" in ran.output:
                return Proposal(
                    None,
                    "pynguin is not installed in its environment (test-generation.pynguin-python)",
                )
            return Proposal(None, "pynguin wrote no tests: " + ran.output.strip()[-300:])
        return Proposal(found[0].read_text(encoding="utf-8"))


def calling_tests(source: str, function: str) -> str | None:
    """The module with only the tests that call ``function`` (None when none does)."""
    tree = ast.parse(source)
    kept: list[ast.stmt] = []
    any_test = False
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            calls = any(
                isinstance(n, ast.Call)
                and (
                    (isinstance(n.func, ast.Attribute) and n.func.attr == function)
                    or (isinstance(n.func, ast.Name) and n.func.id == function)
                )
                for n in ast.walk(node)
            )
            if not calls:
                continue
            any_test = True
        kept.append(node)
    if not any_test:
        return None
    return ast.unparse(ast.Module(body=kept, type_ignores=[]))


def readable(source: str, module: str, function: str) -> str:
    """Pynguin's style made readable where renaming is safe: ``module_0`` becomes the module's
    name, ``test_case_N`` becomes ``test_FUNCTION_N``."""
    tree = ast.parse(source)
    short = module.rsplit(".", 1)[-1]
    taken = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    aliases: dict[str, str] = {}
    counter = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and short not in taken:
            for alias in node.names:
                if alias.name == module and alias.asname:
                    aliases[alias.asname] = short
                    alias.asname = None if module == short else short
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in aliases:
            node.id = aliases[node.id]
        elif isinstance(node, ast.FunctionDef) and node.name.startswith("test_case_"):
            counter += 1
            node.name = f"test_{function}_{counter}"
    return ast.unparse(tree) + "\n"
