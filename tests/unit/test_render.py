"""Template rendering (packaged templates, overrides, strict variables) and the data locations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ci_agent import resources
from ci_agent.errors import CiAgentError, ProcessingError
from ci_agent.render import TemplateRenderer
from ci_agent.resources import templates_dir, workflows_dir

ROOT = Path(__file__).resolve().parents[2]


def doctor_variables(**changes: Any) -> dict[str, Any]:
    variables: dict[str, Any] = {
        "env": {"ci_agent": "9.9.9", "python": "3.11.0", "kind": "local"},
        "event": None,
        "repo": {"name": "acme/widgets", "head": "0123456789abcdef0123"},
        "github": {"api_url": "https://api.github.com"},
        "llm": {"provider": "openai", "model": "gpt-4.1-mini", "reason": "OPENAI_API_KEY is set"},
        "config": {"path": None},
        "credentials": {"github_token": "absent", "openai_api_key": "present (redacted)"},
        "problems": [],
    }
    variables.update(changes)
    return variables


def test_data_directories() -> None:
    assert templates_dir() == ROOT / "templates"
    assert workflows_dir() == ROOT / "workflows"
    assert (templates_dir() / "reports" / "doctor.md.j2").is_file()
    assert (templates_dir() / "config" / "ci-agent.yml").is_file()


def test_a_missing_data_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "_PACKAGE", tmp_path / "pkg")
    with pytest.raises(FileNotFoundError, match="templates/ directory is missing"):
        templates_dir()


def test_the_wheel_layout_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "site" / "ci_agent"
    (package / "templates").mkdir(parents=True)
    (tmp_path / "site" / "templates").mkdir()
    monkeypatch.setattr(resources, "_PACKAGE", package)
    assert templates_dir() == package / "templates"


def test_the_packaged_doctor_template_renders() -> None:
    text = TemplateRenderer().render("reports/doctor.md.j2", **doctor_variables())
    assert text.startswith("## ci-agent doctor\n")
    assert "| ci-agent | 9.9.9 (Python 3.11.0) |" in text
    assert "| repository | acme/widgets @ `0123456789ab` |" in text
    assert "| event | — |" in text
    assert "| LLM provider | openai (`gpt-4.1-mini`) — OPENAI_API_KEY is set |" in text
    assert "- openai_api_key: present (redacted)" in text
    assert "None found." in text
    assert text.endswith("\n")


def test_problems_are_listed() -> None:
    problems = [{"severity": "warning", "code": "CA202", "message": "m", "suggestion": "s"}]
    text = TemplateRenderer().render("reports/doctor.md.j2", **doctor_variables(problems=problems))
    assert "- **warning** `CA202` m — s" in text
    assert "None found." not in text


def test_a_missing_variable_is_ca602() -> None:
    variables = doctor_variables()
    del variables["llm"]
    with pytest.raises(CiAgentError) as exc_info:
        TemplateRenderer().render("reports/doctor.md.j2", **variables)
    error = exc_info.value
    assert isinstance(error, ProcessingError)
    assert error.code == "CA602"
    assert error.exit_code == 5
    assert error.message.startswith("template reports/doctor.md.j2 failed to render: ")
    assert "'llm' is undefined" in error.message


def test_a_missing_attribute_is_ca602(tmp_path: Path) -> None:
    (tmp_path / "t.j2").write_text("{{ user.name }}", encoding="utf-8")
    with pytest.raises(CiAgentError) as exc_info:
        TemplateRenderer([tmp_path]).render("t.j2", user={})
    assert exc_info.value.code == "CA602"


def test_a_missing_template_is_ca602() -> None:
    with pytest.raises(CiAgentError) as exc_info:
        TemplateRenderer().render("reports/nope.md.j2")
    assert exc_info.value.code == "CA602"
    assert "reports/nope.md.j2" in exc_info.value.message


def test_a_syntax_error_is_ca602(tmp_path: Path) -> None:
    (tmp_path / "bad.j2").write_text("{% if %}", encoding="utf-8")
    with pytest.raises(CiAgentError) as exc_info:
        TemplateRenderer([tmp_path]).render("bad.j2")
    assert exc_info.value.code == "CA602"


def test_an_override_directory_wins(tmp_path: Path) -> None:
    first = tmp_path / "first"
    second = tmp_path / "second"
    (first / "reports").mkdir(parents=True)
    (second / "reports").mkdir(parents=True)
    (first / "reports" / "doctor.md.j2").write_text("first {{ env.kind }}\n", encoding="utf-8")
    (second / "reports" / "doctor.md.j2").write_text("second\n", encoding="utf-8")
    renderer = TemplateRenderer([tmp_path / "absent", first, second])
    assert renderer.render("reports/doctor.md.j2", **doctor_variables()) == "first local\n"


def test_overrides_fall_back_to_the_packaged_templates(tmp_path: Path) -> None:
    (tmp_path / "other.j2").write_text("x", encoding="utf-8")
    text = TemplateRenderer([tmp_path]).render("reports/doctor.md.j2", **doctor_variables())
    assert text.startswith("## ci-agent doctor")


def test_rendering_keeps_text_as_is(tmp_path: Path) -> None:
    (tmp_path / "t.j2").write_text(
        "{% if x %}\n  <b>{{ x }}</b>\n{% endif %}\nend\n", encoding="utf-8"
    )
    # No HTML escaping, block tags leave no blank lines, the trailing newline stays.
    assert TemplateRenderer([tmp_path]).render("t.j2", x="a & b") == "  <b>a & b</b>\nend\n"


def test_the_environment_is_built_once(tmp_path: Path) -> None:
    (tmp_path / "t.j2").write_text("{{ v }}", encoding="utf-8")
    renderer = TemplateRenderer([tmp_path])
    assert renderer.render("t.j2", v=1) == "1"
    env = renderer._env
    assert renderer.render("t.j2", v=2) == "2"
    assert renderer._env is env


# --- repository templates in the sandbox ------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{% set xs = [1] %}{{ xs.append(2) }}",
    ],
    ids=["class-walk", "globals", "mutation"],
)
def test_a_repository_template_cannot_reach_python_internals(source: str) -> None:
    renderer = TemplateRenderer(files={"prompts/review_system.j2": source})
    with pytest.raises(CiAgentError) as caught:
        renderer.render("prompts/review_system.j2")
    assert caught.value.code == "CA119"
    assert "prompts/review_system.j2" in caught.value.message


def test_an_override_reaches_packaged_templates_that_include_it(tmp_path: Path) -> None:
    """The security prompt includes the general one: the repository's override must apply."""
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "review_system.j2").write_text("ours\n", encoding="utf-8")
    renderer = TemplateRenderer([tmp_path])
    assert renderer.render("prompts/review_security_system.j2").startswith("ours\n")
    from_base = TemplateRenderer(files={"prompts/review_system.j2": "base {{ 40 + 2 }}\n"})
    assert from_base.render("prompts/review_security_system.j2").startswith("base 42\n")
    assert TemplateRenderer().has_overrides() is False


