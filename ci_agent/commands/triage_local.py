"""Local ``ci-agent triage`` (``--log``, ``--junit``): the checks of its arguments, its options
and its outcome, shared by both ways it runs, and the way without the configuration layer.

With plain arguments and nothing to configure (:func:`ci_agent.config_env.defaults_hold`: no
config file, no overriding variable, outside Actions), every setting triage reads is the schema's
default, so :func:`run_local` runs it without importing the configuration layer, the composition
root or the retry layer: same output, same exit code (``tests/integration/triage/
test_fast_path.py`` compares both paths as new processes; ``tests/unit/test_config_env.py``
compares the defaults).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ci_agent.config_model import TriageConfig
    from ci_agent.outcome import Outcome
    from ci_agent.triage.triage import TriageOptions, TriageResult

__all__ = ["check_arguments", "local_options", "printed_outcome", "run_local", "triage_outcome"]

USAGE = "ci-agent triage"


def check_arguments(
    *,
    logs: tuple[Path, ...],
    run_id: int | None,
    junit: tuple[Path, ...],
    rerun: bool,
    repo: str | None,
) -> None:
    """CA108 for a combination of options triage cannot run with."""
    from ci_agent.errors import fail

    if logs and run_id is not None:
        raise fail("CA108", problem="give --log or --run, not both", usage=USAGE)
    if not logs and run_id is None and not junit:
        raise fail("CA108", problem="give --log FILE|DIR or --run ID", usage=USAGE)
    if (rerun or repo) and run_id is None:
        raise fail("CA108", problem="--rerun and --repo need --run ID", usage=USAGE)


def local_options(
    config: TriageConfig | None,
    cwd: Path,
    environ: Mapping[str, str],
    *,
    roots: tuple[str, ...] = (),
    passed: tuple[str, ...] = (),
    junit: tuple[Path, ...] = (),
    default_branch: str | None = None,
) -> TriageOptions:
    """Triage options from ``fix.triage`` (None: its defaults, which are TriageOptions' own),
    the working directory, the workspace and the event."""
    from ci_agent.triage.classify import History, Policy
    from ci_agent.triage.triage import TriageOptions

    workspace = environ.get("GITHUB_WORKSPACE")
    options = TriageOptions(
        roots=roots or tuple(filter(None, (str(cwd), workspace))),
        history=History(dict.fromkeys(passed, "given with --passed"), frozenset(passed)),
        junit=junit,
        default_branch=default_branch or _event_default_branch(environ),
    )
    if config is None:
        return options
    from ci_agent.record import replace

    return replace(
        options,
        policy=Policy.from_config(config),
        excerpt_tokens=config.excerpt_tokens,
        max_reruns_per_sha=config.max_reruns_per_sha,
    )


def triage_outcome(
    result: TriageResult,
    json_out: Path | None = None,
    *,
    dry_run: bool = False,
    artifact: str | None = None,
    markdown: bool = True,
    data: bool = True,
) -> Outcome:
    """The command's outcome for a triage result; the whole result is written to ``json_out``
    (not with ``dry_run``) and the text names it (or ``artifact``, the name it is uploaded as);
    ``markdown`` False leaves the markdown out, ``data`` False the JSON result unless it is
    written (nothing will show them)."""
    from ci_agent.json_form import to_json
    from ci_agent.outcome import Outcome
    from ci_agent.report.value import ArtifactRef, Report
    from ci_agent.triage.present import triage_text

    writes = json_out is not None and not dry_run
    if json_out is not None:
        _refuse_an_input(json_out, result.source.get("paths") or ())
    result_data: dict[str, Any] = to_json(result) if data or writes else {}
    whole: str | None = None
    written: ArtifactRef | None = None
    if json_out is not None and dry_run:
        whole = f"not written to {json_out} (--dry-run); --output json prints it"
    elif json_out is not None:
        from ci_agent.triage.whole import write_whole

        sha = write_whole(json_out, result_data)
        whole = f"artifact {artifact}" if artifact else str(json_out)
        result_data = {**result_data, "whole": {"path": str(json_out), "sha256": sha}}
        if artifact:
            written = ArtifactRef(json_out, artifact, sha)
            result_data["artifact"] = to_json(written)
    if markdown:
        from ci_agent.triage.present import triage_markdown

        text_markdown = triage_markdown(result, whole)
    else:
        text_markdown = ""
    return Outcome(
        "triage",
        result=result_data,
        text=triage_text(result, whole),
        markdown=text_markdown,
        report=Report(result.decision.reason, artifact=written),
    )


def printed_outcome(
    result: TriageResult, json_out: Path | None, dry_run: bool, output: str
) -> Outcome:
    """:func:`triage_outcome` with only what ``output`` prints: the markdown only for
    markdown (rendering it loads the template engine), the JSON result only when it is printed
    or written (with tens of thousands of failures it costs more than the rest)."""
    return triage_outcome(
        result,
        json_out,
        dry_run=dry_run,
        markdown=output == "markdown",
        data=output != "text",
    )


def run_local(
    *,
    logs: tuple[Path, ...],
    junit: tuple[Path, ...],
    roots: tuple[str, ...],
    passed: tuple[str, ...],
    json_out: Path | None,
    output: str,
    verbosity: int,
    quiet: bool,
    dry_run: bool,
    no_color: bool,
    environ: Mapping[str, str],
    cwd: Path,
) -> int:
    """Local triage where :func:`ci_agent.config_env.defaults_hold`: what
    :func:`ci_agent.commands.common.execute` does with the settings it would build (the
    schema's defaults, the environment's credentials, no config file read); the exit code.

    Not for -vv, which prints the settings resolved.
    """
    from ci_agent.commands.cycle import env_secrets, finish, run_body, terminal
    from ci_agent.config_env import credentials, env_bool
    from ci_agent.metrics import Metrics

    dry_run = dry_run or env_bool(environ, "CI_AGENT_DRY_RUN")
    given = credentials(environ, lambda _name: "")  # outside Actions: no action inputs
    secrets = (*(value for value in given if value), *env_secrets(environ))
    term = terminal(
        secrets,
        color=not no_color and not environ.get("NO_COLOR"),
        quiet=quiet,
        verbosity=verbosity,
        in_actions=False,
        output=output,
    )
    metrics = Metrics()

    def body() -> Outcome:
        from ci_agent.triage.triage import triage_logs

        check_arguments(logs=logs, run_id=None, junit=junit, rerun=False, repo=None)
        options = local_options(None, cwd, environ, roots=roots, passed=passed, junit=junit)
        return printed_outcome(triage_logs(logs, options), json_out, dry_run, output)

    outcome = run_body(body, "triage", term=term, metrics=metrics, verbosity=verbosity)
    return finish(outcome, term=term, metrics=metrics, output=output, dry_run=dry_run)


def _event_default_branch(environ: Mapping[str, str]) -> str | None:
    """The repository's default branch from the event payload, inside Actions."""
    if not environ.get("GITHUB_EVENT_PATH"):
        return None  # no event: the event modules need not load
    from ci_agent.runner.events import event_payload
    from ci_agent.runner.payload import dig_str

    return dig_str(event_payload(environ), "repository", "default_branch")


def _refuse_an_input(json_out: Path, inputs: Any) -> None:
    """CA139 when ``--json-out`` names one of the logs read (a file given, or one of a given
    directory's logs): the log would be replaced by the result."""
    from ci_agent.errors import fail

    target = json_out.resolve()
    for given in inputs:
        path = Path(given).resolve()
        inside = path.is_dir() and target.parent == path and target.suffix in (".log", ".txt")
        if target == path or (inside and target.exists()):
            raise fail("CA139", path=json_out, problem="it is one of the logs given (--log)")
