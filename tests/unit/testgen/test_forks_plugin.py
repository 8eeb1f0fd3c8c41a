"""The fork plugin's code swap, on a real imported module: a mutant inside a function changes
what every holder of that function runs; a mutant of what runs at import is not applied."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from ci_agent.testgen.batch_mutants import PLAN_VARIABLE
from ci_agent.testgen.probes import forks

SOURCE = """\
def double(x, extra=0):
    \"\"\"Twice x.\"\"\"
    return 2 * x + extra


class Counter:
    START = 1

    def next(self, n):
        return n + self.START
"""


def _load(tmp_path: Path, name: str) -> tuple[ModuleType, Path]:
    path = tmp_path / f"{name}.py"
    path.write_text(SOURCE)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module, path


def test_a_mutant_inside_a_function_is_swapped_into_every_holder(tmp_path: Path) -> None:
    module, path = _load(tmp_path, "swap_inside")
    held = module.double  # as `from module import double` holds it
    mutated = SOURCE.replace("return 2 * x + extra", "return 2 * x - extra").replace(
        "return n + self.START", "return n - self.START"
    )
    assert forks._apply({str(path): mutated}, forks._functions()) == ""
    assert held(3, 1) == 5 and module.Counter().next(5) == 4
    assert module.double.__doc__ == "Twice x."


def test_a_mutant_of_what_runs_at_import_is_not_applied(tmp_path: Path) -> None:
    module, path = _load(tmp_path, "swap_import")
    for mutated in (
        SOURCE.replace("extra=0", "extra=1"),  # a default value
        SOURCE.replace("START = 1", "START = 2"),  # a class body
    ):
        why = forks._apply({str(path): mutated}, forks._functions())
        assert "runs at import" in why
    assert module.double(3) == 6 and module.Counter().next(5) == 6


def test_the_plan_variable_is_the_one_the_gate_sets() -> None:
    assert forks.PLAN_VARIABLE == PLAN_VARIABLE
