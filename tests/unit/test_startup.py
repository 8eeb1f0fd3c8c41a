"""`ci-agent --help`, `--version`, `CMD --help` and `explain CODE` must not import heavy SDKs
(start-up time), nor click."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "openai",
    "github",
    "ghapi",
    "jinja2",
    "rich",
    "pydantic",
    "yaml",
    "httpx",
    "requests",
    "click",
)

PROBE = """
import json, sys
from ci_agent import cli
try:
    cli.main(sys.argv[1:])
except SystemExit:
    pass
sys.stderr.write("\\nMODULES=" + json.dumps(sorted(sys.modules)) + "\\n")
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["-h"],
        ["review", "--help"],
        ["backup", "create", "-h"],
        ["explain", "CA101"],
    ],
)
def test_help_and_version_import_no_heavy_module(args: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    modules = json.loads(proc.stderr.rsplit("MODULES=", 1)[1])
    loaded = sorted({m.split(".")[0] for m in modules} & set(HEAVY))
    assert loaded == [], f"{args} imported {loaded}"
    assert "ci-agent" in proc.stdout or proc.stdout.startswith("CA101  ")
