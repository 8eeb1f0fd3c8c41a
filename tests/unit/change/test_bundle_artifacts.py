"""Bundle artifacts are keyed by the capability and the run that made them; fix's names stay
``ci-agent-fix-<run>-<attempt>-<job>-<leg>.json``."""

from __future__ import annotations

import io
import zipfile

from ci_agent.change.bundle import ChangeBundle
from ci_agent.change.bundle_artifacts import bundle_file_name, bundle_prefix, find_bundle
from ci_agent.forge.memory import InMemoryForge
from ci_agent.forge.run_types import WorkflowRun

SHA = "a" * 40
DIFF = "--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-a = 1\n+a = 2\n"


def _zipped(bundle: ChangeBundle, name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, bundle.to_json())
    return buffer.getvalue()


def _bundle(run_id: int, title: str) -> ChangeBundle:
    return ChangeBundle("o/r", SHA, run_id, DIFF, title, {}, "2026-12-07T00:00:00+00:00")


def test_fix_names_are_unchanged_and_job_names_are_made_safe() -> None:
    assert bundle_prefix("fix") == "ci-agent-fix-"
    assert bundle_file_name("fix", 42, "2", "unit tests/py3.11", "ab12") == (
        "ci-agent-fix-42-2-unit-tests-py3.11-ab12.json"
    )
    assert bundle_file_name("tests", 42, "1", "", "ff").startswith("ci-agent-tests-42-1-job-")


def test_find_bundle_takes_only_the_capability_s_artifacts_of_the_run() -> None:
    forge = InMemoryForge()
    run = WorkflowRun(7, "CI", 1, SHA, "main", "pull_request", "completed", "failure")
    fix_name = bundle_file_name("fix", 7, "1", "test", "aa")
    tests_name = bundle_file_name("tests", 7, "1", "test", "bb")
    forge.seed_artifact(fix_name, _zipped(_bundle(7, "fix it"), fix_name), run_id=7)
    forge.seed_artifact(tests_name, _zipped(_bundle(7, "add tests"), tests_name), run_id=7)
    other = bundle_file_name("tests", 8, "1", "test", "cc")
    forge.seed_artifact(other, _zipped(_bundle(8, "another run"), other), run_id=8)

    found_fix = find_bundle(forge, run, "fix")
    found_tests = find_bundle(forge, run, "tests")
    assert found_fix is not None and found_fix.title == "fix it"
    assert found_tests is not None and found_tests.title == "add tests"
    assert find_bundle(forge, run, "plan") is None
