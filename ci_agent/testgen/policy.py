"""What a generated test may not do, checked on its syntax tree before it runs: no network,
no subprocesses, no sleeping beyond a bound, no wall clock, no unseeded randomness, no writes
outside ``tmp_path``. The runner's guard plugin enforces the network and sleep rules too."""

from __future__ import annotations

import ast

__all__ = ["policy_problems"]

_NETWORK = (
    "socket",
    "urllib",
    "http",
    "httpx",
    "requests",
    "aiohttp",
    "ftplib",
    "smtplib",
    "ssl",
    "websocket",
    "websockets",
)
_PROCESS = ("subprocess", "multiprocessing", "pty")
_CLOCK = {
    ("time", "time"),
    ("time", "time_ns"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
}
_RANDOM = {
    "random",
    "randint",
    "choice",
    "choices",
    "shuffle",
    "sample",
    "uniform",
    "randrange",
    "getrandbits",
    "gauss",
}
_PROCESS_CALLS = {("os", "system"), ("os", "popen"), ("os", "execv"), ("os", "fork")}
_FS_CHANGES = ("write_text", "write_bytes", "mkdir", "touch", "unlink", "rmtree", "remove")
_WRITE_MODES = ("w", "a", "x", "+")
_TMP_NAMES = ("tmp_path", "tmpdir", "tmp_path_factory", "tmpdir_factory")


# The funnel's own machinery inside the test process (its outcome plugin and its settings,
# pytest's plugin manager): a test that reaches for them could forge the verdict of a gate.
_FUNNEL_WORDS = ("ci_agent_testgen", "pluginmanager", "pytest_runtest_logreport")


def policy_problems(source: str, sleep_bound: float) -> list[str]:
    """Every rule the module breaks, one sentence each (empty when it is allowed)."""
    tree = ast.parse(source)
    problems: list[str] = _funnel_problems(source)
    seeded = _seeds_random(tree)
    tmp = _tmp_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            problems += _import_problems(node)
        elif isinstance(node, ast.Call):
            problems += _call_problems(node, sleep_bound, seeded, tmp)
    return sorted(set(problems), key=lambda p: (int(p.split()[1].rstrip(":")), p))


def _funnel_problems(source: str) -> list[str]:
    """Lines that name the funnel's machinery (in code, strings or comments alike)."""
    found = []
    for number, text in enumerate(source.splitlines(), start=1):
        word = next((w for w in _FUNNEL_WORDS if w in text.lower()), None)
        if word is not None:
            found.append(f"line {number}: names {word} (the funnel's own machinery)")
    return found


def _import_problems(node: ast.Import | ast.ImportFrom) -> list[str]:
    names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
    found = []
    for name in names:
        top = name.split(".")[0]
        if top in _NETWORK:
            found.append(f"line {node.lineno}: imports {name} (network access is not allowed)")
        elif top in _PROCESS:
            found.append(f"line {node.lineno}: imports {name} (starting processes is not allowed)")
    return found


def _call_problems(
    node: ast.Call, sleep_bound: float, seeded: bool, tmp: frozenset[str]
) -> list[str]:
    owner, name = _dotted(node.func)
    line = node.lineno
    if (owner, name) in _PROCESS_CALLS:
        return [f"line {line}: calls {owner}.{name}() (starting processes is not allowed)"]
    if (owner, name) in _CLOCK:
        return [f"line {line}: reads the wall clock ({owner}.{name}())"]
    if name == "sleep" and owner in ("time", "asyncio", ""):
        seconds = _number(node.args[0]) if node.args else None
        if seconds is None or seconds > sleep_bound:
            shown = "an unknown time" if seconds is None else f"{seconds} s"
            return [f"line {line}: sleeps {shown} (the bound is {sleep_bound} s)"]
    if owner == "random" and name in _RANDOM and not seeded:
        return [f"line {line}: uses unseeded randomness (random.{name}())"]
    first = node.args[0] if node.args else None
    if (
        name == "open"
        and owner in ("", "io", "builtins")
        and _writes(node)
        and not _mentions_tmp(first, tmp)
    ):
        return [f"line {line}: opens a file for writing outside tmp_path"]
    if name in _FS_CHANGES and not _mentions_tmp(node.func, tmp):
        return [f"line {line}: changes the file system outside tmp_path ({name})"]
    return []


def _dotted(func: ast.expr) -> tuple[str, str]:
    if isinstance(func, ast.Name):
        return "", func.id
    if isinstance(func, ast.Attribute):
        value = func.value
        if isinstance(value, ast.Name):
            return value.id, func.attr
        if isinstance(value, ast.Attribute):
            return value.attr, func.attr
        return "?", func.attr
    return "?", "?"


def _number(node: ast.expr) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    return None


def _writes(node: ast.Call) -> bool:
    mode = node.args[1] if len(node.args) > 1 else None
    for keyword in node.keywords:
        if keyword.arg == "mode":
            mode = keyword.value
    if mode is None:
        return False
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return any(flag in mode.value for flag in _WRITE_MODES)
    return True  # a computed mode: assume the worst


def _mentions_tmp(node: ast.AST | None, tmp: frozenset[str]) -> bool:
    if node is None:
        return False
    return any(isinstance(n, ast.Name) and n.id in tmp for n in ast.walk(node))


def _tmp_names(tree: ast.AST) -> frozenset[str]:
    """``tmp_path`` and the names assigned from it (``p = tmp_path / "x"``), to a fixed point."""
    names = frozenset(_TMP_NAMES)
    while True:
        more = {
            t.id
            for n in ast.walk(tree)
            if isinstance(n, ast.Assign) and _mentions_tmp(n.value, names)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        if more <= names:
            return names
        names = names | more


def _seeds_random(tree: ast.AST) -> bool:
    return any(
        (isinstance(n, ast.Call) and _dotted(n.func) in {("random", "seed"), ("", "Random")})
        or (isinstance(n, ast.Call) and _dotted(n.func) == ("random", "Random") and n.args)
        for n in ast.walk(tree)
    )
