"""Schema of the configuration file .github/ci-agent.yml: kebab-case keys, unknown keys refused."""

from __future__ import annotations

import enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ci_agent.config_deploy import DeployConfig
from ci_agent.config_insights import InsightsConfig
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


def _kebab(name: str) -> str:
    return name.replace("_", "-")


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


class _Section(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=_kebab,
        populate_by_name=True,
        use_enum_values=True,
    )


class Price(_Section):
    """Price of a model in US dollars per million tokens."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)


class LLMConfig(_Section):
    """Language-model provider, model, limits and prices."""

    provider: ProviderName = "auto"
    model: str | None = None
    base_url: str | None = None
    max_concurrency: int = Field(default=4, ge=1, le=64)
    max_output_tokens: int = Field(default=4096, ge=64)
    request_input_cap: int | None = Field(
        default=None, ge=512, description="Input tokens per request; default from the model table."
    )
    max_tokens: int | None = Field(default=None, ge=1, description="Token cap for a whole run.")
    max_cost: float | None = Field(default=None, ge=0, description="Cost cap (USD) for a run.")
    timeout: float = Field(default=120.0, gt=0, description="Seconds per request.")
    prices: dict[str, Price] = Field(default_factory=dict)


class ReviewConfig(_Section):
    """Pull-request review behaviour."""

    prompt: Literal["general", "security"] = "general"
    exclude: tuple[str, ...] = ()
    filter_mode: Literal["added", "diff_context", "file", "nofilter"] = "added"
    max_inline_comments: int = Field(default=20, ge=0, le=200)
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


class TriageConfig(_Section):
    """How failures are classified and when failed jobs are re-run."""

    strategies: dict[FailureKindName, StrategyName] = Field(
        default_factory=dict,
        description="Strategy per failure kind, overriding the defaults (docs/triage.md).",
    )
    flaky_tests: tuple[str, ...] = Field(
        default=(),
        description="Glob patterns of test ids known to be flaky: their failures are re-run.",
    )
    max_reruns_per_sha: int = Field(
        default=1, ge=0, le=10, description="Re-runs requested per commit before giving up."
    )
    excerpt_tokens: int = Field(
        default=1500, ge=100, le=32000, description="Token budget of a failed job's excerpt."
    )


class FixConfig(_Section):
    """CI failure triage and auto-fix."""

    workflows: tuple[str, ...] = ()
    delivery: Literal["push", "pull-request", "suggest"] = "push"
    max_attempts: int = Field(default=3, ge=1, le=10)
    protected_paths: tuple[str, ...] = (".github/**",)
    verify_runs: int = Field(
        default=3, ge=1, le=10, description="Runs in a row the failing tests must pass a patch."
    )
    test_timeout: float = Field(
        default=300.0, gt=0, le=3600, description="Seconds one pytest run, fixer or check may take."
    )
    fixers: tuple[str, ...] | None = Field(
        default=None,
        description="Commands that fix lint and format failures, run in order without a shell; "
        "default: 'ruff check --fix' and 'ruff format' where ruff is configured.",
    )
    fixer_checks: tuple[str, ...] | None = Field(
        default=None,
        description="Commands that must pass after the fixers ran; default: 'ruff check' and "
        "'ruff format --check' where ruff is configured.",
    )
    author: str = Field(
        default=DEFAULT_FIX_AUTHOR,
        pattern=r"^[^<>\n]+ <[^<>\s]+>$",
        description="Author of fix commits, as 'Name <email>'.",
    )
    max_fixes_per_head: int = Field(
        default=1, ge=1, le=10, description="Fix runs allowed for one pull-request head commit."
    )
    max_fixes_per_day: int = Field(
        default=5, ge=1, le=100, description="Fix runs allowed per pull request per UTC day."
    )
    max_chain: int = Field(
        default=2,
        ge=1,
        le=10,
        description="Fix commits of ci-agent allowed in a row at a branch's head before it stops.",
    )
    after_push: Literal["nothing", "dispatch"] = Field(
        default="nothing",
        description="'dispatch': start the failed workflow with workflow_dispatch after a push "
        "(pushes made with GITHUB_TOKEN start no CI).",
    )
    failure_issue: bool = Field(
        default=False,
        description="Open an issue (one per workflow, updated per failed run) when a workflow "
        "fails on the default branch after a merge, and close it when the workflow passes "
        "there again; needs 'issues: write'.",
    )
    bots: dict[str, Literal["push", "pull-request", "suggest"]] = Field(
        default_factory=dict,
        description="Delivery per bot login for pull requests bots open (e.g. "
        "'dependabot[bot]': push); unnamed bots get suggestions when fix.delivery is push.",
    )

    @field_validator("bots")
    @classmethod
    def _bot_logins(cls, value: dict[str, str]) -> dict[str, str]:
        # A person's login here would do nothing: people get fix.delivery.
        people = [login for login in value if not login.endswith("[bot]")]
        if people:
            raise ValueError(f"{', '.join(people)}: not a bot login (bot logins end in [bot])")
        return value

    failure_label: str = Field(
        default="ci-agent",
        min_length=1,
        max_length=50,
        pattern=r"^[^,\n]+$",
        description="Label of the failure issues (how ci-agent finds them again).",
    )
    triage: TriageConfig = TriageConfig()


class RetentionConfig(_Section):
    """How many backups of each kind ``backup prune`` keeps (null keeps all)."""

    daily: int | None = Field(default=7, ge=1)
    weekly: int | None = Field(default=4, ge=1)
    manual: int | None = Field(default=None, ge=1)


class BackupConfig(_Section):
    """Repository backups."""

    compression_level: int = Field(default=6, ge=0, le=9)
    include_release_assets: bool = False
    release_asset_max_bytes: int = Field(
        default=100 << 20, ge=1, description="Largest release asset file backed up (bytes)."
    )
    release_assets_max_total: int = Field(
        default=1 << 30, ge=1, description="Release asset bytes one backup holds at most."
    )
    include_wiki: bool = Field(default=True, description="Back up the wiki when it has pages.")
    include_issue_events: bool = Field(default=True, description="Issue and PR events.")
    include_pull_refs: bool = Field(
        default=False, description="Fetch refs/pull/* (every PR's head) into the bundle."
    )
    workflow: str | None = Field(
        default=None,
        description="The backup workflow (path or id) whose artifacts count as backups; "
        "default: the running workflow in Actions, else .github/workflows/ci-agent-backup.yml.",
    )
    retention: RetentionConfig = RetentionConfig()


class GitHubConfig(_Section):
    """GitHub API behaviour."""

    max_retry_wait: float = Field(
        default=300.0, ge=0, description="Total seconds the retry policy may wait in one run."
    )


class ReportConfig(_Section):
    """Where a run's report is shown besides the capability's own GitHub surfaces."""

    annotations: Literal["auto", "always", "never"] = Field(
        default="auto",
        description=(
            "Workflow annotations for findings: auto = only when the check run cannot be "
            "written (a read-only token, e.g. fork pull requests), always, or never."
        ),
    )
    job_summary: bool = Field(default=True, description="Write the report to the job summary.")
    artifact: bool = Field(
        default=True,
        description="Keep the whole report as a JSON artifact of the run (in Actions).",
    )


class FileConfig(_Section):
    """The whole configuration file."""

    model_config = ConfigDict(title="ci-agent configuration (.github/ci-agent.yml)")

    version: Literal[1] = 1
    fail_level: SeverityName = "high"
    llm: LLMConfig = LLMConfig()
    review: ReviewConfig = ReviewConfig()
    fix: FixConfig = FixConfig()
    backup: BackupConfig = BackupConfig()
    github: GitHubConfig = GitHubConfig()
    report: ReportConfig = ReportConfig()
    deploy: DeployConfig = DeployConfig()
    insights: InsightsConfig = InsightsConfig()
    test_generation: TestGenerationConfig = TestGenerationConfig()
    tests: TestsConfig = TestsConfig()
