"""Schema of the configuration file .github/ci-agent.yml: kebab-case keys, unknown keys refused.

Frozen dataclasses: the defaults cost nothing to build; :mod:`ci_agent.config_validate` checks
a file against these classes (their rules are in :class:`ci_agent.config_rules.Rule`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal

from ci_agent.config_deploy import DeployConfig
from ci_agent.config_insights import InsightsConfig
from ci_agent.config_rules import SECTION_CONFIG, Rule
from ci_agent.config_testgen import TestGenerationConfig
from ci_agent.config_tests import TestsConfig

__all__ = [
    "BackupConfig",
    "FileConfig",
    "FixConfig",
    "GitHubConfig",
    "LLMConfig",
    "Price",
    "ReportConfig",
    "RetentionConfig",
    "ReviewConfig",
    "Severity",
    "TriageConfig",
]


class Severity(enum.IntEnum):
    """Finding severities, ordered; ``fail-level`` compares against them."""

    NONE = 0
    INFO = 1
    LOW = 2
    MEDIUM = 3
    HIGH = 4
    CRITICAL = 5

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Parse a severity name case-insensitively; ValueError when unknown."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(text) from None

    @property
    def label(self) -> str:
        """The lower-case name used in configuration and output."""
        return self.name.lower()


DEFAULT_FIX_AUTHOR = "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
SEVERITY_NAMES = tuple(s.label for s in Severity)
SeverityName = Literal["none", "info", "low", "medium", "high", "critical"]
ProviderName = Literal["auto", "openai", "azure", "github-models", "openai-compatible", "none"]


class _Section:
    # The validator's settings for every section (read by pydantic; plain data here).
    __pydantic_config__: ClassVar[dict[str, Any]] = SECTION_CONFIG


@dataclass(frozen=True, kw_only=True)
class Price(_Section):
    """Price of a model in US dollars per million tokens."""

    input: Annotated[float, Rule(ge=0)]
    output: Annotated[float, Rule(ge=0)]


@dataclass(frozen=True, kw_only=True)
class LLMConfig(_Section):
    """Language-model provider, model, limits and prices."""

    provider: ProviderName = "auto"
    model: str | None = None
    base_url: str | None = None
    max_concurrency: Annotated[int, Rule(ge=1, le=64)] = 4
    max_output_tokens: Annotated[int, Rule(ge=64)] = 4096
    request_input_cap: Annotated[
        int | None,
        Rule(ge=512, description="Input tokens per request; default from the model table."),
    ] = None
    max_tokens: Annotated[int | None, Rule(ge=1, description="Token cap for a whole run.")] = None
    max_cost: Annotated[float | None, Rule(ge=0, description="Cost cap (USD) for a run.")] = None
    timeout: Annotated[float, Rule(gt=0, description="Seconds per request.")] = 120.0
    prices: dict[str, Price] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ReviewConfig(_Section):
    """Pull-request review behaviour."""

    prompt: Literal["general", "security"] = "general"
    exclude: tuple[str, ...] = ()
    filter_mode: Literal["added", "diff_context", "file", "nofilter"] = "added"
    max_inline_comments: Annotated[int, Rule(ge=0, le=200)] = 20
    request_changes: bool = False
    review_drafts: bool = False
    ruff_select: tuple[str, ...] = ("F", "E9", "B", "S", "PERF", "PLE")
    # Rules that flag idioms more than defects (assert in tests, subprocess without a
    # shell, non-cryptographic random): they would drown the findings that matter.
    ruff_ignore: tuple[str, ...] = ("S101", "S311", "S603", "S607")


FailureKindName = Literal[
    "test",
    "lint",
    "format",
    "type",
    "build",
    "dependency",
    "exception",
    "error",
    "network",
    "timeout",
    "cancelled",
    "runner-lost",
    "oom",
    "unknown",
]
StrategyName = Literal["rerun", "fixers", "patch", "analyze"]


@dataclass(frozen=True, kw_only=True)
class TriageConfig(_Section):
    """How failures are classified and when failed jobs are re-run."""

    strategies: Annotated[
        dict[FailureKindName, StrategyName],
        Rule(description="Strategy per failure kind, overriding the defaults (docs/triage.md)."),
    ] = field(default_factory=dict)
    flaky_tests: Annotated[
        tuple[str, ...],
        Rule(description="Glob patterns of test ids known to be flaky: their failures are re-run."),
    ] = ()
    max_reruns_per_sha: Annotated[
        int, Rule(ge=0, le=10, description="Re-runs requested per commit before giving up.")
    ] = 1
    excerpt_tokens: Annotated[
        int, Rule(ge=100, le=32000, description="Token budget of a failed job's excerpt.")
    ] = 1500


@dataclass(frozen=True, kw_only=True)
class FixConfig(_Section):
    """CI failure triage and auto-fix."""

    workflows: tuple[str, ...] = ()
    delivery: Literal["push", "pull-request", "suggest"] = "push"
    max_attempts: Annotated[int, Rule(ge=1, le=10)] = 3
    protected_paths: tuple[str, ...] = (".github/**",)
    verify_runs: Annotated[
        int, Rule(ge=1, le=10, description="Runs in a row the failing tests must pass a patch.")
    ] = 3
    test_timeout: Annotated[
        float, Rule(gt=0, le=3600, description="Seconds one pytest run, fixer or check may take.")
    ] = 300.0
    fixers: Annotated[
        tuple[str, ...] | None,
        Rule(
            description="Commands that fix lint and format failures, run in order without a shell; "
            "default: 'ruff check --fix' and 'ruff format' where ruff is configured."
        ),
    ] = None
    fixer_checks: Annotated[
        tuple[str, ...] | None,
        Rule(
            description="Commands that must pass after the fixers ran; default: 'ruff check' and "
            "'ruff format --check' where ruff is configured."
        ),
    ] = None
    author: Annotated[
        str,
        Rule(
            pattern=r"^[^<>\n]+ <[^<>\s]+>$",
            description="Author of fix commits, as 'Name <email>'.",
        ),
    ] = DEFAULT_FIX_AUTHOR
    max_fixes_per_head: Annotated[
        int, Rule(ge=1, le=10, description="Fix runs allowed for one pull-request head commit.")
    ] = 1
    max_fixes_per_day: Annotated[
        int, Rule(ge=1, le=100, description="Fix runs allowed per pull request per UTC day.")
    ] = 5
    max_chain: Annotated[
        int,
        Rule(
            ge=1,
            le=10,
            description="Fix commits of ci-agent allowed in a row at a branch's head before it "
            "stops.",
        ),
    ] = 2
    after_push: Annotated[
        Literal["nothing", "dispatch"],
        Rule(
            description="'dispatch': start the failed workflow with workflow_dispatch after a push "
            "(pushes made with GITHUB_TOKEN start no CI)."
        ),
    ] = "nothing"
    failure_issue: Annotated[
        bool,
        Rule(
            description="Open an issue (one per workflow, updated per failed run) when a workflow "
            "fails on the default branch after a merge, and close it when the workflow passes "
            "there again; needs 'issues: write'."
        ),
    ] = False
    failure_label: Annotated[
        str,
        Rule(
            min_length=1,
            max_length=50,
            pattern=r"^[^,\n]+$",
            description="Label of the failure issues (how ci-agent finds them again).",
        ),
    ] = "ci-agent"
    bots: Annotated[
        dict[str, Literal["push", "pull-request", "suggest"]],
        Rule(
            description="Delivery per bot login for pull requests bots open (e.g. "
            "'dependabot[bot]': push); unnamed bots get suggestions when fix.delivery is push."
        ),
    ] = field(default_factory=dict)
    triage: TriageConfig = TriageConfig()

    def __post_init__(self) -> None:
        """Refuse a person's login under ``bots``: people get ``fix.delivery``."""
        people = [login for login in self.bots if not login.endswith("[bot]")]
        if people:
            raise ValueError(f"{', '.join(people)}: not a bot login (bot logins end in [bot])")


