"""``ci-agent init``: write a starter configuration and the caller workflows into a repository."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ci_agent.atomic import write_bytes_atomically
from ci_agent.commands.common import Invocation, execute, global_options
from ci_agent.config import CliOverrides
from ci_agent.errors import CiAgentError, fail
from ci_agent.json_form import to_json
from ci_agent.outcome import Outcome
from ci_agent.report.value import Report

__all__ = ["init"]


@click.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=".")
@click.option(
    "--workflow",
    "workflows",
    multiple=True,
    metavar="NAME",
    help="Only this workflow: review, commands, fix, backup, or tests (the scheduled test "
    "generation matrix, written only when named) (repeatable).",
)
@click.option(
    "--ref",
    "ref",
    metavar="SHA",
    help="Pin ci-agent to this full commit SHA (default: the installed release's commit).",
)
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@global_options
def init(
    overrides: CliOverrides,
    directory: Path,
    workflows: tuple[str, ...],
    ref: str | None,
    force: bool,
) -> int:
    """Write .github/ci-agent.yml and .github/workflows/ci-agent-*.yml into DIRECTORY.

    The workflows use ci-agent pinned to a full commit SHA with the version as a comment.
    Prints the step to merge into an existing CI and what to do next.
    """

    def body(invocation: Invocation) -> Outcome:
        from ci_agent.git import Git
        from ci_agent.release import installed_release
        from ci_agent.starter import (
            ci_workflow_names,
            compute_step,
            next_steps,
            plan_files,
            resolve_pin,
        )

        if not directory.is_dir():
            raise fail("CA207", path=directory)
        pin = resolve_pin(ref, installed_release())
        warnings: list[CiAgentError] = []
        if not Git(directory).is_repository():
            warnings.append(fail("CA202", path=directory))
        ci_names = ci_workflow_names(directory)
        files = plan_files(directory, workflows, pin, ci_names)
        dry_run = invocation.settings.dry_run
        written: list[str] = []
        skipped: list[str] = []
        for file in files:
            if file.destination.exists() and not force:
                skipped.append(str(file.destination))
                continue
            if not dry_run:
                try:
                    write_bytes_atomically(
                        file.destination, file.text.encode("utf-8"), keep_mode=True
                    )
                except OSError as exc:
                    raise fail("CA205", path=file.destination, problem=exc.strerror or exc) from exc
            written.append(str(file.destination))
        for warning in warnings:
            invocation.term.warn(f"{warning.message}: {warning.suggestion}")
        fix_chosen = not workflows or "fix" in workflows
        result: dict[str, Any] = {
            "written": written,
            "skipped": skipped,
            "dry_run": dry_run,
            "pin": {"action": pin.reference().split(" ", 1)[0], "comment": pin.label},
            "ci_workflows": ci_names,
            "merge_into_ci": compute_step(pin) if fix_chosen else None,
            "next_steps": next_steps(files, ci_names, fix_chosen),
            "warnings": [to_json(w.info) for w in warnings],
        }
        verb = "would write" if dry_run else "wrote"
        report = Report(f"{verb} {len(written)} file(s), kept {len(skipped)}", conclusion="success")
        return Outcome(
            "init", result=result, text=_text(result), markdown=_markdown(result), report=report
        )

    return execute(overrides, "init", body, base_config=False)


def _file_lines(result: dict[str, Any]) -> list[str]:
    verb = "would write" if result["dry_run"] else "wrote"
    lines = [f"{verb} {p}" for p in result["written"]]
    lines += [f"kept {p} (exists; --force overwrites)" for p in result["skipped"]]
    return lines


def _text(result: dict[str, Any]) -> str:
    """What init did and what to do next, for a terminal (templates/text/init.txt.j2)."""
    from ci_agent.render import render_text

    return render_text("init.txt.j2", **result)


def _markdown(result: dict[str, Any]) -> str:
    lines = ["## ci-agent init", ""]
    lines += [f"- {line}" for line in _file_lines(result)]
    lines += [
        "",
        f"ci-agent is pinned to `{result['pin']['action']}` ({result['pin']['comment']}).",
        "",
    ]
    lines += ["### Next steps", ""]
    lines += [f"{n}. {step}" for n, step in enumerate(result["next_steps"], 1)]
    if result["merge_into_ci"]:
        lines += [
            "",
            "### Step to merge into your CI job",
            "",
            "```yaml",
            result["merge_into_ci"],
            "```",
        ]
    for warning in result["warnings"]:
        lines += ["", f"> **warning {warning['code']}**: {warning['message']}"]
    return "\n".join(lines)
