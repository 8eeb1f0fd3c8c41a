"""The generated reference documents must match the code that generates them."""

from __future__ import annotations

import json
from pathlib import Path

from ci_agent.error_codes import REGISTRY
from ci_agent.reference import config_schema_json, errors_markdown, result_schema_json

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_errors_md_is_current() -> None:
    assert (DOCS / "errors.md").read_text(encoding="utf-8") == errors_markdown(), (
        "docs/errors.md is stale: run scripts/gen-docs"
    )


def test_config_schema_is_current() -> None:
    assert (DOCS / "config.schema.json").read_text(encoding="utf-8") == config_schema_json(), (
        "docs/config.schema.json is stale: run scripts/gen-docs"
    )


def test_errors_md_lists_every_code() -> None:
    text = errors_markdown()
    for code in REGISTRY:
        assert f"| {code} |" in text


def test_schema_forbids_unknown_keys_everywhere() -> None:
    schema = json.loads(config_schema_json())
    assert schema["additionalProperties"] is False
    for name, definition in schema["$defs"].items():
        assert definition.get("additionalProperties") is False, name
    assert "fail-level" in schema["properties"]
    assert "max-concurrency" in schema["$defs"]["LLMConfig"]["properties"]


def test_result_schema_is_current() -> None:
    assert (DOCS / "result.schema.json").read_text(encoding="utf-8") == result_schema_json(), (
        "docs/result.schema.json is stale: run scripts/gen-docs"
    )
