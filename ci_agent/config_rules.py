"""How the configuration's dataclasses tell the validator their rules, without importing it.

The configuration schema is a tree of frozen dataclasses: reading the defaults costs nothing at
start-up. The validation library (pydantic) is imported only when there is something to
validate; it reads each section's ``__pydantic_config__`` and the :class:`Rule` attached to a
field with ``Annotated``, both plain Python here.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SECTION_CONFIG", "Rule", "kebab"]


def kebab(name: str) -> str:
    """``max_inline_comments`` -> ``max-inline-comments``: the file's spelling of a field."""
    return name.replace("_", "-")


# Every section: kebab-case keys only, unknown keys refused (the validator's ConfigDict keys).
SECTION_CONFIG: dict[str, Any] = {
    "extra": "forbid",
    "alias_generator": kebab,
    "validate_by_alias": True,
    "validate_by_name": False,
    "serialize_by_alias": True,
}

_CONSTRAINTS = frozenset({"ge", "gt", "le", "lt", "min_length", "max_length", "pattern"})


class Rule:
    """Bounds, a pattern and a description for one field: ``Annotated[int, Rule(ge=1)]``."""

    def __init__(self, *, description: str | None = None, **constraints: Any) -> None:
        unknown = set(constraints) - _CONSTRAINTS
        if unknown:
            raise TypeError(f"unknown constraint(s): {sorted(unknown)}")
        self.description = description
        self.constraints = constraints

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        """The validator's schema of the field's type, with the bounds added."""
        schema = handler(source)
        inner = schema
        while inner.get("type") in {"nullable", "default"}:  # `int | None`: bound the int
            inner = inner["schema"]
        inner.update(self.constraints)
        return schema

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> Any:
        """The field's JSON schema, with its description."""
        json_schema = handler(core_schema)
        if self.description:
            json_schema["description"] = self.description
        return json_schema

    def __repr__(self) -> str:
        return f"Rule({self.constraints!r})"
