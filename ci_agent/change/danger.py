"""What a patch adds to non-test code that reaches outside the program: processes, the
network, native code, dynamic code and imports, and file writes outside the repository.

Found on the syntax tree, through import aliases, comparing before and after so only what
the patch adds counts. Refused unless the failure itself points into the function that gets
it (a fix to the code that runs a process may touch ``subprocess``).
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterable, Mapping

from ci_agent.change.pynames import (
    Aliases,
    Use,
    added_uses,
    enclosing_functions,
    parse_or_none,
)

__all__ = ["DANGEROUS_MODULES", "added_danger", "failure_sites"]

DANGEROUS_MODULES = {
    "subprocess": "starts processes",
    "pty": "starts processes",
    "socket": "opens network connections",
    "urllib": "opens network connections",
    "http.client": "opens network connections",
    "requests": "opens network connections",
    "httpx": "opens network connections",
    "aiohttp": "opens network connections",
    "ftplib": "opens network connections",
    "smtplib": "opens network connections",
    "ctypes": "calls native code",
}
_OS_PROCESS = ("os.system", "os.popen", "os.exec", "os.spawn", "os.posix_spawn", "os.fork")
_DYNAMIC = {"eval", "exec", "compile", "__import__", "builtins.eval", "builtins.exec"}
_WRITE_MODES = set("wax+")


def added_danger(before: str, after: str, failing_lines: Collection[int] = ()) -> list[str]:
    """Why ``after`` reaches further than ``before`` (empty when it does not); what is added
    inside a function one of ``failing_lines`` (of the old text) points into is allowed."""
    old, new = parse_or_none(before), parse_or_none(after)
    if new is None:
        return []
    old_uses = _uses(old) if old is not None else []
    spans = _spans(old) if old is not None else {}
    reasons = []
    for use in added_uses(old_uses, _uses(new)):
        span = spans.get(use.scope)
        if span is not None and any(span[0] <= line <= span[1] for line in failing_lines):
            continue  # the failure is about this function: it may need what it adds
        where = f"in {use.scope}" if use.scope else "at module level"
        reasons.append(
            f"line {use.line}: adds {use.what} {where}, and the failure does not point into "
            "that code (rule: danger)"
        )
    return reasons


def failure_sites(locations: Iterable[str]) -> tuple[tuple[str, int], ...]:
    """``(path, line)`` of each ``path:line`` location (those without a line are skipped)."""
    sites = []
    for location in locations:
        path, _, line = location.rpartition(":")
        if path and line.isdigit():
            sites.append((path, int(line)))
    return tuple(dict.fromkeys(sites))


def _spans(tree: ast.Module) -> Mapping[str, tuple[int, int]]:
    """Scope name → first and last line of each function and class."""
    spans: dict[str, tuple[int, int]] = {}
    for scope, node in enclosing_functions(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            name = f"{scope}.{node.name}" if scope else node.name
            spans[name] = (node.lineno, node.end_lineno or node.lineno)
    return spans


def _module_risk(module: str) -> str | None:
    for name, risk in DANGEROUS_MODULES.items():
        if module == name or module.startswith(name + "."):
            return risk
    return None


def _uses(tree: ast.Module) -> list[Use]:
    aliases = Aliases.of(tree)
    uses: list[Use] = []
    for scope, node in enclosing_functions(tree):
        line = getattr(node, "lineno", 0)
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules = [node.module]
        for module in modules:
            risk = _module_risk(module)
            if risk:
                uses.append(
                    Use(f"import:{scope}:{module}", line, f"import {module} ({risk})", scope)
                )
        if isinstance(node, ast.Call):
            found = _call_risk(node, aliases)
            if found:
                key, what = found
                uses.append(Use(f"call:{scope}:{key}", line, what, scope))
    return uses


def _call_risk(call: ast.Call, aliases: Aliases) -> tuple[str, str] | None:
    """``(key, description)`` when ``call`` reaches outside the program."""
    name = aliases.qualify(call.func) or ""
    if name.startswith(_OS_PROCESS):
        return name, f"{name}() (starts processes)"
    risk = _module_risk(name.rsplit(".", 1)[0]) if "." in name else None
    if risk:
        return name, f"{name}() ({risk})"
    if name in _DYNAMIC:
        return name, f"{name}() (runs code built at run time)"
    if name == "importlib.import_module" and not (
        call.args and isinstance(call.args[0], ast.Constant)
    ):
        return name, f"{name}() with a name computed at run time"
    if name in ("open", "io.open", "builtins.open") or name.endswith(
        (".write_text", ".write_bytes")
    ):
        target = _outside_path(call, name)
        if target is not None:
            return f"write:{target}", f"a write to {target}, outside the repository"
    return None


def _outside_path(call: ast.Call, name: str) -> str | None:
    """The path a write goes to when it is absolute or climbs with ``..``, else None."""
    if name.endswith((".write_text", ".write_bytes")):
        func = call.func
        inner = func.value if isinstance(func, ast.Attribute) else None
        path = inner.args[0] if isinstance(inner, ast.Call) and inner.args else None
    else:
        mode = call.args[1] if len(call.args) > 1 else None
        mode = next((k.value for k in call.keywords if k.arg == "mode"), mode)
        writes = isinstance(mode, ast.Constant) and set(str(mode.value)) & _WRITE_MODES
        path = call.args[0] if call.args and writes else None
    if not isinstance(path, ast.Constant) or not isinstance(path.value, str):
        return None
    text = path.value
    if text.startswith(("/", "~")) or ".." in text.replace("\\", "/").split("/"):
        return text
    return None
