"""Generated reference documents: error codes, the config schema and the result schema."""

from __future__ import annotations

import json
from pathlib import Path

from ci_agent.error_codes import REGISTRY, Category
from ci_agent.errors import EXIT_INTERNAL, EXIT_SERVICE, EXIT_USAGE, EXIT_VERIFICATION

__all__ = ["config_schema_json", "errors_markdown", "result_schema_json", "write_reference"]

_EXIT_BY_CATEGORY = {
    Category.CONFIG: EXIT_USAGE,
    Category.GIT: EXIT_USAGE,
    Category.GITHUB: EXIT_SERVICE,
    Category.LLM: EXIT_SERVICE,
    Category.VERIFY: EXIT_VERIFICATION,
    Category.PROCESSING: EXIT_INTERNAL,
    Category.SYSTEM: EXIT_INTERNAL,
}


def errors_markdown() -> str:
    """docs/errors.md: every error code by category, with message and suggestion."""
    lines = [
        "# Error codes",
        "",
        "<!-- Generated from ci_agent/error_codes.py by scripts/gen-docs; do not edit. -->",
        "",
        "Every error ci-agent reports has a stable code. `ci-agent explain CODE` prints the entry;",
        "`--output json` puts `code`, `message` and `suggestion` in `errors[]`.",
        "Placeholders in braces are filled in from the failing run.",
    ]
    for category in Category:
        specs = [s for s in REGISTRY.values() if s.category is category]
        exit_code = _EXIT_BY_CATEGORY[category]
        lines += ["", f"## {category.value.capitalize()} (exit {exit_code})", ""]
        lines += ["| code | name | message | suggestion |", "|---|---|---|---|"]
        lines += [
            f"| {s.code} | `{s.name}`{f' (exit {s.exit_code})' if s.exit_code else ''} "
            f"| {_cell(s.message)} | {_cell(s.suggestion)} |"
            for s in sorted(specs, key=lambda s: s.code)
        ]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def config_schema_json() -> str:
    """docs/config.schema.json: the JSON Schema of .github/ci-agent.yml, for editors."""
    from ci_agent.config_validate import json_schema

    schema = json_schema()
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/ci-agent/ci-agent/blob/main/docs/config.schema.json",
        **schema,
    }
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def result_schema_json() -> str:
    """docs/result.schema.json: the JSON Schema of every command's ``--output json`` envelope."""
    from ci_agent.report.envelope import envelope_schema

    return json.dumps(envelope_schema(), indent=2, sort_keys=True) + "\n"


def write_reference(docs: Path) -> list[Path]:
    """Write the generated documents into ``docs`` and return their paths."""
    targets = {
        docs / "errors.md": errors_markdown(),
        docs / "config.schema.json": config_schema_json(),
        docs / "result.schema.json": result_schema_json(),
    }
    for path, text in targets.items():
        path.write_text(text, encoding="utf-8")
    return list(targets)
