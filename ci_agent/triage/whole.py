"""The whole triage result as a JSON file: what the capped text and markdown point to.

Text and markdown list the first failing tests and locations of each job; this file holds
every one of them, every failure, and the decisions. It is written next to the destination
and renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ci_agent.errors import fail

__all__ = ["write_whole"]


def write_whole(path: Path, result: dict[str, Any]) -> str:
    """Write ``result`` as JSON to ``path`` (atomically); its SHA-256. CA139 when it cannot."""
    data = json.dumps(result, indent=1, default=str).encode() + b"\n"
    directory = path.parent
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            Path(temp).replace(path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise fail("CA139", path=path, problem=exc.strerror or str(exc)) from None
    return hashlib.sha256(data).hexdigest()
