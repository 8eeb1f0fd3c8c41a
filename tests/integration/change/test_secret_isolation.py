"""A repository's test tries every read of a secret while ci-agent proves a patch: it finds none.

ci-agent runs as its own process (as in a job) with the model key and the GitHub token in its
environment; the repository's git configuration holds actions/checkout's extra header, a
token in a remote URL and an included credentials file under ``$RUNNER_TEMP``; ``$HOME``
holds the GitHub CLI's hosts file and ``.git-credentials``. The spy test (``spy.py``) reads
all of it from inside the proof's test run. Where this machine runs as root, ci-agent runs as
an unprivileged user too. A control run with ``tests.isolation: none`` shows the spy does find
the secrets when nothing hides them.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import offline_pip

from .spy import spy_test

# The temporary directory the session started with: each test's own (tests/conftest.py) lies
# under pytest's private directories, which an unprivileged user cannot enter.
_SHARED_TMP = tempfile.gettempdir()
ROOT = Path(__file__).resolve().parents[3]
SECRETS = {
    "OPENAI_API_KEY": "sk-isolation-openai-7f3a9c",
    "GITHUB_TOKEN": "ghs_isolationgithubtoken51c2",
    "INPUT_PUSH_TOKEN": "ghp_isolationpushtoken90d4",
}
EXTRAHEADER = "AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX2V4dHJhaGVhZGVy"
URL_TOKEN = "ghs_urltokeninremote6b1e"
INCLUDED = "ghs_includedcredentials2c8f"
RUNNER_FILE = "ghs_runnertempfile3d7a"
GH_HOSTS = "gho_ghclihostsfile8e2b"
GIT_CREDENTIALS = "ghp_gitcredentialsfile4a9c"
PLANTED = (*SECRETS.values(), "eC1hY2Nlc3MtdG9rZW46Z2hzX2V4dHJhaGVhZGVy", URL_TOKEN)
PLANTED += (INCLUDED, RUNNER_FILE, GH_HOSTS, GIT_CREDENTIALS)

DRIVER = """
import json, sys
from pathlib import Path
from ci_agent.change.test_runner import find_test_runner
from ci_agent.config_tests import TestsConfig
from ci_agent.errors import CiAgentError
from ci_agent.change.proof import run_pytest
from ci_agent.change.worktree import scratch_worktree
from ci_agent.git import Git

repo, isolation = Path(sys.argv[1]), sys.argv[2]
git = Git(repo)
try:
    with scratch_worktree(git, git.run("rev-parse", "HEAD")) as root:
        runner = find_test_runner(TestsConfig(isolation=isolation), root)
        run = run_pytest(runner, root, ["test_spy.py"], 120)
        print(json.dumps({"ok": run.ok, "isolation": run.isolation, "tail": run.tail}))
except CiAgentError as exc:
    print(json.dumps({"code": exc.code, "message": exc.message}))
