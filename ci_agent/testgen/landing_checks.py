"""What generated tests must pass before they are pushed: the change core's checks, plus the
one allowance test generation has that a fix never gets — new files, and only test modules in
the configured test directory.

A fix changes existing files only (CA533); test generation adds files only. The allowance is
narrow: a new ``test_*.py`` or ``*_test.py`` under the directory of ``test-generation.output``,
never a ``conftest.py`` or another file pytest reads options or hooks from, never a path that
exists already, and the text passes the tampering, danger and pytest-options checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

from ci_agent.change.danger import added_danger
from ci_agent.change.pytest_options import is_pytest_config, pytest_option_changes
from ci_agent.change.tampering import tampered_tests
from ci_agent.errors import fail
from ci_agent.testgen.writer import GeneratedFile

__all__ = ["allowed_directory", "check_new_tests"]


def allowed_directory(output: str) -> PurePosixPath:
    """The fixed directory of the ``test-generation.output`` template (before any ``{…}``)."""
    parts: list[str] = []
    for part in PurePosixPath(output).parent.parts:
        if "{" in part:
            break
        parts.append(part)
    return PurePosixPath(*parts) if parts else PurePosixPath()


def check_new_tests(
    files: Sequence[GeneratedFile], output: str, existing: Iterable[str] = ()
) -> None:
    """Refuse (CA583) the first file that is not a new test module the allowance covers or
    whose text fails a check."""
    directory = allowed_directory(output)
    present = set(existing)
    for generated in files:
        problems = _path_problems(generated.path, directory, present)
        if not problems:
            problems = _text_problems(generated.path, generated.text)
        if problems:
            raise fail("CA583", path=generated.path, problem="; ".join(problems))


def _path_problems(path: str, directory: PurePosixPath, present: set[str]) -> list[str]:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or "\\" in path:
        return ["the path leaves the repository"]
    if directory.parts and not pure.is_relative_to(directory):
        return [f"it is outside the test directory '{directory}' of test-generation.output"]
    if pure.name == "conftest.py" or is_pytest_config(path):
        return ["it would change how pytest runs (conftest.py or a configuration file)"]
    if not (pure.name.startswith("test_") or pure.name.endswith("_test.py")):
        return ["it is not named test_*.py or *_test.py"]
    if pure.suffix != ".py":
        return ["it is not a Python module"]
    if path in present:
        return ["a file with that path exists already; test generation adds files only"]
    return []


def _text_problems(path: str, text: str) -> list[str]:
    problems = pytest_option_changes(path, "", text)
    problems += tampered_tests("", text)
    problems += added_danger("", text)
    return problems
