"""How ``ci-agent explain`` words error codes; imports only the registry, so it is fast."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ci_agent.error_codes import ErrorSpec

__all__ = ["explain_items", "explain_markdown", "explain_text"]


def explain_items(specs: Iterable[ErrorSpec]) -> list[dict[str, Any]]:
    """The JSON ``result.errors`` of explain."""
    return [
        {
            "code": s.code,
            "name": s.name,
            "category": s.category.value,
            "message": s.message,
            "suggestion": s.suggestion,
        }
        for s in specs
    ]


def explain_text(items: list[dict[str, Any]]) -> str:
    """The text rendering: code, name, category, message and fix."""
    return "\n\n".join(
        f"{i['code']}  {i['name']}  ({i['category']})\n  {i['message']}\n  fix: {i['suggestion']}"
        for i in items
    )


def explain_markdown(items: list[dict[str, Any]]) -> str:
    """The markdown rendering, one bullet per code."""
    return "\n".join(
        f"- **{i['code']}** `{i['name']}` ({i['category']}): {i['message']} — {i['suggestion']}"
        for i in items
    )