"""

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the namespaces sandbox is Linux only"
)


@dataclass
class Job:
    """A job's files around ci-agent: the repository, $RUNNER_TEMP, $HOME, a report path."""

    base: Path
    repo: Path
    runner_temp: Path
    home: Path
    report: Path
    outside: tuple[str, int] | None

    def env(self, *, secrets: bool = True, tmpdir: Path | None = None) -> dict[str, str]:
        env = {
            "PATH": os.pathsep.join((str(Path(sys.executable).parent), os.environ["PATH"])),
            "VIRTUAL_ENV": sys.prefix,
            "HOME": str(self.home),
            "RUNNER_TEMP": str(self.runner_temp),
            "TMPDIR": str(tmpdir or self.base / "tmp"),
            "PYTHONPATH": str(ROOT),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GITHUB_ACTIONS": "true",
        }
        return {**env, **SECRETS} if secrets else env

    def prove(
        self, isolation: str, env: dict[str, str], user: int | None = None, python: str = ""
    ) -> dict[str, object]:
        """Run ci-agent's proof (its own process) on the spy test; its JSON line."""
        prefix: list[str] = []
        if user is not None:
            prefix = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"]
        done = subprocess.run(
            [*prefix, python or sys.executable, "-c", DRIVER, str(self.repo), isolation],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
        return result

    def seen(self) -> dict[str, object]:
        data: dict[str, object] = json.loads(self.report.read_text(encoding="utf-8"))
        return data


def _outside_address() -> str | None:
    """An address of this machine on a non-loopback interface, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent for UDP connect
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


@pytest.fixture
def outside_server() -> Iterator[tuple[str, int] | None]:
    """A TCP server on a non-loopback address (None when the machine has none)."""
    address = _outside_address()
    if address is None:
        yield None
        return
    server = socket.socket()
    server.bind((address, 0))
    server.listen(5)
    server.settimeout(0.5)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                server.accept()[0].close()
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield (address, server.getsockname()[1])
    stop.set()
    thread.join(timeout=5)
    server.close()


@pytest.fixture
def job(outside_server: tuple[str, int] | None) -> Iterator[Job]:
    # Not under pytest's tmp_path: its parents are private to this user, and the job must be
    # usable by an unprivileged user too.
    base = Path(tempfile.mkdtemp(prefix="isolation-", dir=_SHARED_TMP))
    base.chmod(0o755)
    try:
        yield _make_job(base, outside_server)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _make_job(base: Path, outside: tuple[str, int] | None, *, repo_in_temp: bool = False) -> Job:
    runner_temp, home = base / "runner-temp", base / "home"
    repo = (runner_temp if repo_in_temp else base) / "workspace"
    for directory in (repo, runner_temp, home / ".config" / "gh", base / "tmp"):
        directory.mkdir(parents=True, exist_ok=True)
    (runner_temp / "_runner_file_commands").mkdir()
    (runner_temp / "_runner_file_commands" / "set_env_1").write_text(RUNNER_FILE)
    credentials = runner_temp / "git-credentials-1234.config"
    credentials.write_text(f'[http "https://github.com/"]\n\textraheader = basic {INCLUDED}\n')
    (home / ".config" / "gh" / "hosts.yml").write_text(f"github.com:\n  oauth_token: {GH_HOSTS}\n")
    (home / ".git-credentials").write_text(f"https://x:{GIT_CREDENTIALS}@github.com\n")
    report = base / "report.json"
    targets = [str(runner_temp), str(home), str(repo / ".git" / "config")]
    (repo / "test_spy.py").write_text(spy_test(str(report), targets, outside))
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1"}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("-c", "user.name=o", "-c", "user.email=o@example.invalid", "commit", "-qm", "spy")
    # What actions/checkout leaves behind (persist-credentials), in both of its forms.
    git("config", "http.https://github.com/.extraheader", EXTRAHEADER)
    git("config", "remote.origin.url", f"https://x-access-token:{URL_TOKEN}@github.com/o/r")
    git("config", f"includeIf.gitdir:{repo}/.git.path", str(credentials))
    home.chmod(0o755)
    return Job(base, repo, runner_temp, home, report, outside)


def _assert_nothing_found(job: Job) -> dict[str, object]:
    data = job.seen()
    text = json.dumps(data)
    found = [secret for secret in PLANTED if secret in text]
    assert not found, f"the spy read {found}"
    # The spy did look: processes, the worktree's git configuration, the masked places.
    assert data["loopback"] is True
    assert data["unmounted"] == []
    assert "git config:" in text and "repositoryformatversion" in text
    assert len(data["chain"]) >= 1  # type: ignore[arg-type]
    if job.outside is not None:
        assert data["outside"] is False, "the test reached a non-loopback address"
    return data


@pytest.mark.parametrize("tmp_inside_runner_temp", [False, True])
def test_the_proof_s_test_run_finds_no_secret(job: Job, tmp_inside_runner_temp: bool) -> None:
    tmpdir = job.runner_temp / "tmp" if tmp_inside_runner_temp else None
    if tmpdir is not None:
        tmpdir.mkdir()
    result = job.prove("auto", job.env(tmpdir=tmpdir))
    assert "namespaces" in str(result.get("isolation")), result
    assert result["ok"] is True, result
    data = _assert_nothing_found(job)
    # A fresh PID namespace: ci-agent and every ancestor are out of sight.
    assert int(data["chain"][-1]) == 1  # type: ignore[index]
    assert len(data["pids"]) < 10  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def nobody_python(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A virtual environment the unprivileged user can run: ci-agent's lock and pytest."""
    base = Path(tempfile.mkdtemp(prefix="isolation-venv-", dir=_SHARED_TMP))
    base.chmod(0o755)
    venv = base / "venv"
    base_python = shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin")
    assert base_python is not None
    subprocess.run([base_python, "-m", "venv", str(venv)], check=True, capture_output=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-input"]
    lock = ["--require-hashes", "--no-deps", "-r", str(ROOT / "requirements.lock")]
    for args in (lock, ["pytest"]):
        done = subprocess.run(
            [*pip, *args],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, **offline_pip()},
        )
        assert done.returncode == 0, done.stdout + done.stderr
    yield venv / "bin" / "python"
    shutil.rmtree(base, ignore_errors=True)


@pytest.mark.slow
def _passwordless_sudo() -> bool:
    if shutil.which("sudo") is None or shutil.which("setpriv") is None:
        return False
    done = subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False)
    return done.returncode == 0


