"""Building the forge: from Settings, no I/O and no client import until a method needs one."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ci_agent.config import Secret, Settings
from ci_agent.config_model import FileConfig, GitHubConfig
from ci_agent.errors import CiAgentError
from ci_agent.forge.github import GitHubForge

from .conftest import TOKEN, FakeClock, Rig

PROBE = """
import json, socket, sys
def refuse(*args, **kwargs):
    raise AssertionError("network use in a constructor")
socket.socket.connect = refuse
from ci_agent.config import Secret, Settings
from ci_agent.forge.github import GitHubForge
forge = GitHubForge.from_settings(Settings(
    repository="acme/widgets", github_token=Secret("t"), github_api_url="https://ghe.test/api/v3"))
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"github", "ghapi", "httpx2", "requests"})
print(json.dumps([heavy, forge._http.clients.git_remote]))
"""


def test_construction_does_no_io_and_imports_no_client() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    ).stdout
    heavy, remote = json.loads(out)
    assert heavy == []
    assert remote == "https://ghe.test/acme/widgets.git"


@pytest.mark.parametrize(
    ("settings", "code"),
    [
        (Settings(repository="acme/widgets"), "CA307"),
        (Settings(repository="acme/widgets", github_token=Secret("")), "CA307"),
        (Settings(github_token=Secret(TOKEN)), "CA105"),
        (Settings(repository="not-a-name", github_token=Secret(TOKEN)), "CA106"),
    ],
)
def test_from_settings_refuses_what_cannot_work(settings: Settings, code: str) -> None:
    with pytest.raises(CiAgentError) as caught:
        GitHubForge.from_settings(settings)
    assert caught.value.code == code


def test_from_settings_uses_the_configured_wait_bound(rig: Rig) -> None:
    settings = Settings(
        config=FileConfig(github=GitHubConfig(max_retry_wait=5)),
        repository="acme/widgets",
        github_token=Secret(TOKEN),
        github_api_url=rig.fake.base_url,
    )
    clock = FakeClock()
    forge = GitHubForge.from_settings(settings, clock=clock)
    try:
        assert forge.pull_request(rig.world.pr).number == rig.world.pr
        rig.fake.faults.status("GET", "/repos/*/pulls/*", 503, times=None)
        with pytest.raises(CiAgentError) as caught:
            forge.pull_request(rig.world.pr)
    finally:
        forge.close()
    assert caught.value.code == "CA306"
    assert sum(clock.sleeps) <= 5
    assert forge.repo.full_name == "acme/widgets"
