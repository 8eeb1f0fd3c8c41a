"""``ci-agent backup``: create, verify, restore, list, stats and prune repository backups.

Each subcommand parses its options and hands them to a job in :mod:`ci_agent.backup`;
:func:`backup_job` runs the same jobs from ``ci-agent run`` (``command: backup``, ``args``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ci_agent.commands.common import Invocation, execute, global_options, unknown_command
from ci_agent.config import CliOverrides
from ci_agent.errors import fail
from ci_agent.outcome import Outcome

if TYPE_CHECKING:
    from ci_agent.backup.context import JobContext

__all__ = ["backup", "backup_job"]

_GLOBAL_PARAMS = frozenset({"verbose", "quiet", "dry_run", "output", "config", "no_color"})
_KINDS = ("daily", "weekly", "manual")
_DIR = click.Path(path_type=Path)


def _context(invocation: Invocation) -> JobContext:
    from ci_agent.backup.context import JobContext

    return JobContext(
        invocation.settings,
        invocation.term,
        invocation.metrics,
        invocation.environ,
        invocation.cwd,
        invocation.retry,
    )


def _create(invocation: Invocation, **params: Any) -> Outcome:
    from ci_agent.backup.jobs import create_job

    full, incremental = params.pop("full", False), params.pop("incremental", False)
    if full and incremental:
        raise fail(
            "CA150",
            first="--full",
            second="--incremental",
            hint="--full starts a new chain, --incremental requires one to build on.",
        )
    params["wanted"] = "full" if full else "incremental" if incremental else "auto"
    return create_job(_context(invocation), **params)


def _verify(invocation: Invocation, **params: Any) -> Outcome:
    from ci_agent.backup.checking import verify_job

    return verify_job(_context(invocation), **params)


def _restore(invocation: Invocation, **params: Any) -> Outcome:
    from ci_agent.backup.checking import restore_job

    return restore_job(_context(invocation), **params)


def _list(invocation: Invocation, **params: Any) -> Outcome:
    from ci_agent.backup.inventory import list_job

    return list_job(_context(invocation), **params)


def _stats(invocation: Invocation, **params: Any) -> Outcome:
    from ci_agent.backup.inventory import stats_job

    return stats_job(_context(invocation), **params)


def _prune(invocation: Invocation, **params: Any) -> Outcome:
    from ci_agent.backup.inventory import prune_job

    return prune_job(_context(invocation), **params)


Job = Callable[..., Outcome]
_JOBS: dict[str, Job] = {
    "create": _create,
    "verify": _verify,
    "restore": _restore,
    "list": _list,
    "stats": _stats,
    "prune": _prune,
}


def _run_job(name: str, invocation: Invocation, params: dict[str, Any]) -> Outcome:
    """The job, with SIGTERM handled like Ctrl-C and the git processes it started stopped."""
    from ci_agent.backup.processes import interruptible

    with interruptible():
        return _JOBS[name](invocation, **params)


def _runner(name: str) -> Callable[..., int]:
    def command(overrides: CliOverrides, **params: Any) -> int:
        return execute(overrides, f"backup {name}", lambda inv: _run_job(name, inv, params))

    command.__name__ = name
    return command


@click.group(name="backup")
def backup() -> None:
    """Create, verify, restore, list and prune checksummed repository backups."""


_repo = click.option(
    "--repo", "repo", metavar="OWNER/NAME", help="GitHub repository (default GITHUB_REPOSITORY)."
)
_source = click.option(
    "--source",
    "source",
    type=click.Choice(["dir", "artifacts"]),
    default="dir",
    show_default=True,
    help="A local directory, or the repository's Actions artifacts.",
)
_folder = click.option(
    "--dir", "folder", type=_DIR, help="The directory (default ./ci-agent-backups)."
)
_archive = click.argument("target", required=False, type=_DIR, metavar="[ARCHIVE|DIR]")
_artifact = click.option(
    "--artifact", "artifact", metavar="NAME|latest", help="Read an Actions artifact instead."
)
_max_bytes = click.option(
    "--max-bytes",
    "max_bytes",
    type=click.IntRange(min=1),
    help="Write at most this many bytes per archive when extracting (default 64 GiB).",
)


def _subcommand(name: str, help_text: str, *options: Callable[[Any], Any]) -> None:
    function: Any = global_options(_runner(name))
    for option in reversed(options):
        function = option(function)
    backup.add_command(click.command(name=name, help=help_text)(function))


_subcommand(
    "create",
    "Create a backup: git bundle of every ref, GitHub metadata as JSONL, MANIFEST.json and "
    "SHA256SUMS in a deterministic tar.gz with its .sha256 beside it. Without a token and "
    "repository only git data is backed up. Daily backups are incremental when a previous "
    "backup is found; weekly and manual ones are full.",
    click.option("--kind", "kind", type=click.Choice(_KINDS), default="manual", show_default=True),
    click.option("--full", "full", is_flag=True, help="Force a full backup."),
    click.option("--incremental", "incremental", is_flag=True, help="Require an incremental one."),
    click.option("--out", "out", type=_DIR, help="Output directory (default ./ci-agent-backups)."),
    click.option(
        "--path", "path", type=click.Path(path_type=Path, file_okay=False), help="The repository."
    ),
    _repo,
    click.option(
        "--created-at",
        "created_at",
        metavar="TIME",
        help="The backup's time (ISO 8601); default SOURCE_DATE_EPOCH, else now.",
    ),
    click.option(
        "--previous-from",
        "source",
        type=click.Choice(["auto", "dir", "artifacts"]),
        default="auto",
        show_default=True,
        help="Where to look for the backup an incremental one builds on.",
    ),
    click.option("--no-metadata", "no_metadata", is_flag=True, help="Back up git data only."),
)
_subcommand(
    "verify",
    "Verify a backup and its chain: archive SHA-256, safe extraction, every file against "
    "MANIFEST.json and SHA256SUMS, every JSONL line, and the git data (clone, refs, "
    "git fsck --full --strict). Exit 0 only when everything holds.",
    _archive,
    _artifact,
    _repo,
    _max_bytes,
    click.option(
        "--require-attestation",
        "require_attestation",
        is_flag=True,
        help="Fail unless GitHub holds an attestation of the archive by the backup workflow.",
    ),
)
_subcommand(
    "restore",
    "Verify, then restore a backup (with its chain) into DIR/repo (a working clone with "
    "every ref) and DIR/meta (the metadata).",
    _archive,
    _artifact,
    _repo,
    click.option("--to", "to", type=_DIR, required=True, help="The directory to restore into."),
    click.option("--force", "force", is_flag=True, help="Replace a non-empty --to directory."),
    _max_bytes,
)
_subcommand(
    "list",
    "List backups: name, kind, created, size, record counts, digest, last verification.",
    _source,
    _folder,
    _repo,
    click.option("--deep", "deep", is_flag=True, help="Artifacts: download to read the counts."),
)
_subcommand("stats", "Show backup statistics.", _source, _folder, _repo)
_subcommand(
    "prune",
    "Delete backups beyond the retention policy (backup.retention in the configuration); "
    "never the newest verified backup or one a kept backup builds on. --dry-run lists only.",
    _source,
    _folder,
    _repo,
    click.option("--keep-daily", "keep_daily", type=click.IntRange(min=1), help="Daily to keep."),
    click.option(
        "--keep-weekly", "keep_weekly", type=click.IntRange(min=1), help="Weekly to keep."
    ),
    click.option(
        "--keep-manual", "keep_manual", type=click.IntRange(min=1), help="Manual to keep."
    ),
)


def backup_job(invocation: Invocation, args: Sequence[str]) -> Outcome:
    """Run ``backup SUBCOMMAND ARGS`` for ``ci-agent run``; no args is a daily ``create``."""
    words = list(args) or ["create", "--kind", "daily"]
    name, rest = words[0], words[1:]
    command = backup.commands.get(name)
    if command is None:
        raise unknown_command(name, list(backup.commands))
    try:
        with command.make_context(f"ci-agent backup {name}", rest) as ctx:
            params = {k: v for k, v in ctx.params.items() if k not in _GLOBAL_PARAMS}
    except click.ClickException as exc:
        raise fail(
            "CA106", name="args", value=" ".join(words), allowed=exc.format_message()
        ) from None
    outcome = _run_job(name, invocation, params)
    return outcome.with_result({"job": "backup", "subcommand": name})
