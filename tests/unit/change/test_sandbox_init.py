"""The sandbox's setup program: the command it execs after the mounts, and a bad spec."""

from __future__ import annotations

import pytest

from ci_agent.change import sandbox_init

SPEC = {
    "uid": 1001,
    "gid": 121,
    "argv": ["python", "-m", "pytest"],
    "unshare": "/u",
    "setpriv": "/s",
}


def test_namespaces_drop_through_a_nested_user_namespace() -> None:
    command = sandbox_init._command({**SPEC, "mode": "userns"})
    assert command == ["/u", "--user", "--map-user=1001", "--map-group=121", "--"] + SPEC["argv"]


def test_sudo_drops_uid_groups_and_every_capability() -> None:
    command = sandbox_init._command({**SPEC, "mode": "sudo"})
    assert command[0] == "/s" and command[-4:] == ["--", "python", "-m", "pytest"]
    for flag in ("--reuid", "--regid", "--clear-groups", "--inh-caps=-all"):
        assert flag in command
    assert "--bounding-set=-all" in command and "--no-new-privs" in command


def test_paths_inside_a_mask() -> None:
    assert sandbox_init._inside("/tmp/runner/x", "/tmp/runner")
    assert sandbox_init._inside("/tmp/runner", "/tmp/runner/")
    assert not sandbox_init._inside("/tmp/runner-other", "/tmp/runner")


def test_a_bad_spec_is_the_setup_failure(capsys: pytest.CaptureFixture[str]) -> None:
    assert sandbox_init.main(["{not json"]) == sandbox_init.SETUP_FAILED
    assert sandbox_init.main([]) == sandbox_init.SETUP_FAILED
    assert capsys.readouterr().err.startswith("ci-agent sandbox:")