@dataclass(frozen=True, kw_only=True)
class RetentionConfig(_Section):
    """How many backups of each kind ``backup prune`` keeps (null keeps all)."""

    daily: Annotated[int | None, Rule(ge=1)] = 7
    weekly: Annotated[int | None, Rule(ge=1)] = 4
    manual: Annotated[int | None, Rule(ge=1)] = None


@dataclass(frozen=True, kw_only=True)
class BackupConfig(_Section):
    """Repository backups."""

    compression_level: Annotated[int, Rule(ge=0, le=9)] = 6
    include_release_assets: bool = False
    release_asset_max_bytes: Annotated[
        int, Rule(ge=1, description="Largest release asset file backed up (bytes).")
    ] = 100 << 20
    release_assets_max_total: Annotated[
        int, Rule(ge=1, description="Release asset bytes one backup holds at most.")
    ] = 1 << 30
    include_wiki: Annotated[bool, Rule(description="Back up the wiki when it has pages.")] = True
    include_issue_events: Annotated[bool, Rule(description="Issue and PR events.")] = True
    include_pull_refs: Annotated[
        bool, Rule(description="Fetch refs/pull/* (every PR's head) into the bundle.")
    ] = False
    workflow: Annotated[
        str | None,
        Rule(
            description="The backup workflow (path or id) whose artifacts count as backups; "
            "default: the running workflow in Actions, else .github/workflows/ci-agent-backup.yml."
        ),
    ] = None
    retention: RetentionConfig = RetentionConfig()


@dataclass(frozen=True, kw_only=True)
class GitHubConfig(_Section):
    """GitHub API behaviour."""

    max_retry_wait: Annotated[
        float, Rule(ge=0, description="Total seconds the retry policy may wait in one run.")
    ] = 300.0


@dataclass(frozen=True, kw_only=True)
class ReportConfig(_Section):
    """Where a run's report is shown besides the capability's own GitHub surfaces."""

    annotations: Annotated[
        Literal["auto", "always", "never"],
        Rule(
            description="Workflow annotations for findings: auto = only when the check run cannot "
            "be written (a read-only token, e.g. fork pull requests), always, or never."
        ),
    ] = "auto"
    job_summary: Annotated[bool, Rule(description="Write the report to the job summary.")] = True
    artifact: Annotated[
        bool, Rule(description="Keep the whole report as a JSON artifact of the run (in Actions).")
    ] = True


@dataclass(frozen=True, kw_only=True)
class FileConfig(_Section):
    """The whole configuration file."""

    __pydantic_config__: ClassVar[dict[str, Any]] = {
        **SECTION_CONFIG,
        "title": "ci-agent configuration (.github/ci-agent.yml)",
    }

    version: Literal[1] = 1
    fail_level: SeverityName = "high"
    llm: LLMConfig = LLMConfig()
    review: ReviewConfig = ReviewConfig()
    fix: FixConfig = FixConfig()
    backup: BackupConfig = BackupConfig()
    github: GitHubConfig = GitHubConfig()
    report: ReportConfig = ReportConfig()
    deploy: DeployConfig = DeployConfig()  # noqa: RUF009 - frozen, so one instance can be shared
    insights: InsightsConfig = InsightsConfig()  # noqa: RUF009 - frozen, so one can be shared
    test_generation: TestGenerationConfig = TestGenerationConfig()  # noqa: RUF009 - frozen
    tests: TestsConfig = TestsConfig()  # noqa: RUF009 - frozen, so one instance can be shared
