"""Configuration trust: which runs may use the checkout's config, reading it at the base commit
(an in-memory repository at a commit), the caps on templates, and what the run says."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from ci_agent.config import CliOverrides, Settings, load_settings
from ci_agent.config_base import MAX_TEMPLATE_BYTES, MAX_TEMPLATE_FILES, read_base
from ci_agent.config_source import ConfigSource
from ci_agent.config_trust import decide, repository_path, repository_renderer, resolve
from ci_agent.errors import CiAgentError, fail
from ci_agent.forge.github_contents import Entry
from ci_agent.json_form import to_json
from tests.support import git

SHA = "1a2b3c4d5e6f" + "0" * 28
CONFIG = ".github/ci-agent.yml"


@dataclass
class Commit:
    """Files at one commit, answering as the contents API does (None: absent)."""

    files: dict[str, bytes] = field(default_factory=dict)
    visible: bool = True
    error: CiAgentError | None = None
    asked: list[tuple[str, str | None]] = field(default_factory=list)

    def file_at(self, path: str, ref: str | None) -> bytes | None:
        """The file, or None."""
        self.asked.append((path, ref))
        if self.error is not None:
            raise self.error
        return self.files.get(path) if self.visible else None

    def directory_at(self, path: str, ref: str | None) -> tuple[Entry, ...] | None:
        """The entries right under ``path``, or None."""
        self.asked.append((path + "/", ref))
        if not self.visible:
            return None
        prefix = f"{path.strip('/')}/" if path.strip("/") else ""
        entries: dict[str, Entry] = {}
        for name, data in self.files.items():
            if not name.startswith(prefix):
                continue
            first, _, rest = name[len(prefix) :].partition("/")
            kind = "dir" if rest else "file"
            entries[first] = Entry(first, prefix + first, kind, 0 if rest else len(data))
        return tuple(entries.values()) if entries or not prefix else None


def actions(event: str, **more: str) -> dict[str, str]:
    return {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event, **more}


def with_payload(
    tmp_path: Path, event: str, payload: dict[str, Any], **more: str
) -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return actions(event, GITHUB_EVENT_PATH=str(path), **more)


PR_PAYLOAD = {"pull_request": {"number": 3, "base": {"sha": SHA}, "head": {"sha": "f" * 40}}}

# --- which runs are trusted -------------------------------------------------------------------


def test_outside_actions_the_working_directory_is_trusted(tmp_path: Path) -> None:
    trust = decide({}, tmp_path, tmp_path / CONFIG)
    assert trust.trusted and "outside GitHub Actions" in trust.reason


@pytest.mark.parametrize(
    "event",
    ["pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment"],
)
def test_pull_request_events_read_the_base_commit(tmp_path: Path, event: str) -> None:
    environ = with_payload(tmp_path, event, PR_PAYLOAD, GITHUB_SHA="e" * 40)
    trust = decide(environ, tmp_path, tmp_path / CONFIG)
    assert (trust.trusted, trust.ref, trust.event) == (False, SHA, event)


def test_without_a_base_in_the_payload(tmp_path: Path) -> None:
    """pull_request_target runs on the base branch's head; pull_request falls back to the
    default branch (GITHUB_SHA is the merge commit there: never trusted)."""
    merge = "e" * 40
    target = decide(
        with_payload(tmp_path, "pull_request_target", {}, GITHUB_SHA=merge),
        tmp_path,
        tmp_path / CONFIG,
    )
    assert (target.trusted, target.ref) == (False, merge)
    plain = decide(
        with_payload(tmp_path, "pull_request", {}, GITHUB_SHA=merge), tmp_path, tmp_path / CONFIG
    )
    assert (plain.trusted, plain.ref) == (False, None)


def test_merge_group_reads_its_base(tmp_path: Path) -> None:
    environ = with_payload(tmp_path, "merge_group", {"merge_group": {"base_sha": SHA}})
    trust = decide(environ, tmp_path, tmp_path / CONFIG)
    assert (trust.trusted, trust.ref) == (False, SHA)


@pytest.mark.parametrize("event", ["issue_comment", "workflow_run"])
def test_privileged_events_read_the_workflow_commit(tmp_path: Path, event: str) -> None:
    """Even with a clean checkout of GITHUB_SHA: the job may have downloaded a PR's files."""
    trust = decide(actions(event, GITHUB_SHA=SHA), tmp_path, tmp_path / CONFIG)
    assert (trust.trusted, trust.ref) == (False, SHA)


def committed(root: Path, files: dict[str, str]) -> str:
    git(root, "init", "-q")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "c")
    return git(root, "rev-parse", "HEAD").strip()


