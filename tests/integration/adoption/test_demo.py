"""scripts/demo shows, offline and with no keys: a review with real findings, a triage of a log
that pytest really wrote, and a backup round trip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_demo_runs_offline_with_no_keys(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CI_AGENT_DEMO_PYTHON": sys.executable,
        "PYTHONPATH": str(ROOT),
        "TMPDIR": str(tmp_path),
    }
    for key in ("OPENAI_API_KEY", "GITHUB_TOKEN", "GH_TOKEN", "AZURE_OPENAI_API_KEY"):
        env.pop(key, None)
    done = subprocess.run(
        [str(ROOT / "scripts" / "demo")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    # 1. The review finds the seeded problems, and says that no model took part.
    assert "app/pricing.py:9: high [security] S307" in out
    assert "app/pricing.py:15: high [security] S602" in out
    assert "3 finding(s)" in out
    assert "no LLM configured: static engine only" in out
    # 2. pytest really failed, and triage read its log.
    assert "FAILED tests/test_pricing.py::test_discount" in out
    assert "failing tests: tests/test_pricing.py::test_discount" in out
    assert "strategy: patch" in out
    # 3. The backup verified and restored to the same history.
    assert ": verified" in out
    assert "same head as the original: yes" in out
    assert "git fsck: clean" in out
    # The throwaway repository is gone.
    assert not list(tmp_path.glob("ci-agent-demo.*"))
