"""The patch loop against a real repository, real pytest runs and a scripted model."""

from __future__ import annotations

import glob
import tempfile
from pathlib import Path

import pytest

from ci_agent.change.proof import ProofConfig, TestRun, Verdict
from ci_agent.config_model import FixConfig
from ci_agent.errors import CiAgentError
from ci_agent.fix import loop as loop_module
from ci_agent.fix.loop import run_fix_loop
from ci_agent.json_form import to_json
from ci_agent.llm.budget import Budget
from ci_agent.llm.guard import GuardedProvider
from ci_agent.llm.models import ModelProfile
from ci_agent.llm.provider import ChatRequest, ChatResponse
from ci_agent.llm.scripted import ScriptedProvider, scripted_profile

from .conftest import BUGGY_LINE, FAILING, FIXED_LINE, TEST_CALC, Project, answer

FIX = answer(("calc.py", BUGGY_LINE, FIXED_LINE))
WRONG = answer(("calc.py", BUGGY_LINE, "    return a * b\n\n\ndef sub"), explanation="multiply")


def _scratch_dirs() -> set[str]:
    return set(glob.glob(str(Path(tempfile.gettempdir()) / "ci-agent-fix-*")))


@pytest.fixture(autouse=True)
def _no_leftovers(project: Project) -> object:
    before = _scratch_dirs()
    yield None
    assert project.worktrees() == [str(project.path)]
    assert _scratch_dirs() == before


def test_a_correct_patch_is_verified_with_evidence(project: Project) -> None:
    provider = ScriptedProvider([FIX])
    result = run_fix_loop(provider, project.git, project.task())
    assert result.status == "verified", result.reasons
    assert "-    return a - b" in result.diff and "+    return a + b" in result.diff
    assert result.diff.count("@@ ") == 1  # only add() changed
    assert result.before is not None and result.before.failed == 1
    verdict = result.verdict
    assert verdict is not None and verdict.verified
    assert [(r.passed, r.failed) for r in verdict.after] == [(1, 0)] * 3
    assert verdict.broader is not None and verdict.broader.passed == 2
    assert verdict.broader.targets == ("test_calc.py",)
    # The repository itself is untouched: the patch lives only in the returned diff.
    assert "return a - b\n\n\ndef sub" in (project.path / "calc.py").read_text()
    prompt = provider.requests[0].messages[1].content
    assert "<untrusted_ci_data>" in prompt and "def add(a: int, b: int)" in prompt
    assert to_json(result)["status"] == "verified"


def test_a_wrong_patch_is_fed_back_then_the_cap_refuses(project: Project) -> None:
    provider = ScriptedProvider([WRONG, WRONG])
    result = run_fix_loop(provider, project.git, project.task(), FixConfig(max_attempts=2))
    assert result.status == "refused"
    assert result.diff == ""
    assert len(result.attempts) == 2 and len(provider.requests) == 2
    assert "no verified patch after 2 attempt(s)" in result.reasons[0]
    assert "still fail" in result.attempts[0].reasons[0]
    second = provider.requests[1].messages[1].content
    assert "Earlier attempts were rejected" in second
    assert "Your explanation: multiply" in second
    assert "the failing tests still fail after the patch" in second
    assert "assert 6 == 5" in second  # the test output's tail
    assert "Earlier attempts" not in provider.requests[0].messages[1].content


def test_then_a_correct_second_attempt_is_verified(project: Project) -> None:
    provider = ScriptedProvider([WRONG, FIX])
    result = run_fix_loop(provider, project.git, project.task())
    assert result.status == "verified"
    assert len(result.attempts) == 2
    assert "a * b" not in result.diff  # the worktree was reset between attempts


def _no_proof(*_: object, **__: object) -> Verdict:
    raise AssertionError("the proof must not run for a refused patch")