def test_a_push_on_an_unchanged_checkout_of_its_commit_is_trusted(tmp_path: Path) -> None:
    sha = committed(tmp_path, {CONFIG: "fail-level: low\n"})
    trust = decide(actions("push", GITHUB_SHA=sha), tmp_path, tmp_path / CONFIG)
    assert trust.trusted and sha[:12] in trust.reason


@pytest.mark.parametrize("change", ["edited", "untracked-template", "other-commit", "no-sha"])
def test_a_push_whose_checkout_is_not_its_commit_reads_it_through_the_api(
    tmp_path: Path, change: str
) -> None:
    sha = committed(tmp_path, {CONFIG: "fail-level: low\n"})
    environ = actions("push", GITHUB_SHA=sha)
    if change == "edited":
        (tmp_path / CONFIG).write_text("fail-level: none\n", encoding="utf-8")
    elif change == "untracked-template":
        (tmp_path / ".github/ci-agent/prompts").mkdir(parents=True)
        (tmp_path / ".github/ci-agent/prompts/review_system.j2").write_text("x", encoding="utf-8")
    elif change == "other-commit":
        environ["GITHUB_SHA"] = "0" * 40
    else:
        del environ["GITHUB_SHA"]
    trust = decide(environ, tmp_path, tmp_path / CONFIG)
    assert not trust.trusted
    assert trust.ref == environ.get("GITHUB_SHA")


def test_a_run_without_any_config_in_the_workspace_is_trusted(tmp_path: Path) -> None:
    """Nothing from the checkout would be used: the defaults are nobody's."""
    trust = decide(actions("schedule"), tmp_path, tmp_path / CONFIG)
    assert trust.trusted


def test_a_path_outside_the_repository_cannot_be_read_at_a_commit(tmp_path: Path) -> None:
    assert repository_path(Path("ci/agent.yml"), tmp_path, "pull_request") == "ci/agent.yml"
    assert repository_path(tmp_path / "a.yml", tmp_path, "pull_request") == "a.yml"
    for outside in (Path("../x.yml"), tmp_path.parent / "x.yml", Path(".")):
        with pytest.raises(CiAgentError) as caught:
            repository_path(outside, tmp_path, "pull_request")
        assert caught.value.code == "CA117"


# --- Settings in an untrusted run -------------------------------------------------------------


def untrusted_settings(tmp_path: Path, **more: str) -> Settings:
    workspace = tmp_path / "ws"
    (workspace / ".github").mkdir(parents=True)
    (workspace / CONFIG).write_text("fail-level: none\nllm:\n  base-url: http://thief\n", "utf-8")
    environ = with_payload(tmp_path, "pull_request", PR_PAYLOAD, GITHUB_WORKSPACE=str(workspace))
    return load_settings(CliOverrides(), {**environ, **more}, tmp_path)


def test_the_checkouts_config_is_never_read_in_an_untrusted_run(tmp_path: Path) -> None:
    s = untrusted_settings(tmp_path, INPUT_FAIL_LEVEL="low")
    assert s.config_source.pending and s.config_source.ref == SHA
    assert s.config.llm.base_url is None  # defaults, not the checkout's
    assert s.config.fail_level == "low"  # inputs still apply
    assert s.config_path is None
    assert s.config_source.note == f"config: {CONFIG} at base {SHA[:12]} (not read yet)"
    assert not s.templates.from_checkout


def test_the_base_config_replaces_the_defaults_and_inputs_still_win(tmp_path: Path) -> None:
    s = untrusted_settings(tmp_path, INPUT_FAIL_LEVEL="low")
    base = Commit({CONFIG: b"fail-level: critical\nreview:\n  max-inline-comments: 3\n"})
    resolved = resolve(s, files=base)
    assert resolved.config.review.max_inline_comments == 3
    assert resolved.config.fail_level == "low"  # the input is above the file
    assert resolved.config_source.kind == "base"
    assert resolved.config_source.head_copy == "differs"
    assert all(ref == SHA for _, ref in base.asked)
    assert resolve(resolved, files=Commit(error=fail("CA601", problem="never asked"))) is resolved


def test_an_invalid_base_file_names_the_commit_and_line(tmp_path: Path) -> None:
    s = untrusted_settings(tmp_path)
    with pytest.raises(CiAgentError) as caught:
        resolve(s, files=Commit({CONFIG: b"review:\n  max-inline-comments: many\n"}))
    assert caught.value.code == "CA102"
    assert caught.value.message.startswith(f"{SHA[:12]}:{CONFIG}:2: 'review.max-inline-comments'")
    with pytest.raises(CiAgentError) as caught:
        resolve(s, files=Commit({CONFIG: b"\xff\xfe"}))
    assert caught.value.code == "CA102"


