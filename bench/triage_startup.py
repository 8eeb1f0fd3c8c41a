"""Where ``ci-agent triage --log`` spends its start-up: CPU time after the interpreter started,
how much of it builds dataclasses and compiles regular expressions, and how many modules load.

Run: .venv/bin/python bench/triage_startup.py [--runs 7] [LOG]

``--against DIR`` is not offered: copy this file into another checkout's ``bench/`` to measure
that one. Each run is a new process (bytecode compiled, as installed) that wraps
``dataclasses._process_class`` (when ci-agent imports ``dataclasses``: the probe does not, so
the module's own import counts too) and ``re._compile`` (outermost calls only, so a pattern
compiled while a dataclass is built counts once) with ``time.process_time`` and then runs the
console entry point on LOG (default: bench/startup.py's 19-line failed job); medians of the runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.startup import JOB_LOG  # noqa: E402

PROBE = """\
import contextlib, importlib.util, io, re, sys, time

clock = time.process_time
spent = {"dataclasses": 0.0, "re": 0.0}
depth = [0]


def timed(name, function):
    def wrapper(*args, **kwargs):
        if depth[0]:
            return function(*args, **kwargs)
        depth[0] += 1
        start = clock()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] += clock() - start
            depth[0] -= 1

    return wrapper


class DataclassesProbe:  # wraps dataclasses._process_class once ci-agent imports the module

    def find_spec(self, name, path=None, target=None):
        if name != "dataclasses":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            module._process_class = timed("dataclasses", module._process_class)

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, DataclassesProbe())
re._compile = timed("re", re._compile)
before = set(sys.modules)
start = clock()
from ci_agent.cli import main

with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(["triage", "--log", sys.argv[1]])
    except SystemExit:
        pass
total = clock() - start
ours = sorted(m for m in sys.modules if m not in before)
import json

print(json.dumps({"total": total, **spent, "modules": len(ours),
                  "ci_agent": sum(m.startswith("ci_agent") for m in ours),
                  "imports_dataclasses": "dataclasses" in ours}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("log", nargs="?", type=Path)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    with tempfile.TemporaryDirectory() as scratch:
        log = args.log
        if log is None:
            log = Path(scratch) / "job.log"
            log.write_text(JOB_LOG, encoding="utf-8")
        command = [sys.executable, "-c", PROBE, str(log.resolve())]
        runs = []
        for index in range(args.runs + 1):  # the first writes the bytecode
            proc = subprocess.run(
                command, env=env, cwd=scratch, capture_output=True, text=True, check=True
            )
            if index:
                runs.append(json.loads(proc.stdout))
    print(f"ci-agent triage --log {log.name}: medians of {len(runs)} runs (CPU time)")
    for key, label in (
        ("total", "after the interpreter started"),
        ("dataclasses", "building dataclasses"),
        ("re", "compiling regular expressions"),
    ):
        print(f"  {label:32s} {statistics.median(r[key] for r in runs) * 1000:6.1f} ms")
    print(
        f"  modules imported: {runs[0]['modules']} ({runs[0]['ci_agent']} of ci-agent; "
        "re, contextlib and importlib.util are the probe's)"
    )
    print(f"  dataclasses imported: {'yes' if runs[0]['imports_dataclasses'] else 'no'}")


if __name__ == "__main__":
    main()
