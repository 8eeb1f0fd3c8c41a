"""Probe run by the project's interpreter: call one function on many small inputs, record which
lines and arcs each call runs and what it returns, and which mutants each input tells apart.

Reads a JSON request file (argv[1]) and writes a JSON answer (argv[2]). Standard library only:
it runs in the project's environment, not in ci-agent's.
"""

from __future__ import annotations

import ast
import copy
import importlib
import inspect
import itertools
import json
import math
import random
import signal
import sys
import types
import typing
from pathlib import Path
from typing import Any

__all__ = ["main"]

MAX_CALLS = 400
CALL_SECONDS = 0.5  # a call (often a mutant caught in a loop) slower than this is dropped


class _Slow(BaseException):
    """Raised by the alarm: not an Exception, so the code under test cannot swallow it."""


def _alarm(signum: int, frame: Any) -> None:
    raise _Slow


_INTS = [0, 1, -1, 2, 10, -10, 100]
_FLOATS = [0.0, 1.0, -1.0, 0.5, 2.5]
_STRS = ["", "a", "abc", "Hello World", " x ", "1,2"]


def _constants(source: str) -> tuple[list[int], list[float], list[str]]:
    ints: set[int] = set()
    floats: set[float] = set()
    strs: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool):
                continue
            if isinstance(value, int) and abs(value) < 10**6:
                ints.update((value - 1, value, value + 1))
            elif isinstance(value, float):
                floats.update((value - 1.0, value, value + 1.0))
            elif isinstance(value, str) and len(value) < 40:
                strs.update((value, value * 2, value.upper()))
    return sorted(ints), sorted(floats), sorted(strs)


def _pool(annotation: Any, consts: tuple[list[int], list[float], list[str]]) -> list[Any]:
    ints = sorted(set(_INTS + consts[0]))
    floats = sorted(set(_FLOATS + consts[1]))
    strs = sorted(set(_STRS + consts[2]))
    origin = typing.get_origin(annotation)
    if annotation is bool:
        return [True, False]
    if annotation is int:
        return ints
    if annotation is float:
        return floats + ints[:3]
    if annotation is str:
        return strs
    if annotation is type(None):
        return [None]
    if origin in (typing.Union, types.UnionType):
        found: list[Any] = []
        for arg in typing.get_args(annotation):
            found += [v for v in _pool(arg, consts) if v not in found]
        return found
    if origin in (list, tuple, set, frozenset) or annotation in (list, tuple, set):
        args = typing.get_args(annotation)
        inner = _pool(args[0], consts)[:4] if args else ints[:4]
        kind = origin or annotation
        return [kind(()), kind(inner[:1]), kind(inner[:3]), kind(list(reversed(inner[:3])))]
    if origin is dict or annotation is dict:
        return [{}, {"a": 1}, {"a": 1, "b": 2}]
    if annotation is inspect.Parameter.empty:
        return ints[:5] + strs[:3] + [None]
    return []


def _literal(value: Any) -> bool:
    """Whether repr(value) reads back as an equal value (so a test can assert it)."""
    try:
        text = repr(value)
        return len(text) <= 300 and ast.literal_eval(text) == value and not _is_nan(value)
    except Exception:
        return False


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _call(function: Any, args: list[Any], kinds: list[str]) -> tuple[str, Any]:
    positional = [copy.deepcopy(a) for a, k in zip(args, kinds, strict=True) if k == "pos"]
    named = {k[3:]: copy.deepcopy(a) for a, k in zip(args, kinds, strict=True) if k != "pos"}
    signal.setitimer(signal.ITIMER_REAL, CALL_SECONDS)
    try:
        value = function(*positional, **named)
    except _Slow:
        return "slow", None
    except Exception as exc:
        return "raises", f"{type(exc).__module__}.{type(exc).__qualname__}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    if inspect.isgenerator(value) or inspect.iscoroutine(value):
        return "opaque", None
    return ("returns", value) if _literal(value) else ("opaque", None)


