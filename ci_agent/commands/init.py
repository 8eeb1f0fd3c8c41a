"""``ci-agent init``: write a starter configuration and the caller workflows into a repository."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from ci_agent.commands.common import Invocation, execute, global_options
from ci_agent.config import DEFAULT_CONFIG_PATH, CliOverrides
from ci_agent.errors import fail
from ci_agent.outcome import Outcome
from ci_agent.resources import templates_dir, workflows_dir

__all__ = ["init", "plan_files"]


def plan_files(root: Path, workflows: tuple[str, ...]) -> list[tuple[Path, Path]]:
    """(source, destination) pairs that init would write under ``root``."""
    available = {p.stem: p for p in sorted(workflows_dir().glob("*.yml"))}
    chosen = workflows or tuple(available)
    unknown = [w for w in chosen if w not in available]
    if unknown:
        raise fail("CA106", name="--workflow", value=unknown[0], allowed=", ".join(available))
    pairs = [(templates_dir() / "config" / "ci-agent.yml", root / DEFAULT_CONFIG_PATH)]
    pairs += [(available[w], root / ".github" / "workflows" / f"ci-agent-{w}.yml") for w in chosen]
    return pairs


def _write_atomically(destination: Path, data: bytes) -> None:
    """Write via a temporary file and rename, so a failure leaves no half-written file."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp creates 0600; keep an overwritten file's mode, else the usual 0644.
    mode = destination.stat().st_mode & 0o777 if destination.exists() else 0o644
    fd, temporary = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(temporary).chmod(mode)
        Path(temporary).replace(destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@click.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=".")
@click.option("--workflow", "workflows", multiple=True, help="Only this workflow (repeatable).")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@global_options
def init(overrides: CliOverrides, directory: Path, workflows: tuple[str, ...], force: bool) -> int:
    """Write .github/ci-agent.yml and .github/workflows/ci-agent-*.yml into DIRECTORY."""

    def body(invocation: Invocation) -> Outcome:
        dry_run = invocation.settings.dry_run
        written: list[str] = []
        skipped: list[str] = []
        for source, destination in plan_files(directory, workflows):
            if destination.exists() and not force:
                skipped.append(str(destination))
                continue
            if not dry_run:
                try:
                    _write_atomically(destination, source.read_bytes())
                except OSError as exc:
                    raise fail("CA205", path=destination, problem=exc.strerror or exc) from exc
            written.append(str(destination))
        verb = "would write" if dry_run else "wrote"
        lines = [f"{verb} {p}" for p in written]
        lines += [f"kept {p} (exists; --force overwrites)" for p in skipped]
        return Outcome(
            "init",
            result={"written": written, "skipped": skipped, "dry_run": dry_run},
            text="\n".join(lines),
        )

    return execute(overrides, "init", body, base_config=False)
