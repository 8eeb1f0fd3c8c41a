"""The built wheel installs into a fresh venv, carries templates/ and workflows/, and runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support import offline_pip

ROOT = Path(__file__).resolve().parents[2]


# The wheel records this commit as its release (hatch_build.py), as scripts/release does.
RELEASE_COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "CI_AGENT_RELEASE_COMMIT": RELEASE_COMMIT},
    )
    (found,) = out.glob("ci_agent-*.whl")
    return found


def test_wheel_contains_package_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {Path(n).relative_to("ci_agent").parts[0] for n in names if n.startswith("ci_agent/")}
    assert {"templates", "workflows", "cli.py", "runner", "help_pages.json"} <= shipped
    record = json.loads(zipfile.ZipFile(wheel).read("ci_agent/release.json"))
    assert record == {"version": record["version"], "commit": RELEASE_COMMIT}
    templates = [n for n in names if n.startswith("ci_agent/templates/")]
    assert "ci_agent/templates/reports/doctor.md.j2" in templates
    sources = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "workflows").glob("*.yml"))
    assert [f"ci_agent/{s}" for s in sources] == sorted(
        n for n in names if n.startswith("ci_agent/workflows/")
    )


@pytest.mark.slow
def test_wheel_installs_and_runs_in_fresh_venv(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [
        str(venv / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
    ]
    offline = {**os.environ, **offline_pip()}
    lock = ["--require-hashes", "-r", str(ROOT / "requirements.lock")]
    subprocess.run([*pip, *lock], check=True, env=offline)
    subprocess.run([*pip, "--no-deps", str(wheel)], check=True, env=offline)
    agent = str(venv / "bin" / "ci-agent")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [agent, *args], cwd=elsewhere, env=env, capture_output=True, text=True, check=False
        )

    version = run("--version")
    assert version.returncode == 0 and "ci-agent, version" in version.stdout
    # The packaged template renders from site-packages, not from this checkout.
    doctor = run("doctor", "--output", "markdown")
    assert doctor.returncode == 0, doctor.stderr
    assert "## ci-agent doctor" in doctor.stdout
    located = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "from ci_agent.resources import templates_dir;print(templates_dir())",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(located).is_relative_to(venv)
    (elsewhere / "repo").mkdir()
    subprocess.run(["git", "init", "-q", str(elsewhere / "repo")], check=True, env=env)
    init = run("init", str(elsewhere / "repo"))
    assert init.returncode == 0, init.stderr
    assert (elsewhere / "repo" / ".github" / "ci-agent.yml").is_file()
    # The installed wheel knows its release commit: the workflows are pinned to it.
    review = (elsewhere / "repo" / ".github" / "workflows" / "ci-agent-review.yml").read_text()
    assert f"uses: ci-agent/ci-agent@{RELEASE_COMMIT} # v" in review
