"""Hostile and mistaken configuration files: alias bombs and cycles, deep nesting, snake_case
keys, and every validation error in the file author's words, through the real CLI."""

from __future__ import annotations

import textwrap
import tracemalloc
from pathlib import Path

import pytest

from ci_agent.config_file import parse_config_text
from ci_agent.config_yaml import MAX_ALIASES, MAX_DEPTH
from ci_agent.errors import CiAgentError
from tests.conftest import RunCli

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

# Words of the validation library that must never reach a user.
JARGON = (
    "Input should",
    "valid tuple",
    "instance of",
    "Field required",
    "Extra inputs",
    "pydantic",
)


def error_of(text: str) -> CiAgentError:
    with pytest.raises(CiAgentError) as info:
        parse_config_text(textwrap.dedent(text), "ci-agent.yml")
    assert info.value.exit_code == 2
    return info.value


def in_repo(root: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    (root / ".github").mkdir(parents=True)
    (root / ".github" / "ci-agent.yml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(root)


# --- aliases and nesting ----------------------------------------------------------------------


@pytest.mark.parametrize("command", ["doctor", "review"])
def test_an_alias_cycle_is_a_coded_error_in_the_json_envelope(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    in_repo(tmp_path, "review:\n  exclude: &a [*a]\n", monkeypatch)
    result = run_cli(command, "--output", "json", "--no-color")
    assert result.code == 2
    assert "Traceback" not in result.out + result.err
    envelope = result.json()
    errors = envelope["errors"]
    assert errors[0]["code"] == "CA120"
    assert errors[0]["message"].endswith(
        "ci-agent.yml:2: YAML aliases refused: the alias *a is inside its own anchor &a (a cycle)"
    )


def test_billion_laughs_is_refused_before_anything_is_built(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_repo(tmp_path, BILLION_LAUGHS, monkeypatch)
    result = run_cli("doctor", "--no-color")
    assert result.code == 2
    assert "CA120" in result.out
    assert "aliases expand to more than 10,000 values" in result.out


def test_billion_laughs_costs_almost_no_memory() -> None:
    # The expansion is counted, never built: the parse allocates a few kilobytes, not gigabytes.
    tracemalloc.start()
    try:
        with pytest.raises(CiAgentError) as info:
            parse_config_text(BILLION_LAUGHS, "ci-agent.yml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.code == "CA120"
    assert info.value.message.startswith("ci-agent.yml:5: ")  # where the bound was crossed
    assert peak < 2_000_000


def test_too_many_aliases() -> None:
    items = ", ".join(["*p"] * (MAX_ALIASES + 1))
    error = error_of(f"x: &p a\nreview:\n  exclude: [{items}]\n")
    assert error.code == "CA120"
    assert error.message == f"ci-agent.yml:3: YAML aliases refused: more than {MAX_ALIASES} aliases"


def test_honest_anchors_and_aliases_still_work() -> None:
    config = parse_config_text(
        textwrap.dedent(
            """
            fix:
              protected-paths: &keep [".github/**", "vendor/**"]
            review:
              exclude: *keep
            """
        ),
        "ci-agent.yml",
    )
    assert config.review.exclude == config.fix.protected_paths == (".github/**", "vendor/**")


def test_an_undefined_alias_is_a_syntax_error() -> None:
    error = error_of("review:\n  exclude: *nowhere\n")
    assert error.code == "CA103"
    assert "undefined alias" in error.message


def test_deep_nesting_is_refused() -> None:
    deep = "x: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n"
    error = error_of(deep)
    assert error.code == "CA121"
    assert error.message == f"ci-agent.yml:1: the YAML is nested more than {MAX_DEPTH} levels deep"


def test_nesting_within_the_bound_reaches_the_schema() -> None:
    error = error_of("x: " + "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2) + "\n")
    assert error.code == "CA101"


# --- one spelling of keys ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "key", "kebab"),
    [
        ("fail_level: low\n", 1, "fail_level", "fail-level"),
        ("review:\n  max_inline_comments: 3\n", 2, "review.max_inline_comments", None),
        ("fix:\n  triage:\n    max_reruns_per_sha: 2\n", 3, "fix.triage.max_reruns_per_sha", None),
        ("fail-level: low\nfail_level: high\n", 2, "fail_level", "fail-level"),
    ],
)
def test_snake_case_keys_are_refused_naming_the_kebab_spelling(
    text: str, line: int, key: str, kebab: str | None
) -> None:
    error = error_of(text)
    want = kebab or key.replace("_", "-")
    assert error.code == "CA122"
    assert error.message == f"ci-agent.yml:{line}: '{key}' is spelled with underscores"
    assert error.suggestion == f"Write it as '{want}': configuration keys are kebab-case."


def test_underscores_in_free_names_stay_allowed() -> None:
    config = parse_config_text(
        "llm:\n  prices:\n    my_model:\n      input: 1\n      output: 2\n", "ci-agent.yml"
    )
    assert config.llm.prices["my_model"].output == 2


def test_a_snake_case_key_through_the_cli(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_repo(tmp_path, "review:\n  max_inline_comments: 3\n", monkeypatch)
    result = run_cli("review", "--dry-run", "--no-color")
    assert result.code == 2
    assert "error[CA122]" in result.err
    assert "Write it as 'review.max-inline-comments'" in result.err


# --- every validation error in the author's words ---------------------------------------------

WORDS = [
    ("llm:\n  prices:\n    m:\n      input: 1\n", "CA102", "3: 'llm.prices.m.output' is required"),
    (
        "llm:\n  max-concurrency: many\n",
        "CA102",
        "2: 'llm.max-concurrency' must be a whole number, got 'many' (text)",
    ),
    (
        "review:\n  max-inline-comments: 2.5\n",
        "CA102",
        "2: 'review.max-inline-comments' must be a whole number, got 2.5 (a number)",
    ),
    (
        "review:\n  max-inline-comments: [1]\n",
        "CA102",
        "2: 'review.max-inline-comments' must be a whole number, got a list of 1 item(s)",
    ),
    ("llm:\n  timeout: soon\n", "CA102", "2: 'llm.timeout' must be a number, got 'soon' (text)"),
    (
        "llm:\n  timeout: [1]\n",
        "CA102",
        "2: 'llm.timeout' must be a number, got a list of 1 item(s)",
    ),
    ("llm:\n  timeout: null\n", "CA102", "2: 'llm.timeout' must be a number, got nothing (null)"),
    (
        "llm:\n  timeout: .nan\n",
        "CA102",
        "2: 'llm.timeout' must be more than 0, got nan (a number)",
    ),
    (
        "review:\n  request-changes: maybe\n",
        "CA102",
        "2: 'review.request-changes' must be true or false, got 'maybe' (text)",
    ),
    (
        "review:\n  request-changes: {a: 1}\n",
        "CA102",
        "2: 'review.request-changes' must be true or false, got a mapping of 1 key(s)",
    ),
    ("llm:\n  model: 3\n", "CA102", "2: 'llm.model' must be text, got 3 (a whole number)"),
    (
        "fix:\n  author: nobody\n",
        "CA102",
        "2: 'fix.author' must match the pattern ^[^<>\\n]+ <[^<>\\s]+>$, got 'nobody' (text)",
    ),
    (
        "fix:\n  failure-label: ''\n",
        "CA102",
        "2: 'fix.failure-label' must be at least 1 character(s) long, got '' (text)",
    ),
    (
        "fix:\n  failure-label: " + "x" * 51 + "\n",
        "CA102",
        "2: 'fix.failure-label' must be at most 50 characters long, got '"
        + "x" * 37
        + "...' (text)",
    ),
    (
        "deploy:\n  units:\n    - name: a\n      paths: []\n",
        "CA102",
        "4: 'deploy.units[0].paths' must have at least 1 item(s), got a list of 0 item(s)",
    ),
    (
        "llm:\n  timeout: 0\n",
        "CA102",
        "2: 'llm.timeout' must be more than 0, got 0 (a whole number)",
    ),
    (
        "llm:\n  max-concurrency: 0\n",
        "CA102",
        "2: 'llm.max-concurrency' must be at least 1, got 0 (a whole number)",
    ),
    (
        "llm:\n  max-concurrency: 65\n",
        "CA102",
        "2: 'llm.max-concurrency' must be at most 64, got 65 (a whole number)",
    ),
    (
        "llm:\n  prices: [1]\n",
        "CA102",
        "2: 'llm.prices' must be a mapping of keys to values, got a list of 1 item(s)",
    ),
    (
        "llm: [1]\n",
        "CA102",
        "1: 'llm' must be a section (a mapping of keys), got a list of 1 item(s)",
    ),
    (
        "deploy:\n  units:\n    - 3\n",
        "CA102",
        "3: 'deploy.units[0]' must be a section (a mapping of keys), got 3 (a whole number)",
    ),
    (
        "review:\n  exclude: '*.lock'\n",
        "CA102",
        "2: 'review.exclude' must be a list, got '*.lock' (text)",
    ),
    (
        "fail-level: severe\n",
        "CA115",
        "1: 'fail-level' must be one of 'none', 'info', 'low', 'medium', 'high' or 'critical', "
        "got 'severe' (text)",
    ),
    ("version: 2\n", "CA115", "1: 'version' must be 1, got 2 (a whole number)"),
    (
        "fix:\n  triage:\n    strategies:\n      bogus: rerun\n",
        "CA115",
        "4: 'fix.triage.strategies' has the key 'bogus' (text), but its keys must each be one of "
        "'test', 'lint', 'format', 'type', 'build', 'dependency', 'exception', 'error', 'network', "
        "'timeout', 'cancelled', 'runner-lost', 'oom' or 'unknown'",
    ),
    (
        "deploy:\n  units:\n    - name: a\n      paths: [x]\n      depends-on: [b]\n",
        "CA102",
        "1: 'deploy' is not valid: unit 'a' depends on unknown unit(s): ['b']",
    ),
    (
        "deploy:\n  units:\n    - name: a\n      paths: [x]\n"
        "      strategy:\n        name: canary\n        steps: [{weight: 50}]\n",
        "CA102",
        "5: 'deploy.units[0].strategy' is not valid: a canary's last step must have weight 100",
    ),
    (
        "review:\n  exclued: []\n",
        "CA101",
        "2: unknown key 'review.exclued'; did you mean 'exclude'?",
    ),
    (
        "review:\n  exclude: 3\n  max-inline-comments: x\n",
        "CA102",
        "2: 'review.exclude' must be a list, got 3 (a whole number) (and 1 more problem)",
    ),
]


@pytest.mark.parametrize(("text", "code", "message"), WORDS)
def test_validation_errors_speak_the_authors_words(text: str, code: str, message: str) -> None:
    error = error_of(text)
    assert (error.code, error.message) == (code, f"ci-agent.yml:{message}")
    for word in JARGON:
        assert word not in error.message
        assert word not in error.suggestion


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ((["--fail-level", "bogus"], {}), "--fail-level"),
        (([], {"CI_AGENT_FAIL_LEVEL": "bogus"}), "CI_AGENT_FAIL_LEVEL"),
        (([], {"CI_AGENT_LLM_PROVIDER": "bogus"}), "CI_AGENT_LLM_PROVIDER"),
    ],
)
def test_a_bad_override_names_what_the_user_typed(
    run_cli: RunCli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    given: tuple[list[str], dict[str, str]],
    name: str,
) -> None:
    args, environ = given
    monkeypatch.chdir(tmp_path)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    result = run_cli("review", "--dry-run", "--no-color", *args)
    assert result.code == 2
    assert f"error[CA106]: '{name}' has the invalid value 'bogus'" in result.err
    assert "(flag)" not in result.err


def test_a_bad_dry_run_variable_through_the_cli(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CI_AGENT_DRY_RUN", "maybe")
    result = run_cli("review", "--output", "json")
    assert result.code == 2
    assert result.json()["errors"][0]["code"] == "CA123"
