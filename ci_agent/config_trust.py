"""Whose configuration a run may use: the checkout's, or the base commit's read through the API.

The settings that decide where secrets go (``llm.base-url``, the provider), the prompts that
review a pull request and the commands ``fix`` runs must not come from the pull request itself.
In GitHub Actions, a run is *untrusted* when its workspace may hold a pull request's code:

=========================================  ===================================================
event                                      configuration read from
=========================================  ===================================================
``pull_request``, ``pull_request_target``,  the pull request's base commit (``base.sha``)
``pull_request_review[_comment]``
``merge_group``                            the merge group's ``base_sha``
``issue_comment``, ``workflow_run``        ``GITHUB_SHA`` (GitHub: the default branch's head)
anything else                              the checkout, when it is exactly ``GITHUB_SHA`` (the
                                           commit the workflow itself comes from) with the
                                           config unchanged, or holds no config at all; else
                                           ``GITHUB_SHA`` through the API
=========================================  ===================================================

A missing commit falls back to the default branch's head, which is trusted too. Outside
Actions (a laptop) the working directory is the user's own and its file is used. Environment
variables, action inputs and flags are always trusted: the workflow file sets them.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ci_agent.config_source import TEMPLATES_DIR
from ci_agent.errors import CiAgentError, fail

if TYPE_CHECKING:
    from ci_agent.config import Settings
    from ci_agent.config_base import FilesAtCommit
    from ci_agent.forge.github import GitHubForge
    from ci_agent.metrics import Metrics
    from ci_agent.render import TemplateRenderer
    from ci_agent.retry import RetryPolicy

__all__ = [
    "PULL_REQUEST_CODE_EVENTS",
    "Trust",
    "decide",
    "repository_path",
    "repository_renderer",
    "resolve",
]

_PULL_REQUEST = frozenset(
    {"pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment"}
)
# Their GITHUB_SHA is the default branch's head, but the job acts on a pull request's code,
# its artifacts or its comments, and may have checked out or downloaded any of them.
_DEFAULT_BRANCH = frozenset({"issue_comment", "workflow_run"})
PULL_REQUEST_CODE_EVENTS = _PULL_REQUEST | _DEFAULT_BRANCH | {"merge_group"}


@dataclass(frozen=True)
class Trust:
    """Whether the checkout's config may be used; if not, the commit to read it at instead."""

    trusted: bool
    reason: str
    ref: str | None = None
    event: str = ""


def decide(environ: Mapping[str, str], workspace: Path, config_file: Path) -> Trust:
    """Decide from the event (and, for other events, the checkout) whose config to use."""
    if environ.get("GITHUB_ACTIONS") != "true":
        return Trust(True, "outside GitHub Actions: the working directory is the user's own")
    from ci_agent.runner.events import event_payload
    from ci_agent.runner.payload import dig_str

    name = environ.get("GITHUB_EVENT_NAME", "")
    sha = environ.get("GITHUB_SHA") or None
    if name in _PULL_REQUEST:
        payload = event_payload(environ)
        base = dig_str(payload, "pull_request", "base", "sha")
        ref = base or (sha if name == "pull_request_target" else None)
        why = f"a '{name}' run: the checkout may hold the pull request's code"
        return Trust(False, why, ref, name)
    if name == "merge_group":
        base = dig_str(event_payload(environ), "merge_group", "base_sha")
        return Trust(False, "a 'merge_group' run holds pull requests' code", base, name)
    if name in _DEFAULT_BRANCH:
        why = f"a '{name}' run acts on a pull request's code, results or comments"
        return Trust(False, why, sha, name)
    local = [p for p in (config_file, workspace / TEMPLATES_DIR) if p.exists()]
    if not local:
        return Trust(True, f"a '{name}' run with no configuration in the workspace", None, name)
    if sha and _checkout_is(workspace, sha, local):
        why = f"a '{name}' run on an unchanged checkout of {sha[:12]}, its workflow's commit"
        return Trust(True, why, None, name)
    why = f"a '{name}' run whose checkout is not the unchanged commit its workflow comes from"
    return Trust(False, why, sha, name)


