"""Runner: workflow commands and files inside Actions, plain text outside."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from ci_agent.errors import UsageError
from ci_agent.runner import Annotation, Runner, StepSummary
from ci_agent.runner.annotations import JOB_USAGE_FILE
from ci_agent.runner.commands import WorkflowCommands
from ci_agent.runner.local import LocalCommands
from tests.unit.runner import payloads
from tests.unit.runner.test_files import parse_entries


@pytest.fixture
def actions_environ(tmp_path: Path) -> dict[str, str]:
    environ = {"GITHUB_ACTIONS": "true", "RUNNER_TEMP": str(tmp_path)}
    for name in ("OUTPUT", "ENV", "STATE", "PATH", "STEP_SUMMARY"):
        path = tmp_path / name.lower()
        path.write_text("", encoding="utf-8")
        environ[f"GITHUB_{name}"] = str(path)
    return environ


def test_constructor_does_no_io(tmp_path: Path) -> None:
    out = io.StringIO()
    runner = Runner({"GITHUB_ACTIONS": "true", "RUNNER_TEMP": str(tmp_path / "x")}, out)
    assert runner.in_actions
    assert isinstance(runner.commands, WorkflowCommands)
    assert out.getvalue() == ""
    assert not (tmp_path / "x").exists()


def test_inputs() -> None:
    environ = {"INPUT_DRY-RUN": "TRUE", "INPUT_PATHS": "a\nb", "INPUT_MODEL": " gpt "}
    runner = Runner(environ, io.StringIO())
    assert runner.get_input("model") == "gpt"
    assert runner.get_input("model", trim=False) == " gpt "
    assert runner.get_bool_input("dry-run") is True
    assert runner.get_bool_input("absent", default=True) is True
    assert runner.get_multiline_input("paths") == ["a", "b"]
    with pytest.raises(UsageError):
        runner.get_input("token", required=True)


def test_log_commands_in_actions(actions_environ: dict[str, str]) -> None:
    out = io.StringIO()
    runner = Runner(actions_environ, out)
    runner.debug("d")
    runner.add_mask("tok\nen")
    with runner.group("G"):
        runner.untrusted("::warning::x")
    assert out.getvalue().splitlines() == [
        "::debug::d",
        "::add-mask::tok",
        "::add-mask::en",
        "::group::G",
        "\\::warning::x",
        "::endgroup::",
    ]


def test_file_commands_in_actions(actions_environ: dict[str, str], tmp_path: Path) -> None:
    out = io.StringIO()
    runner = Runner(actions_environ, out)
    runner.set_output("verdict", {"ok": True})
    runner.export_variable("CI_AGENT_MODE", "review")
    runner.save_state("started", 1)
    runner.add_path("/opt/ci-agent/bin")
    assert parse_entries((tmp_path / "output").read_text(encoding="utf-8")) == [
        ("verdict", '{"ok":true}')
    ]
    assert parse_entries((tmp_path / "env").read_text(encoding="utf-8")) == [
        ("CI_AGENT_MODE", "review")
    ]
    assert parse_entries((tmp_path / "state").read_text(encoding="utf-8")) == [("started", "1")]
    assert (tmp_path / "path").read_text(encoding="utf-8") == "/opt/ci-agent/bin\n"
    assert out.getvalue() == ""


def test_set_output_in_actions_without_output_file_is_ca108() -> None:
    runner = Runner({"GITHUB_ACTIONS": "true"}, io.StringIO())
    with pytest.raises(UsageError) as caught:
        runner.set_output("k", "v")
    assert caught.value.code == "CA108"


def test_annotations_in_actions_respect_the_budget(
    actions_environ: dict[str, str], tmp_path: Path
) -> None:
    out = io.StringIO()
    runner = Runner(actions_environ, out)
    items = [Annotation("error", f"e{i}", file="a.py", line=i + 1) for i in range(12)]
    selection = runner.annotate(items)
    assert len(selection.emitted) == 10
    text = out.getvalue()
    assert text.count("::error file=a.py,") == 10
    # The dropped ones still reach the log, as plain (inert) lines.
    assert "a.py:11: error: e10\na.py:12: error: e11\n" in text
    assert "2 errors not shown as annotations" in text
    assert (tmp_path / JOB_USAGE_FILE).read_text(encoding="ascii") == "10"
    assert runner.error("more") is False
    assert runner.warning("w", file="b.py") is True
    assert runner.notice("n", title="t") is True
    assert "::warning file=b.py::w" in out.getvalue()
    assert "::notice title=t::n" in out.getvalue()


def test_annotations_continue_the_jobs_count(
    actions_environ: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / JOB_USAGE_FILE).write_text("48", encoding="ascii")
    runner = Runner(actions_environ, io.StringIO())
    selection = runner.annotate([Annotation("warning", f"w{i}") for i in range(5)])
    assert len(selection.emitted) == 2
    assert selection.dropped_counts["warning"] == 3
    assert (tmp_path / JOB_USAGE_FILE).read_text(encoding="ascii") == "50"
    # A later ci-agent step of the same job gets nothing.
    later = Runner(actions_environ, io.StringIO())
    assert later.error("e") is False


def test_summary_in_actions(actions_environ: dict[str, str], tmp_path: Path) -> None:
    out = io.StringIO()
    runner = Runner(actions_environ, out)
    summary = StepSummary().add_heading("Review")
    assert runner.write_summary(summary, echo=True) == 0
    assert (tmp_path / "step_summary").read_text(encoding="utf-8") == "<h1>Review</h1>\n"
    assert out.getvalue() == ""
    assert summary.is_empty()


def test_load_event(actions_environ: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payloads.push()), encoding="utf-8")
    environ = {**actions_environ, "GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(path)}
    assert Runner(environ, io.StringIO()).load_event().head_sha == payloads.HEAD_SHA


def test_outside_actions_everything_is_plain_text() -> None:
    out = io.StringIO()
    runner = Runner({"GITHUB_OUTPUT": "/should/not/be/used"}, out)
    assert not runner.in_actions
    assert isinstance(runner.commands, LocalCommands)
    runner.debug("hidden without RUNNER_DEBUG")
    runner.add_mask("secret")
    with runner.group("Review"):
        runner.set_output("verdict", {"ok": True})
        runner.export_variable("MODE", "review")
        runner.save_state("pid", 4)
        runner.add_path("/opt/bin")
    runner.untrusted("::error::x")
    assert out.getvalue() == (
        "== Review ==\n"
        'output: verdict={"ok":true}\n'
        "env: MODE=review\n"
        "state: pid=4\n"
        "path: /opt/bin\n"
        "::error::x\n"
    )


def test_outside_actions_debug_with_runner_debug() -> None:
    out = io.StringIO()
    Runner({"RUNNER_DEBUG": "1"}, out).debug("details")
    assert out.getvalue() == "debug: details\n"


def test_outside_actions_quiet_prints_no_outputs() -> None:
    out = io.StringIO()
    runner = Runner({}, out, quiet=True)
    runner.set_output("a", "b")
    runner.export_variable("A", "b")
    runner.save_state("a", "b")
    runner.add_path("/x")
    assert out.getvalue() == ""


def test_outside_actions_annotations_are_not_capped() -> None:
    out = io.StringIO()
    runner = Runner({}, out)
    items = [Annotation("error", f"e{i}", file="a.py", line=i, col=2) for i in range(1, 31)]
    selection = runner.annotate(items)
    assert len(selection.emitted) == 30
    assert selection.dropped == ()
    lines = out.getvalue().splitlines()
    assert lines[0] == "a.py:1:2: error: e1"
    assert len(lines) == 30
    assert runner.error("plain") is True
    assert out.getvalue().endswith("error: plain\n")


def test_outside_actions_summary_is_printed_only_when_asked() -> None:
    out = io.StringIO()
    runner = Runner({}, out)
    summary = StepSummary().add_heading("Quiet")
    assert runner.write_summary(summary) == 0
    assert out.getvalue() == ""
    assert summary.is_empty()
    runner.write_summary(StepSummary().add_heading("Shown"), echo=True)
    assert out.getvalue() == "<h1>Shown</h1>\n"