def test_a_workflow_edit_is_refused_by_policy_before_running(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loop_module, "prove", _no_proof)
    bad = answer((".github/workflows/ci.yml", "jobs: {}", "jobs: {x: {}}"))
    result = run_fix_loop(
        ScriptedProvider([bad]), project.git, project.task(), FixConfig(max_attempts=1)
    )
    assert result.status == "refused"
    assert any("protected path (.github/**)" in r for r in result.reasons)


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (("test_calc.py", TEST_CALC, "from calc import add, sub\n"), "deletes test test_add"),
        (("test_calc.py", "assert add(2, 3) == 5", "assert add(2, 3) == -1"), "expected value"),
        (("test_calc.py", "assert add(2, 3) == 5", "assert True"), "always true"),
        (
            ("test_calc.py", "def test_add()", "@pytest.mark.skip\ndef test_add()"),
            "adds a skip or xfail",
        ),
    ],
)
def test_a_patch_weakening_the_failing_test_is_refused(
    project: Project, monkeypatch: pytest.MonkeyPatch, edit: tuple[str, str, str], why: str
) -> None:
    monkeypatch.setattr(loop_module, "prove", _no_proof)
    provider = ScriptedProvider([answer(edit)])
    result = run_fix_loop(provider, project.git, project.task(), FixConfig(max_attempts=1))
    assert result.status == "refused"
    assert any(why in r for r in result.reasons), result.reasons


def test_garbage_twice_is_ca404(project: Project) -> None:
    provider = ScriptedProvider(["not json at all", '{"edits": "nope"}'])
    with pytest.raises(CiAgentError) as caught:
        run_fix_loop(provider, project.git, project.task())
    assert caught.value.code == "CA404"
    assert len(provider.requests) == 2


def test_search_texts_that_do_not_match_once_are_refused_with_reasons(project: Project) -> None:
    missing = answer(("calc.py", "return a / b", "return a + b"))
    twice = answer(("calc.py", "return a - b", "return a + b"))
    provider = ScriptedProvider([missing, twice])
    result = run_fix_loop(provider, project.git, project.task(), FixConfig(max_attempts=2))
    assert result.status == "refused"
    assert "was not found" in result.attempts[0].reasons[0]
    assert "matches 2 times" in result.attempts[1].reasons[0]
    assert "matches exactly once" not in provider.requests[0].messages[1].content
    assert "was not found" in provider.requests[1].messages[1].content


def test_the_worktree_is_removed_when_the_model_raises(project: Project) -> None:
    provider = ScriptedProvider([RuntimeError("connection reset")])
    with pytest.raises(RuntimeError, match="connection reset"):
        run_fix_loop(provider, project.git, project.task())


def test_a_budget_cap_before_any_attempt_is_reported_honestly(project: Project) -> None:
    provider = GuardedProvider(ScriptedProvider([FIX]), Budget(max_tokens=50))
    result = run_fix_loop(provider, project.git, project.task())
    assert result.status == "budget-exhausted"
    assert result.diff == "" and result.attempts == ()
    assert "budget exhausted before any attempt" in result.reasons[0]
    assert "no patch was verified" in result.reasons[0]


class _Tightening:
    """Lets one request through, then lowers the token cap to what was used."""

    def __init__(self, inner: GuardedProvider) -> None:
        self.inner = inner

    @property
    def profile(self) -> ModelProfile:
        return self.inner.profile

    def complete(self, request: ChatRequest) -> ChatResponse:
        response = self.inner.complete(request)
        self.inner.budget.max_tokens = self.inner.budget.used_tokens
        return response


def test_a_budget_cap_between_attempts_stops_with_what_was_tried(project: Project) -> None:
    scripted = ScriptedProvider([WRONG, FIX], profile=scripted_profile(max_output_tokens=500))
    provider = _Tightening(GuardedProvider(scripted, Budget(max_tokens=1_000_000)))
    result = run_fix_loop(provider, project.git, project.task())
    assert result.status == "budget-exhausted"
    assert len(result.attempts) == 1 and len(scripted.requests) == 1
    assert "after 1 attempt(s)" in result.reasons[0]