def _traced(function: Any, args: list[Any], kinds: list[str]) -> tuple[set[int], set[str]]:
    code = function.__code__
    lines: set[int] = set()
    arcs: set[str] = set()
    last = [-code.co_firstlineno]

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code is not code:
            return None
        if event == "line":
            lines.add(frame.f_lineno)
            arcs.add(f"{last[0]}->{frame.f_lineno}")
            last[0] = frame.f_lineno
        elif event == "return":
            arcs.add(f"{last[0]}->{-code.co_firstlineno}")
        return tracer

    previous = sys.gettrace()  # a coverage tool's tracer, when one measures this process
    sys.settrace(tracer)
    try:
        _call(function, args, kinds)
    finally:
        sys.settrace(previous)
    return lines, arcs


def _resolve(module: Any, qualname: str) -> Any:
    found = module
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


def _mutant_function(source: str, module: Any, qualname: str) -> Any:
    twin = types.ModuleType(module.__name__)
    twin.__dict__.update(__file__=module.__file__, __package__=module.__package__)
    exec(compile(source, module.__file__ or "<mutant>", "exec"), twin.__dict__)  # noqa: S102
    return _resolve(twin, qualname)


def main(argv: list[str]) -> int:
    """Probe the function named in the request (or each of ``{"requests": [...]}``, one
    process for a module's functions); write what was found."""
    request = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    if "requests" in request:
        answers = [_guarded(r) for r in request["requests"]]
        Path(argv[2]).write_text(json.dumps({"answers": answers}), encoding="utf-8")
    else:
        Path(argv[2]).write_text(json.dumps(_answer(request)), encoding="utf-8")
    return 0


def _guarded(request: dict[str, Any]) -> dict[str, Any]:
    """One function's answer; code that exits the process (argparse's SystemExit) or
    interrupts it ends only its own function's probe."""
    try:
        return _answer(request)
    except BaseException as exc:  # the code under test may raise anything
        return {"cases": [], "problem": f"{type(exc).__name__}: {exc}"}


def _answer(request: dict[str, Any]) -> dict[str, Any]:
    # Code that reads its command line sees none, not the probe's own arguments.
    sys.argv = [request["module"]]
    answer: dict[str, Any] = {"cases": [], "problem": ""}
    try:
        module = importlib.import_module(request["module"])
        function = _resolve(module, request["qualname"])
        if not inspect.isfunction(function) or inspect.iscoroutinefunction(function):
            raise TypeError("not a plain function")
        signature = inspect.signature(function)
        try:
            hints = typing.get_type_hints(function)
        except Exception:
            hints = {}
        consts = _constants(request["source"])
        names, kinds, pools = [], [], []
        for param in signature.parameters.values():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            pool = _pool(hints.get(param.name, param.annotation), consts)
            if param.default is not param.empty and _literal(param.default):
                pool = [param.default, *[v for v in pool if v != param.default]]
            if not pool:
                raise TypeError(f"no values for parameter {param.name}")
            names.append(param.name)
            kinds.append("kw:" + param.name if param.kind == param.KEYWORD_ONLY else "pos")
            pools.append(pool)
    except Exception as exc:
        answer["problem"] = f"{type(exc).__name__}: {exc}"
        return answer
    signal.signal(signal.SIGALRM, _alarm)
    combos = list(itertools.islice(itertools.product(*pools), 20000))
    random.Random(0).shuffle(combos)  # noqa: S311 - a reproducible sample
    mutated = []
    for source in request["mutants"]:
        try:
            mutated.append(_mutant_function(source, module, request["qualname"]))
        except Exception:  # noqa: S112 - a mutant that does not load is skipped
            continue
    for combo in combos[:MAX_CALLS]:
        args = list(combo)
        outcome = _call(function, args, kinds)
        if outcome[0] in ("opaque", "slow") or _call(function, args, kinds) != outcome:
            continue  # unassertable or not deterministic
        lines, arcs = _traced(function, args, kinds)
        kills = [i for i, m in enumerate(mutated) if _call(m, args, kinds) != outcome]
        answer["cases"].append(
            {
                "args": [repr(a) for a in args],
                "kind": outcome[0],
                "value": repr(outcome[1]) if outcome[0] == "returns" else outcome[1],
                "lines": sorted(lines),
                "arcs": sorted(arcs),
                "kills": kills,
            }
        )
    answer.update(names=names, kinds=kinds)
    return answer


if __name__ == "__main__":
    sys.exit(main(sys.argv))