def test_api_errors_are_ca309_and_a_missing_token_is_ca307(tmp_path: Path) -> None:
    s = untrusted_settings(tmp_path)
    with pytest.raises(CiAgentError) as caught:
        resolve(s, files=Commit(error=fail("CA304", permission="contents", endpoint="GET x")))
    assert caught.value.code == "CA309"
    assert "CA304: the token lacks 'contents'" in caught.value.message
    with pytest.raises(CiAgentError) as caught:
        resolve(replace(s, repository="acme/widgets"))  # no token to ask GitHub with
    assert caught.value.code == "CA307"


def test_a_commit_the_token_cannot_see_is_not_a_missing_file(tmp_path: Path) -> None:
    s = untrusted_settings(tmp_path)
    with pytest.raises(CiAgentError) as caught:
        resolve(s, files=Commit({CONFIG: b"fail-level: low\n"}, visible=False))
    assert caught.value.code == "CA309"
    resolved = resolve(s, files=Commit({"README.md": b"x"}))
    assert resolved.config_source.found is False
    assert resolved.config_source.note.startswith(f"config: defaults (no {CONFIG} at base ")


# --- templates at the base --------------------------------------------------------------------


def pending(required: bool = False) -> ConfigSource:
    return ConfigSource("pending", path=CONFIG, ref=SHA, required=required)


def test_templates_come_from_the_base_and_render_sandboxed(tmp_path: Path) -> None:
    base = Commit(
        {
            ".github/ci-agent/prompts/review_system.j2": b"base prompt {{ 1 + 1 }}\n",
            ".github/ci-agent/prompts/notes.txt": b"not a template",
            ".github/ci-agent/other/x.j2": b"not a kind ci-agent renders",
        }
    )
    read = read_base(base, pending(), tmp_path)
    assert read.templates == (("prompts/review_system.j2", "base prompt {{ 1 + 1 }}\n"),)
    assert read.source.templates == ("prompts/review_system.j2",)
    assert read.source.templates_ignored is False  # the checkout has none
    settings = replace(
        Settings(workspace=tmp_path),
        templates=replace(Settings().templates, from_checkout=False, files=read.templates),
    )
    assert repository_renderer(settings).render("prompts/review_system.j2") == "base prompt 2\n"


def test_the_caps_on_templates_say_what_they_cut(tmp_path: Path) -> None:
    files = {f".github/ci-agent/prompts/t{n:02}.j2": b"x" for n in range(MAX_TEMPLATE_FILES + 2)}
    files[".github/ci-agent/comments/big.j2"] = b"x" * (MAX_TEMPLATE_BYTES + 1)
    files[".github/ci-agent/comments/latin.j2"] = b"caf\xe9"
    read = read_base(Commit(files), pending(), tmp_path)
    assert len(read.templates) == MAX_TEMPLATE_FILES - 2  # big and latin were among the first
    cut = read.source.cut
    assert f"4 of {MAX_TEMPLATE_FILES + 4} template files under .github/ci-agent/ not read" in cut
    assert f"comments/big.j2 not used ({MAX_TEMPLATE_BYTES + 1} bytes" in cut
    assert "comments/latin.j2 not used (not UTF-8)" in cut
    assert cut in read.source.note


def test_a_named_file_missing_at_the_base_is_ca118(tmp_path: Path) -> None:
    with pytest.raises(CiAgentError) as caught:
        read_base(Commit({"README.md": b""}), pending(required=True), tmp_path)
    assert caught.value.code == "CA118"


def test_the_checkouts_copies_are_compared_never_quoted(tmp_path: Path) -> None:
    (tmp_path / ".github/ci-agent/prompts").mkdir(parents=True)
    (tmp_path / CONFIG).write_text("fail-level: low\n", encoding="utf-8")
    (tmp_path / ".github/ci-agent/prompts/review_system.j2").write_text("same", encoding="utf-8")
    base = Commit(
        {CONFIG: b"fail-level: low\n", ".github/ci-agent/prompts/review_system.j2": b"same"}
    )
    read = read_base(base, pending(), tmp_path)
    assert (read.source.head_copy, read.source.templates_ignored) == ("same", False)
    (tmp_path / ".github/ci-agent/prompts/review_system.j2").write_text("evil", encoding="utf-8")
    read = read_base(base, pending(), tmp_path)
    assert read.source.templates_ignored is True
    assert "evil" not in json.dumps(to_json(read.source))


def test_a_checkout_symlink_is_never_followed_for_the_comparison(tmp_path: Path) -> None:
    """A pull request can commit its config file as a link to /dev/zero: reading it would
    never end."""
    (tmp_path / ".github/ci-agent").mkdir(parents=True)
    (tmp_path / CONFIG).symlink_to("/dev/zero")
    (tmp_path / ".github/ci-agent/prompts").symlink_to("/dev")
    read = read_base(Commit({CONFIG: b"fail-level: low\n"}), pending(), tmp_path)
    assert (read.source.head_copy, read.source.templates_ignored) == ("differs", True)