def test_tests_that_already_pass_are_not_fixed(project: Project) -> None:
    provider = ScriptedProvider([FIX])
    result = run_fix_loop(
        provider, project.git, project.task(failing_tests=("test_calc.py::test_sub",))
    )
    assert result.status == "refused"
    assert "do not fail" in result.reasons[0]
    assert provider.requests == []


def test_test_ids_outside_the_repository_are_ignored(project: Project) -> None:
    provider = ScriptedProvider([FIX])
    task = project.task(failing_tests=("--rootdir=/", "../x.py::t", "/etc/passwd.py::t"))
    result = run_fix_loop(provider, project.git, task)
    assert result.status == "refused"
    assert provider.requests == []


def test_a_broken_broader_check_refuses(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    (project.path / "test_other.py").write_text("def test_other() -> None:\n    assert False\n")
    project.git.run("add", "test_other.py")
    project.git.run("-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "other")
    sha = project.git.run("rev-parse", "HEAD")
    task = project.task(sha=sha, broader=("test_calc.py", "test_other.py"))
    result = run_fix_loop(ScriptedProvider([FIX]), project.git, task, FixConfig(max_attempts=1))
    assert result.status == "refused"
    assert "broader check failed" in result.attempts[0].reasons[0]
    verdict = result.attempts[0].verdict
    assert verdict is not None and len(verdict.after) == 3 and verdict.broader is not None


_DESELECT_HOOK = (
    "def pytest_collection_modifyitems(items):\n"
    "    items[:] = [i for i in items if i.name != 'test_add']\n"
)


def test_deselecting_the_failing_test_through_conftest_is_refused(project: Project) -> None:
    # A conftest hook that drops test_add from the run: the policy refuses any conftest edit
    # before a test runs.
    (project.path / "conftest.py").write_text("X = 1\n")
    project.git.run("add", "conftest.py")
    project.git.run("-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "conftest")
    sha = project.git.run("rev-parse", "HEAD")
    provider = ScriptedProvider([answer(("conftest.py", "X = 1\n", _DESELECT_HOOK))])
    result = run_fix_loop(provider, project.git, project.task(sha=sha), FixConfig(max_attempts=1))
    assert result.status == "refused"
    [attempt] = result.attempts
    assert attempt.verdict is None  # refused before any proof
    assert "conftest.py: edits a conftest.py, which changes how the tests run (rule: conftest)" in (
        " ".join(result.reasons)
    )


def test_a_deselected_failing_test_is_not_a_pass(project: Project) -> None:
    # The proof's own line of defence, whatever dropped the test: zero tests run is no pass.
    from ci_agent.change.proof import prove
    from ci_agent.change.test_runner import find_test_runner
    from ci_agent.config_tests import TestsConfig

    (project.path / "conftest.py").write_text(_DESELECT_HOOK)
    runner = find_test_runner(TestsConfig(), project.path)
    verdict = prove(runner, project.path, (FAILING,), ("test_calc.py",), ProofConfig(runs=1))
    assert not verdict.verified
    assert "still fail after the patch (run 1: 0 failed, 0 passed)" in verdict.reason


def test_evidence_types_are_exported() -> None:
    assert ProofConfig().runs == 3
    assert TestRun(("t",), 1, 0, 0, "").ok


def test_a_prompt_over_the_input_cap_is_trimmed_not_refused(project: Project) -> None:
    from ci_agent.llm.guard import estimate_request

    profile = scripted_profile(input_cap=3000)
    provider = GuardedProvider(ScriptedProvider([FIX], profile=profile), Budget())
    huge = "E   assert -1 == 5\n" + "noise from a very chatty test run\n" * 2000
    result = run_fix_loop(provider, project.git, project.task(excerpt=huge), FixConfig())
    assert result.verified, result.reasons
    [request] = provider.inner.requests  # type: ignore[attr-defined]
    assert estimate_request(request.messages) <= 3000
    assert "noise from a very chatty test run" in request.messages[1].content  # trimmed, kept