@pytest.mark.skipif(not _passwordless_sudo(), reason="needs passwordless sudo (hosted runners)")
def test_the_sudo_fallback_finds_no_secret_either(job: Job) -> None:
    """What runs where unprivileged user namespaces are refused (Ubuntu 24.04's AppArmor)."""
    result = job.prove("sudo", job.env())
    assert "through sudo" in str(result.get("isolation")), result
    assert result["ok"] is True, result
    data = _assert_nothing_found(job)
    assert data["uid"] == os.getuid()
    assert int(data["chain"][-1]) == 1  # type: ignore[index]


def test_a_repository_under_runner_temp_keeps_its_git_but_not_its_credentials(
    tmp_path: Path, outside_server: tuple[str, int] | None
) -> None:
    base = tmp_path / "job"
    base.mkdir()
    job = _make_job(base, outside_server, repo_in_temp=True)
    result = job.prove("auto", job.env())
    assert result["ok"] is True, result
    data = _assert_nothing_found(job)
    # The spy saw the sanitized .git/config (the repository is reachable), nothing else there.
    assert any("repositoryformatversion" in str(line) for line in data["seen"])  # type: ignore[attr-defined]


@pytest.mark.skipif(os.getuid() != 0, reason="runs the job as another user only when root")
def test_an_unprivileged_job_finds_no_secret_either(job: Job, nobody_python: Path) -> None:
    for path in (job.base, *job.base.rglob("*")):
        os.chown(path, 65534, 65534, follow_symlinks=False)
    env = job.env()
    env["PATH"] = os.pathsep.join((str(nobody_python.parent), "/usr/bin", "/bin"))
    env["VIRTUAL_ENV"] = str(nobody_python.parent.parent)
    result = job.prove("auto", env, user=65534, python=str(nobody_python))
    assert result.get("ok") is True, result
    data = _assert_nothing_found(job)
    assert data["uid"] == 65534


def test_without_isolation_the_spy_finds_the_planted_secrets(job: Job) -> None:
    """The control: nothing hidden, the same spy reads them (so the test above means it)."""
    result = job.prove("none", job.env())
    assert result["ok"] is True, result
    text = json.dumps(job.seen())
    assert SECRETS["OPENAI_API_KEY"] in text  # from ci-agent's /proc/<pid>/environ
    assert EXTRAHEADER.rsplit(maxsplit=1)[-1] in text
    assert INCLUDED in text and RUNNER_FILE in text
    assert GH_HOSTS in text and GIT_CREDENTIALS in text


def test_no_isolation_available_with_secrets_in_reach_is_refused(job: Job) -> None:
    # A PATH with git and python but neither unshare nor sudo: like a macOS runner.
    bin_dir = job.base / "bin"
    bin_dir.mkdir()
    for name in ("git",):
        found = shutil.which(name)
        assert found
        (bin_dir / name).symlink_to(found)
    env = job.env()
    env["PATH"] = os.pathsep.join((str(Path(sys.executable).parent), str(bin_dir)))
    result = job.prove("auto", env)
    assert result.get("code") == "CA561", result
    assert "OPENAI_API_KEY" in str(result["message"]) and "unshare" in str(result["message"])
    assert not job.report.exists()  # the repository's code never ran


def test_without_secrets_and_without_isolation_the_tests_run(job: Job) -> None:
    bin_dir = job.base / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(str(shutil.which("git")))
    env = job.env(secrets=False)
    env["PATH"] = os.pathsep.join((str(Path(sys.executable).parent), str(bin_dir)))
    result = job.prove("auto", env)
    assert result["ok"] is True, result
    assert "no isolation available" in str(result["isolation"])
