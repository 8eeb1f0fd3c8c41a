"""Every module declares ``__all__``, and every name in it exists and has a docstring."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import ci_agent

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(ci_agent.__path__, "ci_agent.")
    if not m.name.endswith("__main__")
)
# Packages whose __init__ only documents the package.
NAMESPACE_PACKAGES = {"ci_agent.commands", "ci_agent.llm", "ci_agent.review"}


@pytest.mark.parametrize("name", MODULES)
def test_all_is_declared_and_resolves(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__, f"{name} has no module docstring"
    if name in NAMESPACE_PACKAGES:
        return
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    for symbol in exported:
        assert hasattr(module, symbol), f"{name}.__all__ names missing {symbol}"
        value = getattr(module, symbol)
        if inspect.isfunction(value) or inspect.isclass(value):
            assert value.__doc__, f"{name}.{symbol} has no docstring"
