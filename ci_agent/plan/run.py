"""Plan a local change: read the manifest (or infer one), the diff, and build the plan."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from ci_agent.config import DEFAULT_CONFIG_PATH, Settings
from ci_agent.config_deploy import DeployConfig
from ci_agent.config_validate import dump_section
from ci_agent.errors import fail
from ci_agent.json_form import to_json
from ci_agent.outcome import Outcome

if TYPE_CHECKING:
    from ci_agent.plan.build import UnitRule
    from ci_agent.plan.checklist import ChangeView, Checklist
    from ci_agent.plan.coverage import CoverageReport
    from ci_agent.plan.history import CiHistory
    from ci_agent.plan.narrative import Narrative
    from ci_agent.runner.events import Event

# Writes the reviewers' paragraph about a finished plan (a model, checked against the plan).
Narrator: TypeAlias = "Callable[[Mapping[str, Any]], Narrative]"
# Lists things to check in the change shown (a model; items kept only on the change's lines).
Checker: TypeAlias = "Callable[[Mapping[str, Any], ChangeView], Checklist]"

__all__ = [
    "Checker",
    "Narrator",
    "event_range",
    "plan_local",
    "publish_plan",
    "write_inferred_manifest",
]


def _deploy(settings: Settings, root: Path) -> tuple[DeployConfig, str]:
    """The manifest's units, else the inferred ones; and which it was."""
    from ci_agent.plan.infer import infer_units

    deploy = settings.config.deploy
    if deploy.units:
        return deploy, "manifest"
    inferred = infer_units(root)
    if not inferred:
        raise fail("CA161", problem="no deploy section, and nothing to infer units from")
    return DeployConfig(
        units=inferred,
        recovery=deploy.recovery,
        retry_attempts=deploy.retry_attempts,
        retry_delay_seconds=deploy.retry_delay_seconds,
        retry_max_delay_seconds=deploy.retry_max_delay_seconds,
        failure_severity=deploy.failure_severity,
    ), "inferred"


def plan_local(
    settings: Settings,
    root: Path,
    *,
    base: str | None,
    head: str,
    files: Sequence[str],
    terraform_plan: Path | None,
    coverage: Path | None = None,
    history: CiHistory | None = None,
    narrator: Narrator | None = None,
    checker: Checker | None = None,
) -> Outcome:
    """The plan for ``base..head`` (or ``files``) in the repository at ``root``.

    ``coverage`` (a coverage.py report) and ``history`` (recent CI runs) add their risk rules;
    ``narrator`` adds a checked paragraph for reviewers beside the plan (never inside it), and
    ``checker`` the things to check, each tied to a line of the change.
    """
    from ci_agent.plan.build import build_plan, matrix
    from ci_agent.plan.present import plan_markdown, plan_text
    from ci_agent.plan.risk import reads_lines
    from ci_agent.plan.sources import texts_from_files, texts_from_git

    deploy, manifest = _deploy(settings, root)
    source: dict[str, Any] = {"manifest": manifest}
    report = None
    if coverage is not None:
        from ci_agent.plan.coverage import read_coverage

        report = read_coverage(coverage, root)
        source["coverage"] = {"report": report.name, "files": len(report.files)}
    if base is not None:
        from ci_agent.forge.local import LocalRepository

        repository = LocalRepository.open(root)
        base_sha, head_sha = repository.resolve(base), repository.resolve(head)
        covered = report.lookup if report is not None else (lambda path: None)
        paths, texts = texts_from_git(
            repository.git,
            base_sha,
            head_sha,
            lambda path: reads_lines(path) or covered(path) is not None,
        )
        source.update(kind="diff", base=base_sha, head=head_sha)
    else:
        paths = sorted(set(files))
        texts = texts_from_files(root, paths)
        source.update(kind="files")
    extra = _terraform(terraform_plan, deploy) if terraform_plan else {}
    rules = _unit_rules(deploy, root, report, history, source)
    plan = build_plan(deploy, paths, texts, source=source, extra_evidence=extra, unit_rules=rules)
    result = {**plan, "matrix": matrix(plan)}
    narrative = _narrate(narrator, plan) if narrator is not None and plan["units"] else None
    if narrative is not None:
        result["narrative"] = to_json(narrative)
    text, markdown = plan_text(plan, narrative), plan_markdown(plan, narrative=narrative)
    if checker is not None and plan["units"]:
        from ci_agent.plan.checklist import checklist_lines
        from ci_agent.plan.sources import view_of_change

        shown = [p for u in plan["units"] for p in u["changed_paths"]]
        checklist = checker(
            plan, view_of_change(root, shown, source.get("base"), source.get("head"))
        )
        result["things_to_check"] = to_json(checklist)
        text += "\n" + "\n".join(checklist_lines(checklist, markdown=False))
        markdown += "\n" + "\n".join(checklist_lines(checklist, markdown=True)) + "\n"
    return Outcome("plan", result=result, text=text, markdown=markdown)


