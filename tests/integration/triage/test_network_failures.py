"""Tests that fail on the network or a timeout, run for real: a name that does not resolve
(``.invalid``), a local server that never answers (``socket.timeout``), one that resets the
connection, and pytest-timeout 1.x's message. Only the network fails: the job is re-run; next to a
real failure it goes to the patch loop with the network failures named."""

from __future__ import annotations

import http.server
import shutil
import threading
from collections.abc import Iterator

import pytest

from ci_agent.triage.model import Kind

from .conftest import Project

SERVERS = """\
import socket
import struct
import threading
import urllib.request

import pytest


def serve(behaviour):
    server = socket.create_server(("127.0.0.1", 0))

    def accept():
        with server:
            conn, _ = server.accept()
        behaviour(conn)

    threading.Thread(target=accept, daemon=True).start()
    return server.getsockname()


def silent(conn):
    threading.Event().wait(5)
    conn.close()


def reset(conn):
    # SO_LINGER with a zero timeout: close() sends RST, the peer sees a reset.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def test_dns():
    urllib.request.urlopen("http://ci-agent-triage-test.invalid/", timeout=5)


def test_read_timeout():
    with socket.create_connection(serve(silent), timeout=0.2) as client:
        client.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n")
        client.recv(1024)


def test_reset():
    with socket.create_connection(serve(reset), timeout=5) as client:
        threading.Event().wait(0.2)
        client.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n")
        client.recv(1024)
"""
# pytest-timeout 1.x's wording ("Timeout >2.0s"; 2.x's runs for real in test_runners.py): the
# test fails the way 1.x's signal method did, with pytest.fail and the plugin's words.
TIMEOUT = """\
import pytest


def test_slow_old_plugin():
    pytest.fail("Timeout >2.0s")
"""


def test_only_network_failures_are_rerun(project: Project) -> None:
    project.write("tests/test_net.py", SERVERS)
    step = project.pytest("tests/test_net.py")
    assert step.exit_code == 1, step.output
    [job] = project.triage(step).jobs
    assert set(job.failing_tests) == {
        "tests/test_net.py::test_dns",
        "tests/test_net.py::test_read_timeout",
        "tests/test_net.py::test_reset",
    }
    assert "TimeoutError: timed out" in step.output  # socket.timeout on Python 3.10+
    assert (str(job.decision.strategy), job.decision.rule) == ("rerun", "infrastructure")
    assert job.kind is Kind.NETWORK


def test_timeouts_of_pytest_timeout_are_rerun(project: Project) -> None:
    project.write("tests/test_slow.py", TIMEOUT)
    [job] = project.triage(project.pytest("-q", "tests/test_slow.py")).jobs
    assert job.failing_tests == ("tests/test_slow.py::test_slow_old_plugin",)
    assert (str(job.decision.strategy), job.kind) == ("rerun", Kind.TIMEOUT)
    assert "Timeout >2.0s" in job.decision.reason


def test_a_real_failure_next_to_network_ones_is_patched_and_names_them(project: Project) -> None:
    project.write("tests/test_net.py", SERVERS)
    project.write(
        "tests/test_calc.py",
        "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 4\n",
    )
    [job] = project.triage(project.pytest("tests")).jobs
    assert len(job.failing_tests) == 4
    assert (str(job.decision.strategy), job.decision.rule) == ("patch", "kind")
    reason = job.decision.reason
    assert reason.startswith(
        "4 failing tests (pytest); 3 of them failed on the network or a timeout ("
    )
    for name in ("test_dns", "test_read_timeout", "test_reset"):
        assert f"tests/test_net.py::{name}" in reason


class _Registry(http.server.BaseHTTPRequestHandler):
    """A package index that answers every request with the server's status."""

    def do_GET(self) -> None:
        status = self.server.status  # type: ignore[attr-defined]
        self.send_response(status)
        if status == 429:
            self.send_header("Retry-After", "0")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture(params=[503, 429])
def registry(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    """A local registry failing with 503, then with 429; its URL and status."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    server.status = request.param  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", request.param
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not installed")
def test_uv_against_a_failing_index_is_rerun(project: Project, registry: tuple[str, int]) -> None:
    url, status = registry
    project.write("requirements.in", "somepackage\n")
    env = {"UV_NO_CONFIG": "1", "UV_HTTP_RETRIES": "1", "UV_CACHE_DIR": str(project.root / "c")}
    step = project.run(
        "uv pip compile requirements.in",
        "uv",
        "pip",
        "compile",
        "--index-url",
        f"{url}/simple/",
        "requirements.in",
        env=env,
    )
    assert step.exit_code != 0 and str(status) in step.output, step.output
    [job] = project.triage(step).jobs
    assert (str(job.decision.strategy), job.kind) == ("rerun", Kind.NETWORK), job.decision.reason


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")
def test_npm_against_a_failing_registry_is_rerun(
    project: Project, registry: tuple[str, int]
) -> None:
    url, status = registry
    project.write("package.json", '{"name": "widgets", "version": "1.0.0"}\n')
    step = project.run(
        "npm install left-pad",
        "npm",
        "install",
        "left-pad",
        "--registry",
        f"{url}/",
        "--cache",
        str(project.root / "npm-cache"),
        "--fetch-retries=0",
        "--no-audit",
        "--no-fund",
    )
    assert step.exit_code != 0 and f"E{status}" in step.output, step.output
    [job] = project.triage(step).jobs
    assert (str(job.decision.strategy), job.kind) == ("rerun", Kind.NETWORK), job.decision.reason
