"""The step-outputs surface: what later steps read from ``steps.<id>.outputs``.

GitHub keeps at most 1 MB of outputs per job; ``result-json`` gets most of it and, when the
whole result does not fit, carries a note naming where the whole is instead of a cut JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ci_agent.redact import Redactor
from ci_agent.report.limits import JOB_OUTPUTS_LIMIT_BYTES
from ci_agent.report.value import Report

__all__ = ["RESULT_JSON_LIMIT", "write_outputs"]

# result-json's share of the job's outputs: the other outputs are short, and a later ci-agent
# step of the same job needs room for its own.
RESULT_JSON_LIMIT = JOB_OUTPUTS_LIMIT_BYTES // 2


def write_outputs(
    environ: Mapping[str, str],
    envelope: Mapping[str, Any],
    report: Report,
    redact: Redactor,
) -> dict[str, str]:
    """Set the action's outputs: ``result-json`` holds the run's JSON envelope, the others come
    from the typed ``report``; the values written."""
    from ci_agent.runner.files import set_output

    data = dict(envelope)
    artifact = report.artifact
    result_json = redact(json.dumps(data, separators=(",", ":"), default=str))
    if len(result_json.encode("utf-8")) > RESULT_JSON_LIMIT:
        where = f"the artifact {artifact.name}" if artifact is not None else "the job summary"
        data["result"] = {
            "truncated": True,
            "bytes": len(result_json.encode("utf-8")),
            "limit": RESULT_JSON_LIMIT,
            "note": f"the result is larger than an output can hold; see {where}",
            **_counts(report),
        }
        result_json = redact(json.dumps(data, separators=(",", ":"), default=str))
    outputs = {
        "result-json": result_json,
        "status": str(data.get("status", "")),
        "exit-code": str(data.get("exit_code", "")),
        "findings-count": str(report.findings_count or 0),
        "max-severity": report.max_severity or "none",
        "artifact-path": str(artifact.path) if artifact is not None else "",
        "artifact-name": artifact.name if artifact is not None else "",
        "sha256": artifact.sha256 if artifact is not None else "",
        **{name: redact(value) for name, value in report.outputs.items()},
    }
    for name, value in outputs.items():
        set_output(environ, name, value)
    return outputs


def _counts(report: Report) -> dict[str, Any]:
    """What a cut result still says: the job and, for capabilities that find, the counts."""
    counts: dict[str, Any] = {"job": report.job} if report.job else {}
    if report.counts_findings:
        counts.update(findings_count=report.findings_count, max_severity=report.max_severity)
    return counts
