"""Registry of stable error codes: code, name, category, message template, suggestion.

Codes never change meaning once published; retire a code rather than reuse it.
Message and suggestion templates use ``{field}`` placeholders filled from the
error's context. ``docs/errors.md`` is generated from this table.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["REGISTRY", "Category", "ErrorSpec"]


class Category(enum.Enum):
    """Error categories; the hundreds digit of a code names its category."""

    CONFIG = "configuration and input"
    GIT = "filesystem and git"
    GITHUB = "network and GitHub"
    LLM = "language model"
    VERIFY = "validation and verification"
    PROCESSING = "processing"
    SYSTEM = "system"


_PREFIX = {
    Category.CONFIG: "1",
    Category.GIT: "2",
    Category.GITHUB: "3",
    Category.LLM: "4",
    Category.VERIFY: "5",
    Category.PROCESSING: "6",
    Category.SYSTEM: "7",
}


@dataclass(frozen=True)
class ErrorSpec:
    """One registered error: what went wrong and what the user can do about it."""

    code: str
    name: str
    category: Category
    message: str
    suggestion: str
    exit_code: int | None = None  # None: the category's exit code


def _spec(
    code: str,
    name: str,
    category: Category,
    message: str,
    suggestion: str,
    *,
    exit_code: int | None = None,
) -> ErrorSpec:
    if code[2] != _PREFIX[category]:
        raise ValueError(f"{code} does not belong to category {category.name}")
    return ErrorSpec(code, name, category, message, suggestion, exit_code)


_C, _G, _H, _L, _V, _P, _S = (
    Category.CONFIG,
    Category.GIT,
    Category.GITHUB,
    Category.LLM,
    Category.VERIFY,
    Category.PROCESSING,
    Category.SYSTEM,
)

_SPECS = (
    # configuration and input
    _spec(
        "CA101",
        "config-unknown-key",
        _C,
        "{file}:{line}: unknown key '{key}'{hint}",
        "Remove the key or fix its spelling; the schema is docs/config.schema.json.",
    ),
    _spec(
        "CA102",
        "config-wrong-type",
        _C,
        "{file}:{line}: '{key}' {problem}",
        "Give '{key}' a value of the expected type (see docs/config.schema.json).",
    ),
    _spec(
        "CA103",
        "config-yaml-syntax",
        _C,
        "{file}:{line}: YAML syntax error: {problem}",
        "Fix the YAML at the line shown; a linter such as yamllint shows the exact spot.",
    ),
    _spec(
        "CA104",
        "config-not-found",
        _C,
        "configuration file {file} does not exist",
        "Pass an existing file to --config, or drop the option to use .github/ci-agent.yml.",
    ),
    _spec(
        "CA105",
        "input-missing",
        _C,
        "required input '{name}' was not given",
        "Add '{name}' under 'with:' in the step that uses ci-agent.",
    ),
    _spec(
        "CA106",
        "input-invalid",
        _C,
        "'{name}' has the invalid value '{value}'",
        "Use one of: {allowed}.",
    ),
    _spec(
        "CA107",
        "unknown-command",
        _C,
        "unknown command '{command}'{hint}",
        "Use one of: {allowed}.",
    ),
    _spec("CA108", "usage", _C, "{problem}", "Run '{usage} --help' for usage."),
    _spec(
        "CA109",
        "not-available-yet",
        _C,
        "'{command}' is not available yet in ci-agent {version}",
        "See what this version can do with 'ci-agent doctor'; CHANGELOG.md in the ci-agent "
        "repository says what each release adds.",
    ),
    _spec(
        "CA110",
        "event-file-missing",
        _C,
        "event payload file {file} does not exist",
        "Run inside GitHub Actions, or point GITHUB_EVENT_PATH at a saved event payload.",
    ),
    _spec(
        "CA111",
        "event-file-invalid",
        _C,
        "event payload file {file} is not a JSON object: {problem}",
        "Check GITHUB_EVENT_PATH; it must name the JSON payload the runner wrote.",
    ),
    _spec(
        "CA112",
        "not-in-actions",
        _C,
        "'ci-agent run' only works inside GitHub Actions",
        "Use the capability's own command locally, e.g. 'ci-agent review --base main'.",
    ),
    _spec(
        "CA113",
        "event-unsupported",
        _C,
        "event '{event}' cannot run '{command}'",
        "Trigger the workflow on one of: {allowed}, or set the 'command' input explicitly.",
    ),
    _spec(
        "CA114",
        "unknown-error-code",
        _C,
        "'{given}' is not a ci-agent error code",
        "Error codes look like CA101; see docs/errors.md for the list.",
    ),
    _spec(
        "CA115",
        "config-invalid-value",
        _C,
        "{file}:{line}: '{key}' {problem}",
        "See docs/config.schema.json for the allowed values of '{key}'.",
    ),
    _spec(
        "CA116",
        "llm-misconfigured",
        _C,
        "the LLM settings are incomplete: {problem}",
        "Add the missing setting under 'llm:' in .github/ci-agent.yml, an input or the env.",
    ),
    _spec(
        "CA117",
        "config-path-outside-repository",
        _C,
        "the configuration file {file} is not in the repository; in this '{event}' run "
        "configuration is read from the base commit only",
        "Name a file in the repository (it is read at the base commit), or pass the settings "
        "as action inputs.",
    ),
    _spec(
        "CA118",
        "config-missing-at-base",
        _C,
        "configuration file {file} does not exist at {where}",
        "Commit it to the base branch first: where the checkout may hold a pull request's code, "
        "ci-agent reads its configuration from the base commit, never from the checkout.",
    ),
    _spec(
        "CA119",
        "template-sandbox",
        _C,
        "the repository's template {template} did something the sandbox forbids: {problem}",
        "Repository templates in .github/ci-agent/ may only read the variables given to them "
        "(see docs/config.md); remove the attribute access or call that was refused.",
    ),
    # configuration and input: a configuration file's shape and spelling
    _spec(
        "CA120",
        "config-yaml-aliases",
        _C,
        "{file}:{line}: YAML aliases refused: {problem}",
        "Write the values out instead of using anchors (&name) and aliases (*name): a "
        "configuration file may use at most 100 aliases, expanding to at most 10,000 values, "
        "and no alias inside its own anchor.",
    ),
    _spec(
        "CA121",
        "config-too-deep",
        _C,
        "{file}:{line}: the YAML is nested more than {depth} levels deep",
        "Flatten the file: no configuration key is more than a few levels deep "
        "(see docs/config.schema.json).",
    ),
    _spec(
        "CA122",
        "config-key-spelling",
        _C,
        "{file}:{line}: '{key}' is spelled with underscores",
        "Write it as '{kebab}': configuration keys are kebab-case.",
    ),
    _spec(
        "CA123",
        "env-not-boolean",
        _C,
        "the environment variable {name} has the value '{value}', which is not a yes/no value",
        "Set {name} to one of true, false, 1, 0, yes, no, on, off (any case), or unset it.",
    ),
    # configuration and input: setting ci-agent up in a repository (12x)
    _spec(
        "CA124",
        "release-unknown",
        _C,
        "this ci-agent ({version}) was not installed from a release, so it has no release "
        "commit to pin the workflows to",
        "Pass --ref with the full commit SHA of a ci-agent release (the commit its tag vX.Y.Z "
        "names in the ci-agent repository), or install a released wheel.",
    ),
    _spec(
        "CA125",
        "ref-not-a-commit",
        _C,
        "--ref '{value}' is not a full 40-character commit SHA",
        "Pass the full SHA of a release commit: a tag or branch can move, a SHA cannot.",
    ),
    _spec(
        "CA126",
        "options-conflict",
        _C,
        "{first} cannot be used with {second}",
        "Give only one of them: {choice}.",
    ),
    # configuration and input: triage of CI failures
    _spec(
        "CA130",
        "log-not-found",
        _C,
        "{what} {path} does not exist",
        "Check the path; --log takes a job log or a directory of them (*.log, *.txt).",
    ),
    _spec(
        "CA131",
        "log-not-text",
        _C,
        "{path} is not a text log: {problem}",
        "Pass the job log as text, e.g. from 'gh run view RUN --log-failed > job.log'.",
    ),
    _spec(
        "CA132",
        "junit-invalid",
        _C,
        "{path} is not a JUnit XML report: {problem}",
        "Pass the file written by 'pytest --junitxml=FILE' or another JUnit XML reporter.",
    ),
    _spec(
        "CA133",
        "log-empty",
        _C,
        "the log {path} is empty",
        "The job may not have started or its log expired; download it again.",
    ),
    _spec(
        "CA134",
        "run-not-found",
        _C,
        "workflow run {run} does not exist in {repository}",
        "Check the run id (the number after /actions/runs/ in its URL) and --repo.",
    ),
    _spec(
        "CA135",
        "run-in-progress",
        _C,
        "workflow run {run} is still {status}",
        "Triage it once it has completed ('gh run watch {run}' waits for it).",
    ),
    _spec(
        "CA136",
        "no-failed-jobs",
        _C,
        "workflow run {run} has no failed jobs (conclusion: {conclusion})",
        "Nothing to triage; pick a failed run ('gh run list --status failure').",
    ),
    _spec(
        "CA137",
        "no-logs-in-directory",
        _C,
        "the directory {path} holds no logs (*.log, *.txt)",
        "Put the job logs there, or pass the log files themselves with --log.",
    ),
    _spec(
        "CA138",
        "no-failed-run",
        _C,
        "pull request #{number} has no failed workflow run at its head {sha}",
        "Nothing to fix; 'gh pr checks {number}' shows its runs, or pass --run ID.",
    ),
    _spec(
        "CA139",
        "triage-output-unwritable",
        _C,
        "cannot write the triage result to {path}: {problem}",
        "Give --json-out a path in a directory that exists and that you can write to.",
    ),
    _spec(
        "CA140",
        "log-archive-invalid",
        _C,
        "{path} is not a readable run-log archive: {problem}",
        "Download it again ('gh run download' or GET /repos/OWNER/REPO/actions/runs/ID/logs).",
    ),
    _spec(
        "CA141",
        "no-failed-jobs-in-logs",
        _C,
        "no job in {path} failed: {count} job log(s), none with the runner's error marker "
        "(##[error])",
        "Give the logs of a failed run (its failed jobs' logs, or the run's archive).",
    ),
    _spec(
        "CA160",
        "deploy-cycle",
        _C,
        "the deploy units depend on each other in a cycle: {cycle}",
        "Remove one 'depends-on' of the cycle in the deploy section of .github/ci-agent.yml.",
    ),
    _spec(
        "CA161",
        "no-deploy-units",
        _C,
        "no deploy units: {problem}",
        "Describe units in the 'deploy' section of .github/ci-agent.yml, or run "
        "'ci-agent plan --write-manifest' to write what can be inferred from the repository.",
    ),
    _spec(
        "CA162",
        "coverage-report-invalid",
        _C,
        "cannot read the coverage report {path}: {problem}",
        "Give --coverage the output of 'coverage xml' (Cobertura XML) or 'coverage json'.",
    ),
    _spec(
        "CA163",
        "deploy-environment-order",
        _C,
        "the deploy units list environments in orders that contradict each other: {environments}",
        "Declare the promotion order once in the deploy section's 'environments' "
        "(e.g. dev, staging, production).",
    ),
    _spec(
        "CA164",
        "deploy-file-unreadable",
        _C,
        "cannot read {what} from {path}: {problem}",
        "Give the file the deploy workflow wrote: the plan's matrix output (or 'ci-agent plan "
        "--output json'), or the result of 'plan verify --result-file'.",
    ),
    # configuration and input: insights (18x)
    _spec(
        "CA180",
        "insights-filter-empty",
        _C,
        "no workflow run in the last {days} days matches {filters}",
        "Check the name and branch ({seen}); names are the workflows' 'name:' as Actions shows.",
    ),
    # configuration and input: backups (15x)
    _spec(
        "CA150",
        "backup-options-conflict",
        _C,
        "{first} and {second} contradict each other",
        "Give one of them: {hint}",
    ),
    _spec(
        "CA151",
        "backup-artifact-refused",
        _C,
        "the artifact {name} is not a backup of this repository's backup workflow: {problem}",
        "Only artifacts of the backup workflow ({workflow}) run from schedule or "
        "workflow_dispatch on the default branch of this repository count as backups.",
    ),
    # filesystem and git
    _spec(
        "CA190",
        "testgen-python-missing",
        _C,
        "no interpreter for the project was found ({tried})",
        "Set test-generation.python in .github/ci-agent.yml (or --python) to an interpreter "
        "on PATH that has the project, pytest and coverage installed, or leave it unset to "
        "use the one the tests run with (tests.command, else the job's python).",
    ),
    _spec(
        "CA191",
        "testgen-shard-invalid",
        _C,
        "--shard '{value}' is not I/N with 1 <= I <= N",
        "Pass the matrix index and size, e.g. --shard 2/4.",
    ),
    _spec(
        "CA192",
        "coverage-data-invalid",
        _C,
        "{file} cannot be used as coverage data: {problem}",
        "Pass the .coverage file or 'coverage json' report of a run with branch coverage "
        "(coverage run --branch), or drop --coverage-data to measure it.",
    ),
    _spec(
        "CA193",
        "testgen-command-no-python",
        _C,
        "tests.command '{command}' names no Python interpreter for test generation",
        "Test generation runs its probes with the project's Python: set tests.command to "
        "'PYTHON -m pytest' or '... pytest' (e.g. 'uv run pytest'), or set "
        "test-generation.python to the interpreter.",
    ),
    _spec(
        "CA194",
        "tests-workflow-unset",
        _C,
        "test-generation.workflow is not set: '/ci-agent tests' does not know which workflow "
        "runs the tests job on pull requests",
        "Set test-generation.workflow in .github/ci-agent.yml on the default branch to the file "
        "name of the workflow that runs ci-agent with 'command: tests' on pull_request (e.g. "
        "tests.yml). The comment re-runs that run; it never runs the pull request's code itself.",
    ),
    _spec(
        "CA195",
        "tests-merge-empty",
        _C,
        "{path} holds no shard result (*.json)",
        "Download the shards' artifacts into it first (actions/download-artifact with "
        "'pattern: ci-agent-tests-*' and 'merge-multiple: true'), or pass the result files.",
    ),
    _spec(
        "CA196",
        "tests-deliver-empty",
        _C,
        "{path} holds no merged result of 'ci-agent tests --merge' (*.json)",
        "Download the merge job's artifact into it first (actions/download-artifact with "
        "'pattern: ci-agent-tests-*-merge-*' and 'merge-multiple: true'), as "
        "workflows/tests.yml does.",
    ),
    _spec(
        "CA201",
        "git-missing",
        _G,
        "git is not installed or not on PATH",
        "Install git (2.30 or newer) and try again.",
    ),
    _spec(
        "CA202",
        "not-a-git-repository",
        _G,
        "{path} is not inside a git repository",
        "Run ci-agent from a git checkout, or pass the repository path.",
    ),
    _spec(
        "CA203",
        "git-command-failed",
        _G,
        "git {args} failed: {problem}",
        "Run the same git command by hand to see the full error.",
    ),
    _spec(
        "CA204",
        "shallow-clone",
        _G,
        "the repository at {path} is a shallow clone",
        "Deepen the clone: 'git fetch --unshallow origin' (or 'git fetch --deepen=200 origin' "
        "for part of it); in GitHub Actions check out with 'fetch-depth: 0'.",
    ),
    _spec(
        "CA205",
        "path-not-writable",
        _G,
        "cannot write to {path}: {problem}",
        "Choose a writable location, or fix the permissions.",
    ),
    _spec(
        "CA206",
        "unknown-ref",
        _G,
        "git ref '{ref}' does not exist",
        "Name an existing branch, tag or SHA ('git branch -a' lists them), or fetch it first "
        "('git fetch origin BRANCH', then name it origin/BRANCH).",
    ),
    _spec(
        "CA207",
        "directory-missing",
        _G,
        "the directory {path} does not exist",
        "Create it first (and 'git init' it), or run the command inside your repository's "
        "checkout.",
    ),
    # filesystem and git: backups (a block of their own, 22x)
    _spec(
        "CA221",
        "target-not-empty",
        _G,
        "{path} is not empty",
        "Choose an empty or new directory, or pass --force to replace its contents.",
    ),
    _spec(
        "CA222",
        "repository-empty",
        _G,
        "the repository at {path} has no commits and there is no metadata to back up",
        "Commit something first, or give a GitHub token and --repo to back up metadata.",
    ),
    _spec(
        "CA223",
        "backup-not-found",
        _G,
        "no backup {what} in {where}",
        "Run 'ci-agent backup list' (with --source artifacts for Actions artifacts).",
    ),
    _spec(
        "CA231",
        "patch-does-not-apply",
        _G,
        "the patch does not apply to {sha}: {problem}",
        "The commit changed since the patch was made; run the fix again on the new head.",
    ),
    _spec(
        "CA232",
        "fixer-unavailable",
        _G,
        "the fixer command '{command}' cannot run: {problem}",
        "Install it in the job before ci-agent runs, or change fix.fixers in the config file.",
    ),
    _spec(
        "CA250",
        "testgen-path-invalid",
        _G,
        "{path} is not a Python source file of the repository",
        "Name a .py file inside the repository (not a test file) with --path.",
    ),
    _spec(
        "CA251",
        "testgen-output-exists",
        _G,
        "{path} exists; generated tests go to new files only",
        "Move or rename that file, or set test-generation.output to another pattern.",
    ),
    _spec(
        "CA252",
        "testgen-output-unwritable",
        _G,
        "the generated tests could not be written to {path}: {problem}",
        "Make that directory writable, or set test-generation.output to another place; "
        "the result still holds every file's text (--output json), and nothing was written.",
    ),
    # network and GitHub
    _spec(
        "CA301",
        "github-unreachable",
        _H,
        "could not reach {url}: {problem}",
        "Check the network and GITHUB_API_URL; on GitHub Enterprise use https://HOST/api/v3.",
    ),
    _spec(
        "CA302",
        "github-rate-limited",
        _H,
        "GitHub rate limit on {endpoint}: {limit} requests, resets at {reset}",
        "Wait for the reset, or use a token with a larger quota (a GitHub App installation).",
    ),
    _spec(
        "CA303",
        "github-auth",
        _H,
        "GitHub refused the token ({status}) for {endpoint}",
        "Check that the token is set and has the permissions the workflow needs.",
    ),
    _spec(
        "CA304",
        "github-permission",
        _H,
        "the token lacks '{permission}' for {endpoint}",
        "Add 'permissions: {permission}' to the job, or use a token that has it.",
    ),
    _spec(
        "CA305",
        "github-not-found",
        _H,
        "GitHub answered 404 for {endpoint}",
        "Check the repository name and that the token can see it.",
    ),
    _spec(
        "CA306",
        "github-server-error",
        _H,
        "GitHub kept failing on {endpoint} ({status}) after {attempts} attempts",
        "Retry later; see https://www.githubstatus.com for incidents.",
    ),
    _spec(
        "CA307",
        "github-token-missing",
        _H,
        "no GitHub token is configured",
        "Set GITHUB_TOKEN (or the 'github-token' input), or work locally without --repo.",
        exit_code=2,  # a missing token is configuration, not a failing service
    ),
    _spec(
        "CA308",
        "github-rejected",
        _H,
        "GitHub refused {endpoint} ({status}): {problem}",
        "The request was invalid for GitHub's current state; the message says why.",
    ),
    _spec(
        "CA309",
        "config-base-unreadable",
        _H,
        "could not read {file} at {where} through the GitHub API: {problem}",
        "Give the job a token with 'contents: read' (the 'github-token' input); ci-agent never "
        "falls back to the checkout's copy, which may be the pull request's.",
    ),
    _spec(
        "CA330",
        "tests-run-missing",
        _H,
        "no pull_request run of {workflow} for the head {head} of pull request #{number} yet",
        "The workflow has not run on this head: wait for it to start (it runs on pull_request), "
        "check that {workflow} runs ci-agent with 'command: tests', or push to the pull request.",
    ),
    _spec(
        "CA331",
        "tests-run-in-progress",
        _H,
        "the {workflow} run {url} for {head} is still {status}",
        "Wait for it to finish: it updates the pull request's tests comment itself. Comment "
        "'/ci-agent tests' again afterwards to run it once more.",
    ),
    _spec(
        "CA332",
        "tests-rerun-refused",
        _H,
        "GitHub refused to re-run {url} ({status}): {problem}",
        "Give the commands workflow 'permissions: actions: write'; GitHub re-runs only runs of "
        "the last 30 days, so push to the pull request to start a new one.",
    ),
    _spec(
        "CA334",
        "tests-run-awaits-approval",
        _H,
        "the {workflow} run {url} for {head} waits for a maintainer's approval",
        "A run of a first-time contributor's fork waits until a maintainer approves it in GitHub "
        "(the run's page: 'Approve and run'); '/ci-agent tests' never approves it for them. "
        "Review the changes, approve the run there, then comment the command again if needed.",
    ),
    _spec(
        "CA333",
        "comment-command-refused",
        _H,
        "'/ci-agent {verb}' from {author} is ignored: {why}",
        "Comment commands run for people with write or admin permission on the repository; "
        "ask a maintainer to comment the command.",
    ),
    # language model
    _spec(
        "CA401",
        "llm-unreachable",
        _L,
        "could not reach the LLM at {url}: {problem}",
        "Check llm-base-url and the network; 'ci-agent doctor --check-remote' tests it.",
    ),
    _spec(
        "CA402",
        "llm-rate-limited",
        _L,
        "the LLM provider kept rate-limiting after {attempts} attempts",
        "Lower llm.max-concurrency, or use a plan with higher limits.",
    ),
    _spec(
        "CA403",
        "llm-auth",
        _L,
        "the LLM provider refused the key ({status})",
        "Check the key (OPENAI_API_KEY or 'openai-api-key'), or 'models: read' for GitHub Models.",
    ),
    _spec(
        "CA404",
        "llm-invalid-output",
        _L,
        "the model's answer did not validate after a repair round: {problem}",
        "Try a stronger model, or report the prompt with -vv output.",
    ),
    _spec(
        "CA405",
        "llm-budget-exhausted",
        _L,
        "the run's {budget} cap of {limit} was reached",
        "Raise llm.{budget} in the configuration, or review smaller changes.",
    ),
    _spec(
        "CA406",
        "llm-not-configured",
        _L,
        "no LLM is configured",
        "Set OPENAI_API_KEY, or llm.provider (github-models needs 'models: read').",
        exit_code=2,  # what is missing is configuration, as with an invalid LLM setting
    ),
    _spec(
        "CA407",
        "llm-refused",
        _L,
        "the model refused to answer: {problem}",
        "Rephrase the prompt template or try another model.",
    ),
    _spec(
        "CA408",
        "review-partial",
        _L,
        "the review is partial: {count} file(s) were not reviewed ({reasons})",
        "Everything else was published; the coverage list names each file and its reason. "
        "Re-run the review once the model endpoint answers.",
    ),
    _spec(
        "CA409",
        "llm-answer-cut",
        _L,
        "the model's answer was cut at the output limit of {limit} tokens",
        "Raise llm.max-output-tokens, or lower llm.request-input-cap so requests are smaller.",
    ),
    _spec(
        "CA410",
        "testgen-model-failed",
        _L,
        "no test was generated: the model failed before it wrote any candidate ({problem})",
        "Check the model's settings and the network ('ci-agent doctor --check-remote'), or "
        "run the offline engines with --engine offline.",
    ),
    # validation and verification
    _spec(
        "CA501",
        "verification-failed",
        _V,
        "verification refused the result: {problem}",
        "Nothing was posted or pushed; the report explains what failed.",
    ),
    _spec(
        "CA502",
        "output-delimiter-collision",
        _V,
        "the value of '{name}' contains the file-command delimiter",
        "This value cannot be written safely; it was not written.",
    ),
    _spec(
        "CA503",
        "checksum-mismatch",
        _V,
        "{file}: SHA-256 mismatch (expected {expected}, got {actual})",
        "The file is corrupted or was altered; do not trust it.",
    ),
    # validation and verification: backups (a block of their own, 52x)
    _spec(
        "CA521",
        "backup-not-recognised",
        _V,
        "{file} is not a ci-agent backup: {problem}",
        "Pass an archive written by 'ci-agent backup create' (ci-agent-backup-*.tar.gz).",
    ),
    _spec(
        "CA522",
        "backup-unsafe-member",
        _V,
        "{file}: refused archive member '{member}': {problem}",
        "Do not extract this archive by hand; ci-agent never writes such members.",
    ),
    _spec(
        "CA523",
        "backup-content-invalid",
        _V,
        "{file}: {problem}",
        "The backup is damaged or was altered: restore from another one and keep this for study.",
    ),
    _spec(
        "CA524",
        "backup-git-invalid",
        _V,
        "the git data of {file} failed verification: {problem}",
        "The bundle is corrupted or incomplete: restore from another backup.",
    ),
    _spec(
        "CA525",
        "backup-chain-incomplete",
        _V,
        "{file} builds on {missing}, which was not found",
        "Keep the whole chain in one directory, use --source artifacts, or create one with --full.",
    ),
    _spec(
        "CA526",
        "backup-size-exceeded",
        _V,
        "{file}: {problem}",
        "Nothing more was written. An archive that holds more than its manifest lists, or more "
        "than --max-bytes, is refused; raise --max-bytes only for a backup you trust.",
    ),
    _spec(
        "CA527",
        "backup-claim-mismatch",
        _V,
        "{file}: the manifest does not match the data: {problem}",
        "The manifest was edited or the data replaced: restore from another backup.",
    ),
    _spec(
        "CA528",
        "backup-identity-mismatch",
        _V,
        "{file} is a backup of {actual}, not of {expected}",
        "A chain never mixes repositories: pass --full to start a new chain, or pick the "
        "right backup.",
    ),
    _spec(
        "CA529",
        "backup-attestation-missing",
        _V,
        "{file}: no attestation of its digest sha256:{digest} from {workflow}",
        "Without an attestation the archive is intact but not proven to come from the backup "
        "workflow; check it with 'gh attestation verify FILE --repo {repository}'.",
    ),
    _spec(
        "CA531",
        "branch-moved",
        _V,
        "branch {branch} moved from {expected} to {actual} while the fix was made; nothing pushed",
        "A new commit is being tested; ci-agent fixes it if its CI fails too.",
    ),
    _spec(
        "CA532",
        "fix-artifact-invalid",
        _V,
        "the fix artifact {name} is not valid: {problem}",
        "Nothing was posted. The artifact must come from 'ci-agent fix' for the same commit.",
    ),
    _spec(
        "CA533",
        "patch-refused",
        _V,
        "the patch was refused: {problem}",
        "Nothing was posted or pushed; protected paths and weakened tests are never accepted.",
    ),
    _spec(
        "CA540",
        "change-outside-scope",
        _V,
        "the patch changes {paths}, outside the files the failure and the pull request implicate",
        "Nothing was posted or pushed. A landed fix may touch only the pull request's changed "
        "files and the files the failed jobs name; fix other files by hand.",
    ),
    _spec(
        "CA541",
        "change-through-symlink",
        _V,
        "the patch changes {path}, and {link} is a symbolic link in the head commit",
        "Nothing was posted or pushed: a path through a link can write somewhere else than it "
        "names. Edit the link's target by its own path, by hand.",
    ),
    _spec(
        "CA551",
        "deploy-verification-failed",
        _V,
        "verification of unit '{unit}' failed: {failed} of {rounds} round(s) failed "
        "(failure limit {limit})",
        "The plan's recovery decision for this step applies; the JSON result has every check.",
    ),
    _spec(
        "CA552",
        "deploy-step-rollback",
        _V,
        "the deploy step of unit '{unit}' in {environment} failed: {why}",
        "The workflow's rollback job rolls back this unit and every unit deployed after it, "
        "in reverse order ('ci-agent plan rollback-order' lists them).",
    ),
    _spec(
        "CA553",
        "environment-approval-missing",
        _V,
        "the deploy manifest says environment '{environment}' needs approval, but its GitHub "
        "Environment {problem}",
        "In the repository's Settings → Environments → {environment}, tick 'Required "
        "reviewers' and add the people or teams who approve deployments.",
    ),
    _spec(
        "CA554",
        "environment-wait-timer-short",
        _V,
        "the deploy manifest says environment '{environment}' waits {expected} minute(s) "
        "before a deployment, but its GitHub Environment {problem}",
        "In the repository's Settings → Environments → {environment}, tick 'Wait timer' and "
        "set it to {expected} minutes.",
    ),
    # validation and verification: the user's tests in the user's environment (56x)
    _spec(
        "CA560",
        "test-runner-not-found",
        _V,
        "no test runner with pytest was found: {tried}",
        "Set tests.command in .github/ci-agent.yml (e.g. 'python -m pytest', 'uv run pytest', "
        "'tox -e py --'), or install the project and pytest into the job's Python before "
        "ci-agent runs.",
    ),
    _spec(
        "CA561",
        "secrets-in-reach",
        _V,
        "refusing to run repository code: no isolation is available here ({why}) and secrets "
        "are in reach: {names}",
        "Run the step that computes fixes or tests in a job without secrets, or on an Ubuntu "
        "runner (Linux namespaces); tests.isolation: none in the trusted configuration runs "
        "the code anyway, with a warning in the report.",
    ),
    _spec(
        "CA562",
        "isolation-unavailable",
        _V,
        "tests.isolation is '{wanted}' but it cannot be used here: {why}",
        "Use tests.isolation: auto (the best mechanism available), or run on a Linux runner "
        "that allows user namespaces or passwordless sudo.",
    ),
    _spec(
        "CA563",
        "test-command-invalid",
        _V,
        "tests.command '{command}' cannot be used: {problem}",
        "Write it as a command line without shell syntax, e.g. 'uv run pytest'; ci-agent "
        "appends pytest's arguments to it.",
    ),
    _spec(
        "CA564",
        "sandbox-setup-failed",
        _V,
        "the sandbox for the test run could not be set up: {problem}",
        "Run with -vv to see the sandbox's output; tests.isolation chooses the mechanism.",
    ),
    _spec(
        "CA570",
        "insights-alert",
        _V,
        "CI health alert: {alerts}",
        "The dashboard issue shows the evidence; set insights.alerts.fail: false to only "
        "report alerts.",
        exit_code=1,
    ),
    _spec(
        "CA580",
        "testgen-suite-failing",
        _V,
        "the test suite fails before any test is added: {problem}",
        "Make the suite green first: generated tests are only accepted into a passing suite.",
    ),
    _spec(
        "CA581",
        "testgen-coverage-unavailable",
        _V,
        "coverage could not be measured with {python}: {problem}",
        "Install pytest and coverage into that environment, or pass --coverage-data.",
    ),
    _spec(
        "CA585",
        "testgen-coverage-report-failed",
        _V,
        "the suite ran under coverage, but coverage could not report it: {problem}",
        "Run 'coverage json' in the project to see the same error; its configuration "
        "([tool.coverage] or .coveragerc) may name sources or plugins that are missing.",
    ),
    _spec(
        "CA586",
        "testgen-source-unparsable",
        _V,
        "{path} does not parse as Python ({problem}): no test can be generated for it",
        "Fix the syntax error ('python -m py_compile {path}' shows it), or name another file "
        "with --path.",
    ),
    _spec(
        "CA582",
        "testgen-shard-result-invalid",
        _V,
        "the shard result {file} is not valid: {problem}",
        "Pass the JSON files written by 'ci-agent tests --shard I/N --output json' of one commit.",
    ),
    _spec(
        "CA584",
        "testgen-merged-result-invalid",
        _V,
        "the merged result {file} is not valid: {problem}",
        "Deliver the artifact that this run's merge job ('--merge DIR --no-deliver') uploaded, "
        "and nothing else: one merged result of the commit the job checked out.",
    ),
    _spec(
        "CA583",
        "testgen-delivery-refused",
        _V,
        "the generated test {path} is not delivered: {problem}",
        "Nothing was pushed. Test generation lands new test modules only (test_*.py or "
        "*_test.py under the directory of test-generation.output, never conftest.py) that pass "
        "the tampering, danger and pytest-options checks; the artifact still holds the files.",
    ),
    _spec(
        "CA590",
        "testgen-shards-other-commit",
        _V,
        "the shard results are of commit {shards}, the checkout is at {head}",
        "Merge the shards of this very run: download the artifacts of the same workflow run "
        "(actions/download-artifact without run-id) into a job that checks out the same commit.",
    ),
    # processing
    _spec(
        "CA601",
        "internal-error",
        _P,
        "internal error: {problem}",
        "Re-run with -vv and report the traceback to the ci-agent maintainers.",
    ),
    _spec(
        "CA602",
        "template-error",
        _P,
        "template {template} failed to render: {problem}",
        "Check the template's variables; overrides live in .github/ci-agent/prompts/.",
    ),
    _spec(
        "CA610",
        "insights-state-unreadable",
        _P,
        "the dashboard's saved state cannot be used ({problem}); the history is read again in full",
        "Nothing to do: this run saves a fresh state. It happens when the dashboard issue's "
        "body was edited by hand or the state format changed.",
    ),
    _spec(
        "CA620",
        "testgen-engine-unavailable",
        _P,
        "the {engine} engine cannot run: {problem}",
        "Install what it needs into the project's environment ({needs}), or configure a model.",
    ),
    # system
    _spec(
        "CA701",
        "disk-full",
        _S,
        "no space left while writing {path}",
        "Free disk space or choose another output directory; nothing partial was kept.",
    ),
    _spec(
        "CA702",
        "interrupted",
        _S,
        "interrupted by {signal}",
        "Run again; nothing partial was kept.",
    ),
    _spec(
        "CA703",
        "program-missing",
        _S,
        "the program '{program}' is not installed",
        "Install {program} and try again.",
    ),
)

REGISTRY: dict[str, ErrorSpec] = {s.code: s for s in _SPECS}
if len(REGISTRY) != len(_SPECS) or len({s.name for s in _SPECS}) != len(_SPECS):
    raise RuntimeError("duplicate error code or name in the registry")
