"""Parse configuration YAML safely: bounded aliases and nesting, checked on the event stream.

YAML aliases let an 11-line file stand for a billion values ("billion laughs") and an alias
inside its own anchor makes a cycle; both are refused before anything is built from the
document, by one pass over the parser's events that counts what the aliases would expand to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ci_agent.errors import fail

__all__ = ["MAX_ALIASES", "MAX_ALIAS_VALUES", "MAX_DEPTH", "ParsedYaml", "parse_yaml"]

# A configuration file has a handful of sections a few levels deep; anchors and aliases are
# rare in it. The bounds leave room for honest files and stop hostile ones in milliseconds.
MAX_ALIASES = 100
MAX_ALIAS_VALUES = 10_000
MAX_DEPTH = 32


@dataclass(frozen=True)
class ParsedYaml:
    """A document's data and its node tree (the tree gives each key's line)."""

    data: Any
    node: Any


def parse_yaml(text: str, label: str) -> ParsedYaml:
    """Parse ``text``; coded errors (CA103 syntax, CA120 aliases, CA121 nesting) name ``label``."""
    import yaml

    # libyaml's loader when PyYAML has it (about ten times faster; same safe types and marks);
    # a file it refuses is parsed again by the Python one, whose messages the docs quote.
    fast = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        try:
            return _load(text, label, fast)
        except yaml.YAMLError:
            if fast is yaml.SafeLoader:
                raise
            return _load(text, label, yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise fail("CA103", file=label, line=line, problem=problem) from None
    except RecursionError:  # the pure-Python parser recurses once per nesting level
        raise fail("CA121", file=label, line=1, depth=MAX_DEPTH) from None


def _load(text: str, label: str, loader_class: Any) -> ParsedYaml:
    import yaml

    _check_events(yaml.parse(text, Loader=loader_class), label)
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()
    return ParsedYaml(data, node)


def _check_events(events: Any, label: str) -> None:
    """Refuse alias cycles, too many aliases, aliases that expand too far, and deep nesting."""
    import yaml

    sizes: dict[str, int] = {}  # anchor -> how many values it stands for, expanded
    open_frames: list[tuple[str | None, int]] = []  # (anchor, values counted before it)
    counted = aliases = from_aliases = 0
    for event in events:
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            anchor = event.anchor or ""
            if any(frame[0] == anchor for frame in open_frames):
                problem = f"the alias *{anchor} is inside its own anchor &{anchor} (a cycle)"
                raise fail("CA120", file=label, line=line, problem=problem)
            size = sizes.get(anchor, 1)  # an unknown anchor: the composer reports it
            aliases += 1
            from_aliases += size
            counted += size
            if aliases > MAX_ALIASES:
                problem = f"more than {MAX_ALIASES} aliases"
                raise fail("CA120", file=label, line=line, problem=problem)
            if from_aliases > MAX_ALIAS_VALUES:
                problem = f"aliases expand to more than {MAX_ALIAS_VALUES:,} values"
                raise fail("CA120", file=label, line=line, problem=problem)
        elif isinstance(event, yaml.ScalarEvent):
            counted += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            open_frames.append((event.anchor, counted))
            counted += 1
            if len(open_frames) > MAX_DEPTH:
                raise fail("CA121", file=label, line=line, depth=MAX_DEPTH)
        elif isinstance(event, yaml.CollectionEndEvent):
            closed, before = open_frames.pop()
            if closed is not None:
                sizes[closed] = counted - before
