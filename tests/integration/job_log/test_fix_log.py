"""Model output and fix bundles in the job log: a model answer whose JSON keys are workflow
commands fails validation (CA404 quotes the keys, and -vv adds a traceback that quotes them
too); a bundle from the pull request's job carries reasons and a file name that are workflow
commands, and the privileged job shows them. In every step only ci-agent's own commands are
obeyed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.conftest import ActionsStep
from tests.integration.fix_flow.conftest import TOKEN, World, patch_answer
from tests.integration.triage.joblog import job_log
from tests.unit.runner.runner_log import Command, executed

from .conftest import Step, run_step

# JSON keys a prompt-injected model could write; pydantic quotes them when it rejects them.
HOSTILE_KEYS = {
    "\n::add-mask::model-secret": 1,
    "\n  ::error file=calc.py,line=1::forged by the model": 2,
    "\n::stop-commands::pause\n::set-output name=status::ok\n::pause::": 3,
    "\r##[warning]after a carriage return": 4,
}
INVALID = json.dumps({"explanation": "fix", "edits": [], **HOSTILE_KEYS})


WRONG = patch_answer("    return a - b\n\n\ndef sub", "    return a * b\n\n\ndef sub")
FORGED_REASONS = [
    "::add-mask::bundle-secret",
    "tests failed\n::error file=calc.py,line=1::forged by the bundle",
    "  ::stop-commands::pause",
    "##[set-output name=status;]ok",
]
FORGED_FILE = "../##[error]forged.py"  # refused, and quoted in the refusal


def _compute(
    world: World, tmp_path: Path, *extra: str, answer: str = INVALID
) -> tuple[Step, int, Path]:
    """The compute step in a job: ``ci-agent fix --log`` with the model answering badly."""
    step = world.pytest_step()
    run = world.failed_run(step)
    log = tmp_path / "job.log"
    log.write_text(job_log([step]), encoding="utf-8")
    world.openai.enqueue(answer, answer, answer, answer)
    bundle = tmp_path / f"ci-agent-fix-{run.id}-1-test-0001.json"
    args = ("fix", "--repo", "acme/widgets", "--log", str(log), "--run", str(run.id))
    result = run_step(
        *args, "--bundle-out", str(bundle), *extra, cwd=world.clone, env={"GITHUB_ACTIONS": "true"}
    )
    return result, run.id, bundle


def _only_masks(result: Step, *, hostile: bool = True) -> None:
    """Only our masks are obeyed, though (if ``hostile``) without the escapes more would be."""
    text = result.out + "\n" + result.err
    unescaped = text.replace("\\::", "::").replace("#\\[", "#[").replace("#\\u005b", "#[")
    forged = {command.name for command in executed(unescaped)} - {"add-mask"}
    assert bool(forged) == hostile, text
    assert executed(result.out) == [], result.out
    names = {command.name for command in executed(result.err)}
    assert names <= {"add-mask"}, result.err
    masked = {command.data for command in executed(result.err)}
    assert TOKEN in masked and not {"model-secret", "bundle-secret"} & masked


def test_model_keys_quoted_in_the_refusal_stay_inert(world: World, tmp_path: Path) -> None:
    result, _, bundle = _compute(world, tmp_path, "-vv")
    text = result.out + result.err
    assert "CA404" in text, text
    assert "\n\\::add-mask::model-secret" in result.err  # shown to the reader, escaped
    assert "Traceback (most recent call last)" in result.err  # -vv: it quotes the keys too
    _only_masks(result)
    assert not bundle.exists()  # an unusable answer is an error, not a computation


def test_a_json_result_with_model_keys_parses(world: World, tmp_path: Path) -> None:
    result, _, _ = _compute(world, tmp_path, "--output", "json")
    data = json.loads(result.out)
    [error] = data["errors"]
    assert error["code"] == "CA404"
    assert "\n::add-mask::model-secret" in error["message"]  # the value, unescaped
    _only_masks(result)


def test_bundle_reasons_stay_inert_in_the_privileged_job(
    world: World, actions: ActionsStep, tmp_path: Path
) -> None:
    computed, run_id, bundle = _compute(world, tmp_path, answer=WRONG)
    assert computed.code == 0, computed.err
    _only_masks(computed, hostile=False)
    # The pull request's job can write anything into its bundle.
    data = json.loads(bundle.read_text(encoding="utf-8"))
    assert data["evidence"]["status"] == "refused"
    data["evidence"]["reasons"] = FORGED_REASONS
    data["evidence"]["strategy"] = "patch\n::warning::forged strategy"
    world.repo.add_artifact(
        bundle.name, run=world.repo.runs[run_id], data=json.dumps(data).encode()
    )
    actions.event("workflow_run", {"action": "completed", "workflow_run": {"id": run_id}})
    actions.set(INPUT_GITHUB_TOKEN=TOKEN)

    result = run_step("run", "-v", cwd=actions.workspace)

    assert result.code == 0, result.err
    output = json.loads(actions.outputs()["result-json"])
    assert output["result"]["action"] == "refused"
    assert output["result"]["reasons"] == FORGED_REASONS
    assert "bundle-secret" in result.out + result.err  # shown …
    _only_masks(result)  # … not obeyed
    assert Command("add-mask", TOKEN) in executed(result.err)


def test_a_forged_file_name_stays_inert_in_the_privileged_job(
    world: World, actions: ActionsStep, tmp_path: Path
) -> None:
    _, run_id, bundle = _compute(world, tmp_path, answer=WRONG)
    data = json.loads(bundle.read_text(encoding="utf-8"))
    data["diff"] = (
        f"diff --git a/{FORGED_FILE} b/{FORGED_FILE}\n"
        f"--- a/{FORGED_FILE}\n+++ b/{FORGED_FILE}\n@@ -1 +1 @@\n-a\n+b\n"
    )
    data["diff_sha256"] = hashlib.sha256(data["diff"].encode()).hexdigest()
    data["evidence"]["status"] = "verified"
    world.repo.add_artifact(
        bundle.name, run=world.repo.runs[run_id], data=json.dumps(data).encode()
    )
    actions.event("workflow_run", {"action": "completed", "workflow_run": {"id": run_id}})
    actions.set(INPUT_GITHUB_TOKEN=TOKEN)

    result = run_step("run", cwd=actions.workspace)

    output = json.loads(actions.outputs()["result-json"])
    shown = json.dumps(output) + result.out + result.err
    assert "forged.py" in shown, shown
    _only_masks(result)
