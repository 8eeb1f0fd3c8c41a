"""What ``ci-agent init`` installs: the starter config, the workflows safe to run as they are
(pinned to a release commit), the step to merge into an existing CI, and the next steps.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ci_agent.config import DEFAULT_CONFIG_PATH
from ci_agent.errors import fail
from ci_agent.release import Release, is_full_sha
from ci_agent.resources import templates_dir, workflows_dir

__all__ = [
    "ACTION",
    "CHOOSABLE_WORKFLOWS",
    "LIVE_WORKFLOWS",
    "OPT_IN_WORKFLOWS",
    "Pin",
    "StarterFile",
    "ci_workflow_names",
    "compute_step",
    "next_steps",
    "plan_files",
    "resolve_pin",
]

ACTION = "ci-agent/ci-agent"
# Installed as live workflows: each runs as it is in any repository. workflows/ci.yml is not
# here: it runs the tests of a Python project and is named "CI"; its compute step is printed
# for the user to merge into the CI they already have.
LIVE_WORKFLOWS = ("review", "commands", "fix", "backup")
# Written only when asked for by name: each installs and runs the project, which the user adapts.
OPT_IN_WORKFLOWS = ("tests",)
CHOOSABLE_WORKFLOWS = (*LIVE_WORKFLOWS, *OPT_IN_WORKFLOWS)
_USES = re.compile(r"(?m)^(\s*(?:-\s+)?uses:\s*)" + re.escape(ACTION) + r"@\S+.*$")
_FIX_WORKFLOWS = re.compile(r"(?m)^(\s*workflows:\s*)\[CI\]\s*$")
# A `pull_request` trigger (not pull_request_target): the workflows whose failures fix.yml fixes.
_PR_TRIGGER = re.compile(r"\bpull_request\b(?!_)")
_NAME = re.compile(r"(?m)^name:\s*(.+?)\s*$")


@dataclass(frozen=True)
class Pin:
    """The commit the written workflows use ci-agent at, and the comment that names it."""

    commit: str
    label: str

    def reference(self) -> str:
        """``ci-agent/ci-agent@SHA # v1.2.3``."""
        return f"{ACTION}@{self.commit} # {self.label}"


@dataclass(frozen=True)
class StarterFile:
    """One file init writes: where it goes and its text."""

    destination: Path
    text: str


def resolve_pin(ref: str | None, release: Release | None) -> Pin:
    """The pin from ``--ref``, else from the installed release; a coded error without either."""
    if ref is not None:
        commit = ref.strip().lower()
        if not is_full_sha(commit):
            raise fail("CA125", value=ref)
        if release is not None and release.commit == commit:
            return Pin(commit, release.tag)
        return Pin(commit, "commit given to ci-agent init --ref")
    if release is None:
        from ci_agent import __version__

        raise fail("CA124", version=__version__)
    return Pin(release.commit, release.tag)


def ci_workflow_names(root: Path) -> list[str]:
    """Names of the repository's own workflows that run on pull requests (fix.yml watches them)."""
    names: list[str] = []
    directory = root / ".github" / "workflows"
    files = (
        sorted([*directory.glob("*.yml"), *directory.glob("*.yaml")]) if directory.is_dir() else []
    )
    for path in files:
        if path.name.startswith("ci-agent-"):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        found = _NAME.search(text)
        if found and _PR_TRIGGER.search(text):
            names.append(found.group(1).strip("'\""))
    return names


def _pinned(text: str, pin: Pin) -> str:
    return _USES.sub(lambda m: m.group(1) + pin.reference(), text)


def _workflow_text(name: str, pin: Pin, ci_names: list[str]) -> str:
    text = _pinned((workflows_dir() / f"{name}.yml").read_text(encoding="utf-8"), pin)
    if name == "fix" and ci_names:
        # JSON strings are valid YAML flow scalars, so any workflow name is quoted safely.
        listed = ", ".join(json.dumps(n) for n in ci_names)
        text = _FIX_WORKFLOWS.sub(lambda m: f"{m.group(1)}[{listed}]", text)
    return text


def plan_files(
    root: Path, workflows: tuple[str, ...], pin: Pin, ci_names: list[str]
) -> list[StarterFile]:
    """The files init writes under ``root``: the config, then one file per chosen workflow."""
    chosen = workflows or LIVE_WORKFLOWS
    unknown = [w for w in chosen if w not in CHOOSABLE_WORKFLOWS]
    if unknown:
        allowed = ", ".join(CHOOSABLE_WORKFLOWS)
        raise fail("CA106", name="--workflow", value=unknown[0], allowed=allowed)
    config = (templates_dir() / "config" / "ci-agent.yml").read_text(encoding="utf-8")
    files = [StarterFile(root / DEFAULT_CONFIG_PATH, config)]
    files += [
        StarterFile(
            root / ".github" / "workflows" / f"ci-agent-{w}.yml", _workflow_text(w, pin, ci_names)
        )
        for w in chosen
    ]
    return files


def compute_step(pin: Pin) -> str:
    """The `Compute a fix` step of workflows/ci.yml, pinned, to merge into the user's CI job."""
    text = _pinned((workflows_dir() / "ci.yml").read_text(encoding="utf-8"), pin)
    start = text.index("      - name: Compute a fix")
    return text[start:].rstrip("\n")


def next_steps(files: list[StarterFile], ci_names: list[str], fix_written: bool) -> list[str]:
    """What the user does after init: edit, add secrets, merge the CI step, commit."""
    steps = [
        f"Edit {DEFAULT_CONFIG_PATH} (fail-level, review, fix delivery, backup retention); "
        "'ci-agent doctor' checks it.",
        "Optional secret OPENAI_API_KEY (Settings > Secrets and variables > Actions): without "
        "it the workflows use GitHub Models through GITHUB_TOKEN ('models: read'), or the "
        "static engine.",
        "Each workflow asks for the least permissions its jobs need (see 'permissions:' in "
        "each file); nothing else needs granting. Fork pull requests get a read-only token "
        "and no secrets, and the review then reports in the job summary.",
    ]
    if fix_written:
        if ci_names:
            watched = ", ".join(ci_names)
            steps.append(
                f"ci-agent-fix.yml watches these workflows: {watched}; edit its "
                "'workflows:' list if that is not your CI."
            )
        else:
            steps.append(
                "No workflow with a pull_request trigger was found: put the names of your CI "
                "workflows under 'workflows:' in ci-agent-fix.yml (it says [CI] now)."
            )
        steps.append(
            "Merge the step below into the job of your CI that runs the tests, after the test "
            "step: give your lint and test steps the ids 'lint' and 'test' (or change its "
            "'if:'), and write their output to ruff.log, pytest.log and junit.xml "
            "(workflows/ci.yml in the ci-agent repository shows a whole job). Optional secret "
            "CI_AGENT_PUSH_TOKEN lets pushed fixes start CI (docs/fix.md)."
        )
    if any(f.destination.name == "ci-agent-tests.yml" for f in files):
        steps.append(
            "Edit both 'Install the project' steps of ci-agent-tests.yml to install your "
            "project as your CI does, with pytest and coverage; set test-generation.delivery "
            "(artifact, pull-request or commit) and, for '/ci-agent tests' on pull requests, "
            "test-generation.workflow to the workflow that runs 'command: tests' on "
            "pull_request (docs/tests.md)."
        )
    written = " ".join(str(f.destination) for f in files)
    steps.append(f"Commit and open a pull request: git add {written} && git commit")
    return steps
