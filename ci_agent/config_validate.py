"""Validate configuration data against the schema's dataclasses; the only module that imports
the validation library (pydantic), and only when a file or an override needs checking."""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Hashable, Mapping
from typing import Any, TypeVar

from ci_agent.config_model import FileConfig
from ci_agent.config_rules import kebab

__all__ = ["dump_section", "field_types", "json_schema", "validate_config", "validate_section"]

T = TypeVar("T")


@functools.cache
def _adapter(cls: Hashable) -> Any:
    """The validator of a section, built once per process (building it is the costly part)."""
    from pydantic import TypeAdapter

    return TypeAdapter(typing.cast("type[Any]", cls))


def validate_config(data: Mapping[str, Any]) -> FileConfig:
    """The whole configuration from kebab-case data; ``pydantic.ValidationError`` when bad."""
    return validate_section(FileConfig, data)


def validate_section(cls: type[T], data: Mapping[str, Any]) -> T:
    """One section (``LLMConfig``, ``Unit``, …) from kebab-case data."""
    result: T = _adapter(typing.cast("Hashable", cls)).validate_python(data)
    return result


def dump_section(value: Any, *, exclude_defaults: bool = False, json: bool = False) -> Any:
    """A section as kebab-case data (JSON types with ``json``), the inverse of validation."""
    mode = "json" if json else "python"
    return _adapter(typing.cast("Hashable", type(value))).dump_python(
        value, by_alias=True, exclude_defaults=exclude_defaults, mode=mode
    )


def json_schema() -> dict[str, Any]:
    """The configuration file's JSON schema (docs/config.schema.json)."""
    from pydantic.json_schema import GenerateJsonSchema

    class _KebabDefaults(GenerateJsonSchema):
        """Section defaults in the file's spelling too (the library writes field names)."""

        def encode_default(self, dft: Any) -> Any:
            if dataclasses.is_dataclass(dft) and not isinstance(dft, type):
                return dump_section(dft, json=True)
            return super().encode_default(dft)

    schema: dict[str, Any] = _adapter(FileConfig).json_schema(
        by_alias=True, schema_generator=_KebabDefaults
    )
    return schema


def field_types(cls: type[Any]) -> dict[str, Any]:
    """A section's keys as the file spells them -> their types (for did-you-mean hints)."""
    if not dataclasses.is_dataclass(cls):
        return {}
    hints = typing.get_type_hints(cls)
    return {kebab(f.name): hints[f.name] for f in dataclasses.fields(cls)}