def _checkout_is(workspace: Path, sha: str, paths: list[Path]) -> bool:
    """True when ``workspace`` is a checkout of ``sha`` and git sees no change to ``paths``
    (an untracked or ignored file counts as a change: it is not the commit's)."""
    from ci_agent.git import Git

    git = Git(workspace)
    try:
        if git.run("rev-parse", "--verify", "--quiet", "HEAD") != sha:
            return False
        names = [str(p) for p in paths]
        changed = git.run(
            "status", "--porcelain", "--ignored", "--untracked-files=all", "--", *names
        )
    except CiAgentError:
        return False
    return not changed


def repository_path(named: Path, workspace: Path, event: str) -> str:
    """``named`` as a path from the top of the repository, to read at the base commit; CA117
    when it lies outside the repository (it cannot be read at a commit)."""
    # Lexically, not through symlinks: the checkout's links must not decide what is read.
    resolved = Path(os.path.normpath(named if named.is_absolute() else workspace / named))
    try:
        relative = resolved.relative_to(os.path.normpath(workspace))
    except ValueError:
        raise fail("CA117", file=named, event=event or "untrusted") from None
    if not relative.parts or ".." in relative.parts:
        raise fail("CA117", file=named, event=event or "untrusted")
    return relative.as_posix()


def resolve(
    settings: Settings,
    *,
    metrics: Metrics | None = None,
    retry: RetryPolicy | None = None,
    files: FilesAtCommit | None = None,
) -> Settings:
    """``settings`` with the base commit's config file and templates when they are pending;
    unchanged otherwise. ``files`` defaults to the GitHub forge of ``settings``.

    CA309 when GitHub cannot be asked (no token, no repository, an API error): never a
    fallback to the checkout's copy. A base file that is invalid fails as a local one would
    (CA101-CA103, CA115), naming ``COMMIT:PATH`` and the line.
    """
    source = settings.config_source
    if not source.pending:
        return settings
    from ci_agent.config import apply_layers
    from ci_agent.config_base import read_base
    from ci_agent.config_file import parse_config_text
    from ci_agent.config_model import FileConfig
    from ci_agent.config_source import RepositoryTemplates

    owned = None
    if files is None:
        owned = _forge(settings, metrics, retry)
        files = owned
    try:
        base = read_base(files, source, settings.workspace)
    except CiAgentError as exc:
        if exc.code.startswith("CA1"):  # the file itself is wrong, not the reading
            raise
        raise fail(
            "CA309", file=source.path, where=source.where, problem=f"{exc.code}: {exc.message}"
        ) from exc
    finally:
        if owned is not None:
            owned.close()
    label = f"{source.ref[:12] if source.ref else 'default-branch'}:{source.path}"
    file_config = FileConfig() if base.text is None else parse_config_text(base.text, label)
    return dataclasses.replace(
        settings,
        config=apply_layers(file_config, settings.config_layers),
        config_source=base.source,
        templates=RepositoryTemplates(from_checkout=False, files=base.templates),
    )


def _forge(settings: Settings, metrics: Metrics | None, retry: RetryPolicy | None) -> GitHubForge:
    from ci_agent.forge.github import GitHubForge

    source = settings.config_source
    try:
        return GitHubForge.from_settings(settings, metrics, retry=retry)
    except CiAgentError as exc:
        if exc.code in {"CA307", "CA105", "CA106"}:  # no token or repository: say so as such
            raise
        raise fail(
            "CA309", file=source.path, where=source.where, problem=f"{exc.code}: {exc.message}"
        ) from exc


def repository_renderer(settings: Settings, root: Path | None = None) -> TemplateRenderer:
    """The renderer with the repository's template overrides this run may use: the checkout's
    ``.github/ci-agent/`` (under ``root``, default the workspace) when trusted, else only
    what was read at the base commit."""
    from ci_agent.render import TemplateRenderer

    templates = settings.templates
    if templates.from_checkout:
        return TemplateRenderer([(root or settings.workspace) / TEMPLATES_DIR])
    return TemplateRenderer(files=dict(templates.files))
