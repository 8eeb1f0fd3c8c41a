"""Read and validate the YAML configuration file, reporting errors by key path and line."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from ci_agent.config_model import FileConfig
from ci_agent.config_validate import field_types, validate_config
from ci_agent.config_words import dotted, key_path, problem
from ci_agent.config_yaml import parse_yaml
from ci_agent.errors import CiAgentError, fail

__all__ = ["load_config_file", "parse_config_text"]

KeyPath = tuple[str | int, ...]


def load_config_file(path: Path) -> FileConfig:
    """Parse and validate ``path``; raise a coded error naming the file, key path and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail("CA104", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(
            "CA102", file=path, line=1, key="(file)", problem=f"cannot be read: {exc}"
        ) from exc
    return parse_config_text(text, str(path))


def parse_config_text(text: str, label: str) -> FileConfig:
    """Parse and validate configuration ``text``; errors name ``label`` (a path, or
    ``COMMIT:PATH`` for a file read from GitHub), the key path and the line."""
    parsed = parse_yaml(text, label)
    if parsed.data is None:
        return FileConfig()
    lines = _line_map(parsed.node, label)
    if not isinstance(parsed.data, dict):
        raise fail("CA102", file=label, line=1, key="(root)", problem="must be a mapping of keys")
    return _validate(parsed.data, label, lines)


def _line_map(node: Any, path: str) -> dict[KeyPath, int]:
    """Map each key path to its 1-based line; refuse duplicate keys, which YAML drops silently."""
    import yaml

    lines: dict[KeyPath, Any] = {}
    # Keys as the parsed data has them (YAML turns `on:` into True and `1:` into 1).
    constructor = yaml.SafeLoader("")

    def walk(current: Any, prefix: KeyPath) -> None:
        if isinstance(current, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, value_node in current.value:
                key = constructor.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise fail(
                        "CA115",
                        file=path,
                        line=line,
                        key=dotted((*prefix, key)),
                        problem=f"is given twice (first on line {seen[key]})",
                        suggestion="Keep one of the two entries.",
                    )
                seen[key] = line
                lines[(*prefix, key)] = line
                walk(value_node, (*prefix, key))
        elif isinstance(current, yaml.SequenceNode):
            for index, item in enumerate(current.value):
                lines[(*prefix, index)] = item.start_mark.line + 1
                walk(item, (*prefix, index))

    walk(node, ())
    return lines


def _validate(data: dict[str, Any], path: str, lines: dict[KeyPath, int]) -> FileConfig:
    from pydantic import ValidationError

    try:
        # Keys as the file spells them (kebab-case) only: the Python names are not a second
        # spelling of the file's keys.
        return validate_config(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _to_error(first, path, lines, exc.error_count()) from None


def _to_error(error: Any, path: str, lines: dict[KeyPath, int], count: int) -> CiAgentError:
    loc = key_path(tuple(error["loc"]))
    line = _nearest_line(tuple(error["loc"]), lines)
    key = dotted(loc)
    more = f" (and {count - 1} more problem{'s' if count > 2 else ''})" if count > 1 else ""
    kind = error["type"]
    if kind in {"extra_forbidden", "unexpected_keyword_argument"}:
        known = _known_keys(loc[:-1])
        name = str(loc[-1])
        kebab = name.replace("_", "-")
        if "_" in name and kebab in known:
            return fail("CA122", file=path, line=line, key=key, kebab=dotted((*loc[:-1], kebab)))
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return fail("CA101", file=path, line=line, key=key, hint=hint + more)
    code = "CA115" if kind in {"literal_error", "enum"} else "CA102"
    return fail(code, file=path, line=line, key=key, problem=problem(error) + more)


def _known_keys(loc: KeyPath) -> list[str]:
    """Keys allowed at the mapping ``loc`` points to, for did-you-mean hints."""
    section: Any = FileConfig
    for part in loc:
        if isinstance(part, int):
            return []
        section = field_types(section).get(part)
    return list(field_types(section)) if isinstance(section, type) else []


def _nearest_line(loc: KeyPath, lines: dict[KeyPath, int]) -> int:
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1
