"""The error registry and the exception tree: stable codes, one class and exit code per category."""

from __future__ import annotations

import re

import pytest

from ci_agent import errors
from ci_agent.error_codes import REGISTRY, Category, ErrorSpec
from ci_agent.errors import (
    CiAgentError,
    ExternalServiceError,
    GitHubError,
    LLMError,
    PlatformError,
    ProcessingError,
    RepositoryError,
    UsageError,
    VerificationError,
    fail,
    lookup,
)
from ci_agent.json_form import to_json

CODE = re.compile(r"^CA[1-7]\d\d$")
NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
PLACEHOLDER = re.compile(r"\{(\w+)\}")

# category -> (exception class, exit code, hundreds digit), as documented in errors.py.
EXPECTED = {
    Category.CONFIG: (UsageError, 2, "1"),
    Category.GIT: (RepositoryError, 2, "2"),
    Category.GITHUB: (GitHubError, 3, "3"),
    Category.LLM: (LLMError, 3, "4"),
    Category.VERIFY: (VerificationError, 4, "5"),
    Category.PROCESSING: (ProcessingError, 5, "6"),
    Category.SYSTEM: (PlatformError, 5, "7"),
}


def test_registry_is_not_empty_and_keyed_by_its_codes() -> None:
    assert len(REGISTRY) >= 40
    for key, spec in REGISTRY.items():
        assert isinstance(spec, ErrorSpec)
        assert key == spec.code


@pytest.mark.parametrize("code", sorted(REGISTRY))
def test_every_code_has_the_documented_shape(code: str) -> None:
    spec = REGISTRY[code]
    assert CODE.match(code), code
    assert code[2] == EXPECTED[spec.category][2], f"{code} is filed under {spec.category}"
    assert NAME.match(spec.name), spec.name
    assert spec.message.strip()
    assert spec.suggestion.strip()
    assert spec.suggestion[0].isupper(), "suggestions are sentences"


def test_names_are_unique() -> None:
    names = [spec.name for spec in REGISTRY.values()]
    assert len(names) == len(set(names))


def test_every_category_has_codes() -> None:
    assert {spec.category for spec in REGISTRY.values()} == set(Category)


@pytest.mark.parametrize("category", list(Category), ids=lambda c: c.name)
def test_fail_picks_the_class_and_exit_code_of_the_category(category: Category) -> None:
    cls, exit_code, _ = EXPECTED[category]
    for spec in (s for s in REGISTRY.values() if s.category is category):
        error = fail(spec.code)
        assert type(error) is cls
        assert isinstance(error, CiAgentError)
        assert error.exit_code == (spec.exit_code or exit_code)
        assert error.code == spec.code
        assert error.spec is spec


def test_exit_code_constants() -> None:
    assert (
        errors.EXIT_OK,
        errors.EXIT_FINDINGS,
        errors.EXIT_USAGE,
        errors.EXIT_SERVICE,
        errors.EXIT_VERIFICATION,
        errors.EXIT_INTERNAL,
    ) == (0, 1, 2, 3, 4, 5)


def test_service_errors_share_a_base() -> None:
    assert issubclass(GitHubError, ExternalServiceError)
    assert issubclass(LLMError, ExternalServiceError)
    assert CiAgentError.exit_code == 5


def test_fail_returns_rather_than_raises() -> None:
    error = fail("CA104", file="x.yml")
    assert isinstance(error, UsageError)
    with pytest.raises(UsageError, match=r"^CA104: configuration file x\.yml does not exist$"):
        raise error


def test_lookup_by_code_and_by_name() -> None:
    assert lookup("CA101") is REGISTRY["CA101"]
    assert lookup("ca101") is REGISTRY["CA101"]
    assert lookup(" CA101 ") is REGISTRY["CA101"]
    assert lookup("config-unknown-key") is REGISTRY["CA101"]
    assert lookup("Config-Unknown-Key") is REGISTRY["CA101"]
    assert lookup("internal-error").code == "CA601"


@pytest.mark.parametrize("bad", ["CA999", "NOPE", "", "CA10", "config unknown key"])
def test_lookup_unknown_raises_key_error(bad: str) -> None:
    with pytest.raises(KeyError):
        lookup(bad)


def test_unknown_code_cannot_be_raised() -> None:
    with pytest.raises(KeyError):
        fail("CA999")
    with pytest.raises(KeyError):
        CiAgentError("CA000")


def test_placeholders_are_filled_from_context() -> None:
    error = fail("CA101", file="cfg.yml", line=3, key="llm.modle", hint="; did you mean 'model'?")
    assert error.message == "cfg.yml:3: unknown key 'llm.modle'; did you mean 'model'?"
    assert str(error) == f"CA101: {error.message}"
    assert error.context == {
        "file": "cfg.yml",
        "line": 3,
        "key": "llm.modle",
        "hint": "; did you mean 'model'?",
    }


def test_suggestion_placeholders_are_filled_too() -> None:
    error = fail("CA106", name="--output", value="yaml", allowed="text, json, markdown")
    assert error.message == "'--output' has the invalid value 'yaml'"
    assert error.suggestion == "Use one of: text, json, markdown."


def test_unknown_placeholders_stay_visible() -> None:
    error = fail("CA101", file="cfg.yml")
    assert error.message == "cfg.yml:{line}: unknown key '{key}'{hint}"
    error = fail("CA106")
    assert error.suggestion == "Use one of: {allowed}."


def test_message_and_suggestion_can_be_overridden() -> None:
    error = fail("CA601", "custom message", suggestion="Custom fix.", problem="ignored")
    assert error.message == "custom message"
    assert error.suggestion == "Custom fix."
    assert str(error) == "CA601: custom message"


def test_json_form() -> None:
    error = fail("CA114", given="NOPE")
    assert to_json(error.info) == {
        "code": "CA114",
        "message": "'NOPE' is not a ci-agent error code",
        "suggestion": "Error codes look like CA101; see docs/errors.md for the list.",
    }


@pytest.mark.parametrize("code", sorted(REGISTRY))
def test_every_template_formats_with_its_placeholders(code: str) -> None:
    spec = REGISTRY[code]
    fields = set(PLACEHOLDER.findall(spec.message)) | set(PLACEHOLDER.findall(spec.suggestion))
    error = fail(code, **{name: f"<{name}>" for name in fields})
    assert "{" not in error.message, error.message
    assert "{" not in error.suggestion, error.suggestion
    for name in PLACEHOLDER.findall(spec.message):
        assert f"<{name}>" in error.message


def test_a_spec_in_the_wrong_category_is_refused() -> None:
    from ci_agent import error_codes

    with pytest.raises(ValueError, match="does not belong"):
        error_codes._spec("CA201", "x", Category.CONFIG, "m", "S.")
