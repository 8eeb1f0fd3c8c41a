"""``ci-agent tests`` runs the repository's code (its suite, the probes that import the code
under test, every candidate) inside the change core's sandbox: a spy in the suite and in the
module under test finds none of the planted secrets and cannot reach the network.

The job around ci-agent (tokens in its environment, actions/checkout's credentials in the git
configuration and under ``$RUNNER_TEMP``, the GitHub CLI's hosts file) is the one the fix
proof's isolation test builds; the spy is the same.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.change.test_secret_isolation import (
    SECRETS,
    Job,
    _assert_nothing_found,
    job,
    outside_server,
)

__all__ = ["job", "outside_server"]

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the namespaces sandbox is Linux only"
)

CALC = """
def clamp(value, low, high):
    if value < low:
        return low
    if value > high:
        return high
    return value
"""
# The module under test runs the spy when imported: the probes and every candidate import it.
SPY_ON_IMPORT = """
import importlib.util as _u, os as _os
_spec = _u.spec_from_file_location("_spy", _os.path.join(_os.path.dirname(__file__), "spy_code.py"))
_spy = _u.module_from_spec(_spec)
_spec.loader.exec_module(_spy)
_spy.test_reads_every_place_a_secret_could_be()
"""


ARGS = ("--path", "calc.py", "--engine", "offline", "--output", "json")


def _project(job: Job) -> None:
    """The spy repository becomes a project with code to test and a suite that imports it."""
    spy = (job.repo / "test_spy.py").read_text(encoding="utf-8")
    (job.repo / "spy_code.py").write_text(spy, encoding="utf-8")
    (job.repo / "calc.py").write_text(SPY_ON_IMPORT + CALC, encoding="utf-8")
    (job.repo / "test_calc.py").write_text(
        "from calc import clamp\n\n\ndef test_inside():\n    assert clamp(2, 1, 3) == 2\n",
        encoding="utf-8",
    )
    env = {"PATH": job.env()["PATH"], "HOME": str(job.home), "GIT_CONFIG_NOSYSTEM": "1"}
    for args in (
        ["add", "-A"],
        ["-c", "user.name=o", "-c", "user.email=o@example.invalid", "commit", "-qm", "calc"],
    ):
        subprocess.run(["git", *args], cwd=job.repo, env=env, check=True, capture_output=True)


def _tests(
    job: Job, isolation: str, tmpdir: Path | None = None
) -> subprocess.CompletedProcess[str]:
    config = job.repo / ".github" / "ci-agent.yml"
    config.parent.mkdir(exist_ok=True)
    config.write_text(f"tests:\n  isolation: {isolation}\n", encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "ci_agent", "tests", *ARGS],
        cwd=job.repo,
        # Run as on a laptop (the configuration comes from the checkout) with the job's secrets.
        env={**job.env(tmpdir=tmpdir), "GITHUB_ACTIONS": ""},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.parametrize("tmp_inside_runner_temp", [False, True])
def test_test_generation_runs_the_code_under_test_where_no_secret_is_found(
    job: Job, tmp_inside_runner_temp: bool
) -> None:
    _project(job)
    tmpdir = job.runner_temp / "tmp" if tmp_inside_runner_temp else None
    if tmpdir is not None:  # scratch copies and the work directory live under $RUNNER_TEMP
        tmpdir.mkdir()
    done = _tests(job, "auto", tmpdir)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["result"]["funnel"]["candidates"] >= 1, result
    data = _assert_nothing_found(job)
    assert int(data["chain"][-1]) == 1  # type: ignore[index]  # a fresh PID namespace
    # Nothing leaked into what ci-agent reports either.
    assert not [s for s in SECRETS.values() if s in done.stdout]


def test_without_isolation_the_same_spy_finds_the_secrets(job: Job) -> None:
    """The control: the spy running from test generation's processes does read them."""
    _project(job)
    done = _tests(job, "none")
    assert done.returncode in (0, 1), done.stdout + done.stderr
    text = json.dumps(job.seen())
    assert SECRETS["OPENAI_API_KEY"] in text
