"""Run a unit's verification after it was deployed: rounds of checks, like an analysis run.

After the bake time, ``count`` rounds run ``interval_seconds`` apart; a round fails when any of
its checks fails (wrong status, missing body text, too slow, a command that exits non-zero or
times out). The unit fails verification when more than ``failure_limit`` rounds fail — then the
step's recovery decision from the plan applies. Commands are argument lists from the trusted
manifest, run without a shell.
"""

from __future__ import annotations

import dataclasses
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from ci_agent.config_deploy import CommandCheck, Environment, HttpCheck, Unit
from ci_agent.json_form import json_meta, rounded

__all__ = ["CheckResult", "Verification", "verify_unit"]

_BODY_LIMIT = 1024 * 1024  # bytes of an answer read to look for body-contains


@dataclass(frozen=True)
class CheckResult:
    """One check in one round."""

    # slow_only stays out: the verification's failure_kind says it.
    JSON_KEYS: ClassVar = ("check", "ok", "detail", "seconds")

    check: str
    ok: bool
    detail: str
    seconds: float = field(metadata=json_meta(convert=rounded(3)))
    slow_only: bool = False  # failed only because it answered too late


@dataclass(frozen=True)
class Verification:
    """Every round's results and the verdict."""

    JSON_KEYS: ClassVar = (
        "unit",
        "ok",
        "failure_kind",
        "failed_rounds",
        ("rounds", lambda v: len(v.rounds)),
        "failure_limit",
        "note",
        ("results", lambda v: v.rounds),
    )

    unit: str
    rounds: tuple[tuple[CheckResult, ...], ...]
    failure_limit: int
    note: str = ""
    failed_rounds: int = field(init=False)

    def __post_init__(self) -> None:
        failed = sum(1 for r in self.rounds if any(not c.ok for c in r))
        object.__setattr__(self, "failed_rounds", failed)

    @property
    def failure_kind(self) -> str:
        """``latency`` when every failed check was only slow, ``verify`` otherwise; "" if ok."""
        if self.ok:
            return ""
        failed = [c for r in self.rounds for c in r if not c.ok]
        return "latency" if failed and all(c.slow_only for c in failed) else "verify"

    @property
    def ok(self) -> bool:
        """At most ``failure_limit`` rounds failed, and there were checks to run."""
        return bool(self.rounds) and self.failed_rounds <= self.failure_limit


def verify_unit(
    unit: Unit,
    *,
    environment: Environment | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Verification:
    """Bake, then run the unit's checks round after round.

    In an ``environment`` its ``{environment}`` URLs are filled in, the environment's own
    checks join every round, and its ``wait-seconds`` is watched: one more round after it.
    """
    from ci_agent.plan.promotion import expand_url

    settings = unit.verify
    http = list(settings.http)
    if environment is not None:
        http = [dataclasses.replace(c, url=expand_url(c.url, environment.name)) for c in http]
        http += environment.verify
    if not http and not settings.commands:
        return Verification(unit.name, (), settings.failure_limit, "no checks configured")
    if settings.bake_seconds:
        sleep(settings.bake_seconds)
    count = settings.count
    watch = environment.wait_seconds if environment is not None else 0
    rounds = []
    for index in range(count + (1 if watch else 0)):
        if index:
            sleep(watch if index == count else settings.interval_seconds)
        results = [_http(check, clock) for check in http]
        results += [_command(check, clock) for check in settings.commands]
        rounds.append(tuple(results))
    note = ""
    if environment is not None:
        note = f"in {environment.name}"
        if watch:
            note = f"watched {watch} s in {environment.name}, then one more round"
    return Verification(unit.name, tuple(rounds), settings.failure_limit, note)


def _http(check: HttpCheck, clock: Callable[[], float]) -> CheckResult:
    name = f"GET {check.url}"
    started = clock()
    request = urllib.request.Request(check.url, headers={"User-Agent": "ci-agent-verify"})  # noqa: S310 - the scheme is http(s), checked by the manifest
    try:
        with urllib.request.urlopen(request, timeout=check.timeout_seconds) as answer:  # noqa: S310
            status, body = answer.status, answer.read(_BODY_LIMIT)
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read(_BODY_LIMIT) if exc.fp else b""
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return CheckResult(name, False, f"no answer: {reason}", clock() - started)
    seconds = clock() - started
    problems = []
    if status != check.expect_status:
        problems.append(f"status {status}, expected {check.expect_status}")
    if check.body_contains and check.body_contains.encode() not in body:
        problems.append(f"body lacks {check.body_contains!r}")
    slow = check.max_latency_ms is not None and seconds * 1000 > check.max_latency_ms
    if slow:
        problems.append(f"{seconds * 1000:.0f} ms, limit {check.max_latency_ms} ms")
    detail = "; ".join(problems) or f"status {status} in {seconds * 1000:.0f} ms"
    return CheckResult(name, not problems, detail, seconds, slow_only=slow and len(problems) == 1)


def _command(check: CommandCheck, clock: Callable[[], float]) -> CheckResult:
    name = " ".join(check.run)
    started = clock()
    try:
        done = subprocess.run(
            list(check.run),
            capture_output=True,
            text=True,
            timeout=check.timeout_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return CheckResult(
            name, False, f"timed out after {check.timeout_seconds} s", clock() - started
        )
    except OSError as exc:
        return CheckResult(
            name, False, f"could not start: {exc.strerror or exc}", clock() - started
        )
    tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or [""]
    detail = f"exit {done.returncode}" + (f": {tail[0][:200]}" if tail[0] else "")
    return CheckResult(name, done.returncode == 0, detail, clock() - started)
