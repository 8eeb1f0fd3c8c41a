"""``plan verify`` against a real HTTP server on 127.0.0.1: healthy, slow, failing, flapping."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from ci_agent.config_deploy import CommandCheck, HttpCheck, Unit, Verify
from ci_agent.plan.verify import verify_unit

ROOT = Path(__file__).resolve().parents[3]


class Handler(BaseHTTPRequestHandler):
    """/ok answers 200 "healthy"; /slow after 0.3 s; /down 503; /flap alternates 200 and 500."""

    hits: ClassVar[dict[str, int]] = {}

    def do_GET(self) -> None:
        count = self.hits[self.path] = self.hits.get(self.path, 0) + 1
        if self.path == "/slow":
            time.sleep(0.3)
        status = {"/down": 503, "/flap": 200 if count % 2 else 500}.get(self.path, 200)
        body = b"healthy" if status == 200 else b"broken"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    Handler.hits = {}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def unit(*checks: HttpCheck, commands: tuple[CommandCheck, ...] = (), **verify: int) -> Unit:
    return Unit(
        name="api",
        paths=("api/**",),
        verify=Verify(http=checks, commands=commands, interval_seconds=1, **verify),
    )


def test_a_healthy_service_passes_every_round(server: str) -> None:
    waits: list[float] = []
    done = verify_unit(
        unit(HttpCheck(url=f"{server}/ok", body_contains="healthy"), count=3, bake_seconds=5),
        sleep=waits.append,
    )
    assert done.ok and done.failed_rounds == 0 and len(done.rounds) == 3
    assert waits == [5, 1, 1]  # the bake time, then the interval between rounds
    assert Handler.hits["/ok"] == 3


def test_slow_failing_and_flapping_services(server: str) -> None:
    slow = verify_unit(
        unit(HttpCheck(url=f"{server}/slow", max_latency_ms=100), count=1), sleep=lambda s: None
    )
    assert not slow.ok
    assert "limit 100 ms" in slow.rounds[0][0].detail
    down = verify_unit(unit(HttpCheck(url=f"{server}/down"), count=2), sleep=lambda s: None)
    assert not down.ok and down.failed_rounds == 2
    assert down.rounds[0][0].detail.startswith("status 503, expected 200")
    flapping = unit(HttpCheck(url=f"{server}/flap"), count=4, failure_limit=2)
    done = verify_unit(flapping, sleep=lambda s: None)
    assert [r[0].ok for r in done.rounds] == [True, False, True, False]
    assert done.ok  # two failed rounds are within the limit of two


def test_a_refused_connection_and_commands(server: str, tmp_path: Path) -> None:
    gone = verify_unit(unit(HttpCheck(url="http://127.0.0.1:9/"), count=1), sleep=lambda s: None)
    assert not gone.ok and gone.rounds[0][0].detail.startswith("no answer")
    good = CommandCheck(run=(sys.executable, "-c", "print('fine')"))
    bad = CommandCheck(run=(sys.executable, "-c", "import sys; sys.exit(3)"))
    done = verify_unit(unit(commands=(good, bad), count=1), sleep=lambda s: None)
    assert [(c.ok, c.detail) for c in done.rounds[0]] == [(True, "exit 0: fine"), (False, "exit 3")]


def test_no_checks_is_not_a_pass() -> None:
    done = verify_unit(unit(), sleep=lambda s: None)
    assert not done.ok and done.note == "no checks configured"


def test_the_cli_exits_4_when_verification_fails(server: str, tmp_path: Path) -> None:
    config = tmp_path / ".github" / "ci-agent.yml"
    config.parent.mkdir()
    lines = ["deploy:", "  units:"]
    for name, path in (("api", "/ok"), ("web", "/down")):
        check = f"{{http: [{{url: '{server}{path}'}}], count: 1}}"
        lines.append(f"    - {{name: {name}, paths: ['{name}/**'], verify: {check}}}")
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}

    def run(name: str) -> tuple[int, dict[str, object]]:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "ci_agent",
                "plan",
                "verify",
                "--unit",
                name,
                "--output",
                "json",
            ],
            cwd=tmp_path,
            env={**env, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return proc.returncode, json.loads(proc.stdout)

    code, data = run("api")
    assert code == 0 and data["result"]["ok"] is True
    code, data = run("web")
    assert code == 4
    assert data["errors"][0]["code"] == "CA551"
