"""Failure signatures of failed jobs: each log streamed to disk through triage's reader,
classified as triage classifies it, and named by a text stable across runs."""

from __future__ import annotations

import re
from pathlib import Path

from ci_agent.errors import CiAgentError
from ci_agent.forge.run_protocol import RunHistory
from ci_agent.insights.model import Signature
from ci_agent.triage.classify import Policy, classify
from ci_agent.triage.extract import extract

__all__ = ["job_signature", "normalize"]

_NUMBER = re.compile(r"0x[0-9a-f]+|\b[0-9a-f]{7,40}\b|\d+(?:\.\d+)?", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_TEXT_LIMIT = 120


def normalize(text: str) -> str:
    """``text`` with numbers, hashes and runs of blanks folded, so reruns share a name."""
    return _SPACE.sub(" ", _NUMBER.sub("N", text)).strip()[:_TEXT_LIMIT]


def job_signature(forge: RunHistory, job_id: int, job: str, scratch: Path) -> Signature | None:
    """The signature of a failed job from its log; None when the log is gone (expired)."""
    path = scratch / f"job-{job_id}.log"
    try:
        forge.download_job_log(job_id, path)
    except CiAgentError as exc:
        if exc.code != "CA305":
            raise
        return None
    try:
        failures = extract(path).failures
    finally:
        path.unlink(missing_ok=True)
    decision = classify(failures, policy=Policy(), job=job)
    kind = str(decision.kind)
    primary = next((f for f in failures if str(f.kind) == kind), None)
    primary = primary or (failures[0] if failures else None)
    if primary is None:
        return Signature(f"{kind}|no failure recognised", kind, decision.reason[:200], job)
    text = primary.test_id or normalize(primary.message)
    return Signature(f"{kind}|{primary.tool}|{text}", kind, primary.message[:200], job)