def _narrate(narrator: Narrator, plan: Mapping[str, Any]) -> Narrative:
    """The narrative, or why the model could not give one (the plan stands without it)."""
    from ci_agent.errors import CiAgentError
    from ci_agent.plan.narrative import Narrative

    try:
        return narrator(plan)
    except CiAgentError as exc:
        if not exc.code.startswith("CA4"):
            raise
        return Narrative(None, "failed", f"{exc.code}: {exc.message}")


def _unit_rules(
    deploy: DeployConfig,
    root: Path,
    report: CoverageReport | None,
    history: CiHistory | None,
    source: dict[str, Any],
) -> list[UnitRule]:
    """The coverage and CI-history rules, as far as their inputs were given."""
    rules: list[UnitRule] = []
    limits = deploy.risk
    if report is not None:
        from ci_agent.plan.coverage import coverage_evidence

        rules.append(lambda unit, files: coverage_evidence(files, report, limits))
    if history is not None:
        from ci_agent.plan.history import history_evidence, unit_workflows

        workflows = unit_workflows(root, deploy.units)
        source["ci_history"] = history.describe()
        rules.append(lambda unit, files: history_evidence(workflows[unit.name], history, limits))
    return rules


def _terraform(path: Path, deploy: DeployConfig) -> dict[str, Any]:
    from ci_agent.plan.risk import terraform_evidence

    try:
        evidence = terraform_evidence(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise fail(
            "CA106",
            name="--terraform-plan",
            value=str(path),
            allowed=f"terraform show -json output ({exc})",
        ) from None
    return {u.name: evidence for u in deploy.units if u.kind == "infra"}


def write_inferred_manifest(settings: Settings, root: Path) -> Outcome:
    """Append the inferred units to the config file's ``deploy`` section (none may exist)."""
    import yaml

    from ci_agent.atomic import write_bytes_atomically
    from ci_agent.plan.infer import infer_units

    units = infer_units(root)
    if not units:
        raise fail("CA161", problem="nothing in this repository to infer units from")
    target = settings.config_path or root / DEFAULT_CONFIG_PATH
    try:
        existing = target.read_text(encoding="utf-8") if target.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise fail("CA205", path=target, problem=str(exc)) from None
    if settings.config.deploy.units or _has_deploy(existing):
        raise fail("CA161", problem=f"{target} already has a deploy section; edit it there")
    data = {
        "deploy": {
            "units": [
                dump_section(u, exclude_defaults=True, json=True) | {"name": u.name} for u in units
            ]
        }
    }
    block = "\n# Inferred by `ci-agent plan --write-manifest`: check and edit.\n"
    block += yaml.safe_dump(data, sort_keys=False, default_flow_style=False)
    text = existing + ("" if not existing or existing.endswith("\n") else "\n") + block
    written = not settings.dry_run
    if written:
        try:
            write_bytes_atomically(target, text.encode("utf-8"), keep_mode=True)
        except OSError as exc:
            raise fail("CA205", path=target, problem=exc.strerror or str(exc)) from None
    verb = "wrote" if written else "would write"
    names = ", ".join(u.name for u in units)
    return Outcome(
        "plan",
        result={"manifest": str(target), "units": [u.name for u in units], "written": written},
        text=f"{verb} {len(units)} unit(s) to {target}: {names}\n{block}",
        markdown=f"```yaml\n{block}```\n",
    )


def _has_deploy(text: str) -> bool:
    import yaml

    try:
        data = yaml.safe_load(text) if text else None
    except yaml.YAMLError:
        return False
    return isinstance(data, dict) and "deploy" in data


_ZERO = "0" * 40


def event_range(event: Event, root: Path) -> tuple[str, str, str]:
    """(base, head, how) for an Actions event, from what the checkout holds.

    A push plans ``before..after``; a pull request its base to its head. When the clone lacks
    the base (a shallow checkout, a new branch), the last commit alone: ``HEAD^..HEAD``.
    """
    from ci_agent.forge.local import LocalRepository

    repository = LocalRepository.open(root)
    payload = event.payload
    if event.name == "push":
        base, head = str(payload.get("before") or ""), str(payload.get("after") or "HEAD")
    else:
        base, head = event.base_sha or "", event.head_sha or "HEAD"
    for ref in (base, head):
        if not ref or ref == _ZERO or not _has(repository, ref):
            return "HEAD^", "HEAD", "the last commit (the event's base is not in the checkout)"
    return base, head, f"the {event.name} event's range"


def _has(repository: Any, ref: str) -> bool:
    try:
        repository.resolve(ref)
    except Exception:
        return False
    return True


def publish_plan(forge: Any, number: int, markdown: str) -> dict[str, Any]:
    """The plan as the pull request's sticky comment (edited in place on a re-run)."""
    from ci_agent.forge.types import CommentKind
    from ci_agent.markers import marker
    from ci_agent.report.sticky_comment import find_ours, upsert_comment

    key = f"pr-{number}"
    body = marker("plan", key) + "\n" + markdown
    existing = find_ours(forge.comments(number, CommentKind.ISSUE), "plan", key)
    comment_id, action = upsert_comment(forge, number, body, existing)
    return {"id": comment_id, "action": action}
