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

__all__ = ["RESULT_JSON_LIMIT", "write_outputs"]

# result-json's share of the job's outputs: the other outputs are short, and a later ci-agent
# step of the same job needs room for its own.
RESULT_JSON_LIMIT = JOB_OUTPUTS_LIMIT_BYTES // 2


def write_outputs(
    environ: Mapping[str, str],
    envelope: Mapping[str, Any],
    redact: Redactor,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Set the action's outputs from the run's JSON envelope; the values written."""
    from ci_agent.runner.files import set_output

    data = dict(envelope)
    result: Mapping[str, Any] = data.get("result") or {}
    artifact: Mapping[str, Any] = result.get("artifact") or {}
    result_json = redact(json.dumps(data, separators=(",", ":"), default=str))
    if len(result_json.encode("utf-8")) > RESULT_JSON_LIMIT:
        where = f"the artifact {artifact['name']}" if artifact.get("name") else "the job summary"
        data["result"] = {
            "truncated": True,
            "bytes": len(result_json.encode("utf-8")),
            "limit": RESULT_JSON_LIMIT,
            "note": f"the result is larger than an output can hold; see {where}",
            **{k: result[k] for k in ("job", "findings_count", "max_severity") if k in result},
        }
        result_json = redact(json.dumps(data, separators=(",", ":"), default=str))
    outputs = {
        "result-json": result_json,
        "status": str(data.get("status", "")),
        "exit-code": str(data.get("exit_code", "")),
        "findings-count": str(result.get("findings_count", 0)),
        "max-severity": str(result.get("max_severity", "none")),
        "artifact-path": str(artifact.get("path", "")),
        "artifact-name": str(artifact.get("name", "")),
        "sha256": str(artifact.get("sha256", "")),
        **{name: redact(value) for name, value in (extra or {}).items()},
    }
    for name, value in outputs.items():
        set_output(environ, name, value)
    return outputs
