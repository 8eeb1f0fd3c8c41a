"""Extractors: one module per family of tools, each turning its tools' output into failures.

``default_extractors()`` builds a fresh set for one log (extractors keep per-log state)."""

from __future__ import annotations

from ci_agent.triage.extractor import Extractor

__all__ = ["default_extractors"]


def default_extractors() -> list[Extractor]:
    """One instance of every extractor, in routing order."""
    from ci_agent.triage.extractors.diagnostics import Diagnostics
    from ci_agent.triage.extractors.doctest import Doctest
    from ci_agent.triage.extractors.ended_run import EndedRun
    from ci_agent.triage.extractors.eslint import ESLint
    from ci_agent.triage.extractors.infra import Infrastructure
    from ci_agent.triage.extractors.javascript import Jest, NodeError
    from ci_agent.triage.extractors.packages import Npm, Pip
    from ci_agent.triage.extractors.pytest import Pytest
    from ci_agent.triage.extractors.python_lint import Formatters, PythonLint, RuffFull
    from ci_agent.triage.extractors.traceback import PythonTraceback
    from ci_agent.triage.extractors.unittest import Unittest

    return [
        Pytest(),
        Unittest(),
        Doctest(),
        EndedRun(),
        Jest(),
        PythonTraceback(),
        NodeError(),
        RuffFull(),
        PythonLint(),
        Formatters(),
        ESLint(),
        Diagnostics(),
        Pip(),
        Npm(),
        Infrastructure(),
    ]
