"""``ci-agent init``: write a starter configuration and the caller workflows into a repository."""

from __future__ import annotations

from pathlib import Path

import click

from ci_agent.atomic import write_bytes_atomically
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
                    write_bytes_atomically(destination, source.read_bytes(), keep_mode=True)
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