# --- terminal text ----------------------------------------------------------------------------


def test_terminal_text_comes_from_the_packaged_text_templates() -> None:
    names = sorted(p.name for p in (templates_dir() / "text").glob("*.txt.j2"))
    assert {"review.txt.j2", "fix.txt.j2", "init.txt.j2", "backup_summary.txt.j2"} <= set(names)


def test_render_text_drops_only_the_templates_last_newline() -> None:
    from ci_agent.render import render_text

    text = render_text("backup_summary.txt.j2", title="t", rows=[("a", 1)], width=1, notes=["n"])
    assert text == "t\n  a  1\nnote: n"


def test_terminal_text_ignores_repository_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The text goes to the user's own terminal: a repository's templates never shape it.
    from ci_agent.backup.report import summary_text

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".github" / "ci-agent" / "text").mkdir(parents=True)
    (tmp_path / ".github" / "ci-agent" / "text" / "backup_summary.txt.j2").write_text("owned\n")
    assert summary_text("backup b", [("sha256", "ab")], []) == "backup b\n  sha256  ab"


def test_a_text_template_error_is_ca602() -> None:
    from ci_agent.render import render_text

    with pytest.raises(ProcessingError) as caught:
        render_text("backup_summary.txt.j2", title="t")  # rows, width and notes missing
    assert caught.value.code == "CA602"
    assert "text/backup_summary.txt.j2" in caught.value.message


def test_terminal_text_needs_no_markdown_parser() -> None:
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from ci_agent.backup.report import summary_text\n"
        "summary_text('t', [('a', 1)], [])\n"
        "print('markdown_it' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
