"""``ci-agent triage --log …`` without click: the arguments of a local triage parsed as click
parses them, so the command starts without importing click and the command table.

Only plain arguments are taken here: every option of local triage and the global options,
each spelled one way click reads it (``--log X`` or ``--log=X``, ``-v``/``-vv``), with values
click would accept as they are. Anything else (``--run``, help, an unknown or repeated option, a
value that looks like an option, a path that is a directory or unreadable, a bad ``--output``)
returns None and the caller hands the arguments to click, whose errors and messages stay the
only ones. ``tests/integration/triage/test_fast_path.py`` runs both paths on the same arguments.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Any

__all__ = ["fast_triage", "parse_triage"]

# option → (keyword, kind): "many" repeatable value, "one" single value, "flag"
_OPTIONS = {
    "--log": ("logs", "many"),
    "--junit": ("junit", "many"),
    "--root": ("roots", "many"),
    "--passed": ("passed", "many"),
    "--json-out": ("json_out", "one"),
    "--output": ("output", "one"),
    "--config": ("config", "one"),
    "--verbose": ("verbose", "flag"),
    "--quiet": ("quiet", "flag"),
    "-q": ("quiet", "flag"),
    "--dry-run": ("dry_run", "flag"),
    "--no-color": ("no_color", "flag"),
}
# Values click turns into a Path after checking it: the directories it refuses.
_PATHS = {"logs": True, "junit": True, "json_out": False, "config": False}


def parse_triage(args: list[str]) -> dict[str, Any] | None:
    """The keyword arguments click would give the triage command for ``args`` (after the
    command name), or None when click must parse them (anything this parser does not take)."""
    values: dict[str, Any] = {key: [] for key, kind in _OPTIONS.values() if kind == "many"}
    seen: set[str] = set()
    verbose = 0
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg.startswith("-v") and arg.strip("v") == "-":  # -v, -vv, -vvv
            verbose += len(arg) - 1
            continue
        name, equals, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        entry = _OPTIONS.get(name)
        if entry is None:
            return None
        key, kind = entry
        if kind == "flag":
            if equals or (key in seen and key != "verbose"):
                return None
            if key == "verbose":
                verbose += 1
            seen.add(key)
            continue
        if not equals:
            if index >= len(args):
                return None
            value = args[index]
            index += 1
        if not value or value.startswith("-") or (kind == "one" and key in seen):
            return None
        if key in _PATHS and not _path_click_takes(value, dir_okay=_PATHS[key]):
            return None
        if key == "output":
            from ci_agent.config_env import OUTPUT_FORMATS  # not before: ``triage --help`` is fast

            if value not in OUTPUT_FORMATS:
                return None
        seen.add(key)
        if kind == "many":
            values[key].append(value)
        else:
            values[key] = value
    flags = {key: key in seen for key in ("quiet", "dry_run", "no_color")}
    return {**values, **flags, "verbose": verbose}


def _path_click_takes(value: str, *, dir_okay: bool) -> bool:
    """Whether click's ``Path`` type (not required to exist, readable) takes ``value``."""
    try:
        mode = Path(value).stat().st_mode
    except OSError:
        return True
    return (dir_okay or not stat.S_ISDIR(mode)) and os.access(value, os.R_OK)


def fast_triage(args: list[str]) -> int | None:
    """Run ``ci-agent triage`` with ``args`` (after the command name) without click; the exit
    code, or None when the arguments are for click (nothing has been done then)."""
    parsed = parse_triage(args)
    if parsed is None:
        return None
    from ci_agent.errors import CiAgentError, fail

    full = ["triage", *args]
    try:
        return _run(parsed)
    except KeyboardInterrupt as exc:
        from ci_agent.commands.common import report_early_error
        from ci_agent.errors import signal_name

        sys.stderr.write("\n")  # as click does: the blank line closes the terminal's ^C echo
        return report_early_error(fail("CA702", signal=signal_name(exc)), full)
    except CiAgentError as exc:
        from ci_agent.commands.common import report_early_error

        return report_early_error(exc, full)
    except BrokenPipeError:
        # As click does: the reader went away (``| head``); exit 1 without a traceback, and
        # keep the interpreter's final flush from raising again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _run(parsed: dict[str, Any]) -> int:
    """Run triage with the parsed arguments: without the configuration layer when nothing
    is configured and -vv does not ask for the settings, else as click's command would."""
    from ci_agent.config_env import defaults_hold

    logs = tuple(Path(p) for p in parsed["logs"])
    junit = tuple(Path(p) for p in parsed["junit"])
    json_out = Path(parsed["json_out"]) if "json_out" in parsed else None
    cwd = Path.cwd()
    if parsed["verbose"] < 2 and defaults_hold(os.environ, cwd, config_named="config" in parsed):
        from ci_agent.commands.triage_local import run_local

        return run_local(
            logs=logs,
            junit=junit,
            roots=tuple(parsed["roots"]),
            passed=tuple(parsed["passed"]),
            json_out=json_out,
            output=parsed.get("output") or "text",
            verbosity=parsed["verbose"],
            quiet=parsed["quiet"],
            dry_run=parsed["dry_run"],
            no_color=parsed["no_color"],
            environ=os.environ,
            cwd=cwd,
        )
    from ci_agent.commands.triage_run import run_triage
    from ci_agent.config import CliOverrides

    overrides = CliOverrides(
        output=parsed.get("output"),
        verbosity=parsed["verbose"],
        quiet=parsed["quiet"],
        dry_run=parsed["dry_run"] or None,
        no_color=parsed["no_color"],
        config=Path(parsed["config"]) if "config" in parsed else None,
        fail_level=None,
    )
    return run_triage(
        overrides,
        logs=logs,
        junit=junit,
        roots=tuple(parsed["roots"]),
        passed=tuple(parsed["passed"]),
        json_out=json_out,
    )
