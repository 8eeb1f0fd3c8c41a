"""The version of the ``--output json`` envelope's shape, apart from its models: every command
prints it, and importing the models (pydantic) would cost every start-up."""

from __future__ import annotations

__all__ = ["SCHEMA_VERSION"]

# A change of the envelope's shape that breaks readers raises it (ci_agent.report.envelope).
SCHEMA_VERSION = 1
