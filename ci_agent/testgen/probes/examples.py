"""Probe run by the project's interpreter: call one function on many small inputs, record which
lines and arcs each call runs and what it returns, and which mutants each input tells apart.

Reads a JSON request file (argv[1]) and writes a JSON answer (argv[2]). Standard library only:
it runs in the project's environment, not in ci-agent's.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import dis
import enum
import importlib
import inspect
import io
import itertools
import json
import math
import os
import random
import signal
import sys
import textwrap
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["main"]

MAX_CALLS = 400
MAX_ARGV = 80  # command lines tried: each is run once per mutant too
CALL_SECONDS = 0.5  # a call (often a mutant caught in a loop) slower than this is dropped


class _Slow(BaseException):
    """Raised by the alarm: not an Exception, so the code under test cannot swallow it."""


def _alarm(signum: int, frame: Any) -> None:
    raise _Slow


class _Ended(BaseException):
    """Raised instead of ending the process (``os._exit``, ``os.abort``) while a call runs:
    that input is dropped and the others are still probed."""


def _end(*args: Any) -> None:
    raise _Ended(*args)


_INTS = [0, 1, -1, 2, 10, -10, 100]
_FLOATS = [0.0, 1.0, -1.0, 0.5, 2.5]
_STRS = ["", "a", "abc", "Hello World", " x ", "1,2"]
_MEMBERS = 8  # an enum's first members tried for a parameter typed with it
_MESSAGE = 200  # the longest exception message a test pins


def _constants(source: str) -> tuple[list[int], list[float], list[str]]:
    ints: set[int] = set()
    floats: set[float] = set()
    strs: set[str] = set()
    for node in ast.walk(ast.parse(textwrap.dedent(source))):
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
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return list(annotation)[:_MEMBERS]
    if annotation is inspect.Parameter.empty:
        # Untyped: a few of each kind, containers too (a dict of sets is a graph).
        graphs = [{1: {2}, 2: set()}, {1: {2}, 2: {1}}]  # one ordered, one circular
        return [*ints[:5], *strs[:3], None, [], [1, 2], {}, {"a": 1}, *graphs]
    return []


def _literal(value: Any) -> bool:
    """Whether repr(value) reads back as an equal value (so a test can assert it)."""
    try:
        text = repr(value)
        return len(text) <= 300 and ast.literal_eval(text) == value and not _is_nan(value)
    except Exception:
        return False


def _own_message(exc: BaseException) -> str:
    """The message of an exception raised in the project's own code (under the working copy,
    not in an installed package), short and on one line; else "". A test can pin such a
    message (``match=``); the standard library's wording changes between Python versions."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return ""
    code = tb.tb_frame.f_code
    where = code.co_filename
    if not where.startswith(f"{Path.cwd()}{os.sep}") or "site-packages" in where:
        return ""
    # Its own ``raise X(...)``, not a built-in it called (``int(text)``: Python's wording).
    if not any(
        i.offset == tb.tb_lasti and i.opname == "RAISE_VARARGS" and i.arg
        for i in dis.get_instructions(code)
    ):
        return ""
    try:
        message = str(exc)
    except Exception:
        return ""
    return message if 0 < len(message) <= _MESSAGE and message.isprintable() else ""


def _spell(value: Any, module: Any) -> str | None:
    """Source that makes ``value`` in a test importing from ``module``: ``Class.NAME`` for a
    member of an enum the module holds at its top level, else its repr; None when neither
    reads back."""
    if isinstance(value, enum.Enum):
        kind = type(value)
        named = value.name.isidentifier() and getattr(kind, value.name, None) is value
        return f"{kind.__name__}.{value.name}" if named and _holds(module, kind) else None
    return repr(value)


def _holds(module: Any, kind: type) -> bool:
    return getattr(module, kind.__name__, None) is kind


def _rebound(root: Any, value: Any) -> Any:
    """``value`` as ``root`` (a mutant or a fresh import of the module) makes it: a member of
    the enum of the same name there, whose class is a new object."""
    if isinstance(value, enum.Enum):
        kind = getattr(root, type(value).__name__, None)
        if isinstance(kind, enum.EnumMeta) and kind is not type(value):
            return getattr(kind, value.name, value)
    return value


def _enum_names(args: list[Any], outcome: tuple[str, Any, str]) -> list[str]:
    """The enums a case's test names (its inputs' and its returned member's)."""
    names = {type(a).__name__ for a in args if isinstance(a, enum.Enum)}
    if outcome[0] == "returns":
        # A literal's repr is never NAME.NAME: that is a spelled member.
        head, dot, tail = str(outcome[1]).partition(".")
        if dot and head.isidentifier() and tail.isidentifier():
            names.add(head)
    return sorted(names)


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _argv_lists(source: str, prog: str | None) -> list[list[str]]:
    """Small command lines for code that parses one: no argument, one value, each option string
    of the module's ``add_argument`` calls alone, before and after a value, and two values; the
    values are the module's short words and numbers. The first ``MAX_ARGV`` of them."""
    options: list[str] = []
    tokens: list[str] = []
    numbers: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument":
            for arg in node.args:
                if isinstance(arg, ast.Constant) and str(arg.value).startswith("-"):
                    options.append(str(arg.value))
                    break  # an option's short and long spellings do the same thing
        elif isinstance(node, ast.Constant) and not isinstance(node.value, bool):
            value = node.value
            if isinstance(value, str) and 0 < len(value) <= 12 and value.isalnum():
                tokens.append(value)
            elif isinstance(value, int) and abs(value) < 10**6:
                numbers.append(str(value))
    options = [o for o in dict.fromkeys(options) if o not in ("-h", "--help")]
    words = list(dict.fromkeys(["1", "x", *numbers[:4], *tokens[:6]]))
    found: list[list[str]] = [[]]
    found += [[w] for w in words]
    for option in options:
        found += [[option], *([option, w] for w in words), *([w, option] for w in words[:4])]
    found += [[a, b] for a, b in itertools.pairwise(words)]
    head = [prog] if prog is not None else []
    return [head + line for line in found[:MAX_ARGV]]


def _capture() -> tuple[Any, Any]:
    """Swap stdout and stderr for buffers (the probe's own output is its answer file)."""
    saved = (sys.stdout, sys.stderr)
    sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
    return saved


@dataclass
class Subject:
    """How to call the target: a function, a class's constructor (``Class.__init__``) or a
    method of an instance built from the first ``split`` values."""

    qualname: str
    shape: str  # "function", "init" or "method"
    split: int = 0
    argv: bool = False  # the first value is the command line (``sys.argv``)

    def run(self, root: Any, args: list[Any], kinds: list[str]) -> Any:
        """Call the target found in ``root`` (the module or a mutant of it) on ``args``."""
        args = [copy.deepcopy(_rebound(root, a)) for a in args]
        if self.argv:
            sys.argv = list(args[0])
            args, kinds = args[1:], kinds[1:]

        def split(values: list[Any], names: list[str]) -> tuple[list[Any], dict[str, Any]]:
            pos = [a for a, k in zip(values, names, strict=True) if k == "pos"]
            named = {k[3:]: a for a, k in zip(values, names, strict=True) if k != "pos"}
            return pos, named

        if self.shape == "function":
            pos, named = split(args, kinds)
            return _resolve(root, self.qualname)(*pos, **named)
        owner = _resolve(root, self.qualname.rpartition(".")[0])
        n = self.split
        pos, named = split(args[:n], kinds[:n])
        made = owner(*pos, **named)
        if self.shape == "init":
            return made
        pos, named = split(args[n:], kinds[n:])
        return getattr(made, self.qualname.rpartition(".")[2])(*pos, **named)


def _state(value: Any) -> dict[str, Any] | None:
    """What a test can assert on an object that is not a literal: its public attributes whose
    values are literals, and an exception's message; None when there is nothing."""
    try:
        attributes = vars(value)
    except TypeError:
        return None
    if inspect.ismodule(value) or inspect.isclass(value) or inspect.isroutine(value):
        return None
    kept = {k: v for k, v in attributes.items() if isinstance(k, str) and not k.startswith("_")}
    kept = {k: v for k, v in kept.items() if _literal(v)}
    state: dict[str, Any] = {"attributes": repr(kept), "full": kept == attributes}
    if isinstance(value, BaseException):
        state["message"] = repr(str(value))
    elif not kept:
        return None
    return state


def _call(subject: Subject, root: Any, args: list[Any], kinds: list[str]) -> tuple[str, Any, str]:
    saved = _capture()
    exits = os._exit, os.abort
    os._exit, os.abort = _end, _end  # type: ignore[assignment]
    signal.setitimer(signal.ITIMER_REAL, CALL_SECONDS)
    try:
        value = subject.run(root, args, kinds)
    except (_Slow, _Ended):
        return "slow", None, ""
    except (Exception, SystemExit) as exc:  # argparse exits on a bad command line
        # The third part of a raise is its message when the project's own code wrote it.
        return "raises", f"{type(exc).__module__}.{type(exc).__qualname__}", _own_message(exc)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        os._exit, os.abort = exits
        out = typing.cast(io.StringIO, sys.stdout).getvalue()
        sys.stdout, sys.stderr = saved
    if len(out) > 500 or inspect.isgenerator(value) or inspect.iscoroutine(value):
        return "opaque", None, ""
    if subject.shape != "init" and _literal(value):
        return "returns", repr(value), out
    if subject.shape != "init" and isinstance(value, enum.Enum):
        spelled = _spell(value, root)
        if spelled is not None:
            return "returns", spelled, out
    state = _state(value)
    return ("state", state, out) if state is not None else ("opaque", None, "")


def _traced(
    subject: Subject, filename: str, root: Any, args: list[Any], kinds: list[str]
) -> tuple[set[int], set[str]]:
    """The lines and arcs the call runs in the module's file: the target's and those of the
    module's functions it calls (a case can be kept for reaching either)."""
    lines: set[int] = set()
    arcs: set[str] = set()
    last: dict[int, int] = {}

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        code = frame.f_code
        if code.co_filename != filename:
            return None
        if event == "call":
            last[id(frame)] = -code.co_firstlineno
        elif event == "line":
            lines.add(frame.f_lineno)
            arcs.add(f"{last.get(id(frame), -code.co_firstlineno)}->{frame.f_lineno}")
            last[id(frame)] = frame.f_lineno
        elif event == "return":
            arcs.add(f"{last.pop(id(frame), -code.co_firstlineno)}->{-code.co_firstlineno}")
        return tracer

    previous = sys.gettrace()  # a coverage tool's tracer, when one measures this process
    sys.settrace(tracer)
    try:
        _call(subject, root, args, kinds)
    finally:
        sys.settrace(previous)
    return lines, arcs


class _Environ:
    """The names of environment variables that the project's own code reads (``os.environ``
    by key, ``os.getenv``) while ``watching`` is on: a result that depends on them is not
    what a test can pin wherever it runs (a token set in a developer's shell or a CI job)."""

    def __init__(self) -> None:
        self.watching = False
        self.read: set[str] = set()

    def install(self) -> Any:
        """Record reads from code under the working copy (not the standard library's); the
        original ``__getitem__``, to put back."""
        import _collections_abc

        original = os._Environ.__getitem__
        # Mapping.get, os.getenv: by their files, or frozen (3.11+ freezes both).
        between = {_collections_abc.__file__, os.__file__}
        here = f"{Path.cwd()}{os.sep}"
        watched = self

        def getitem(environ: Any, key: Any) -> Any:
            if watched.watching:
                frame = sys._getframe(1)
                while frame is not None and (
                    frame.f_code.co_filename in between
                    or frame.f_code.co_filename.startswith("<frozen ")
                ):
                    frame = frame.f_back  # type: ignore[assignment]
                name = frame.f_code.co_filename if frame is not None else ""
                if name.startswith(here) and "site-packages" not in name:
                    watched.read.add(str(key))
            return original(environ, key)

        os._Environ.__getitem__ = getitem  # type: ignore[method-assign]
        return original


_ENVIRON = _Environ()
# Environment variables the project's code read while each module was imported.
_IMPORT_READ: dict[str, set[str]] = {}


def _import_watched(name: str, reload: Any = None) -> Any:
    """Import (or reload) the module, noting the variables its import reads."""
    _ENVIRON.read.clear()
    _ENVIRON.watching = True
    try:
        return importlib.reload(reload) if reload is not None else importlib.import_module(name)
    finally:
        _ENVIRON.watching = False
        _IMPORT_READ.setdefault(name, set()).update(_ENVIRON.read)


def _unpinned(
    module: Any,
    subject: Subject,
    kinds: list[str],
    cases: list[dict[str, Any]],
    kept: list[tuple[int, list[Any], Any]],
) -> dict[str, Any]:
    """The cases whose outcome stays when the variables the module's import read unset are
    set: a value read into a constant at import (``TOKEN = os.environ.get(...)``) is the
    sandbox's, and a test pinning it fails where the variable is set. When some are dropped,
    ``pinned_by`` names the variables (the run says so rather than "no input was found")."""
    names = sorted(n for n in _IMPORT_READ.get(module.__name__, ()) if n not in os.environ)
    if not names or not kept:
        return {"cases": cases}
    for name in names:
        os.environ[name] = "ci-agent-probe"
    try:
        try:
            importlib.reload(module)
        except Exception:  # an import that refuses the value: the cases cannot be judged
            return {"cases": cases}
        same = set()
        for n, args, outcome in kept:
            # What the call itself reads its test unsets after the import: so here.
            held = {k: os.environ.pop(k) for k in cases[n]["unset"] if k in os.environ}
            try:
                if _call(subject, module, args, kinds) == outcome:
                    same.add(n)
            finally:
                os.environ.update(held)
        stable = [case for n, case in enumerate(cases) if n in same]
        return {"cases": stable, **({"pinned_by": names} if len(stable) < len(cases) else {})}
    finally:
        for name in names:
            os.environ.pop(name, None)
        with contextlib.suppress(Exception):
            importlib.reload(module)


def _resolve(module: Any, qualname: str) -> Any:
    found = module
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


def _mutant_module(source: str, module: Any) -> Any:
    twin = types.ModuleType(module.__name__)
    twin.__dict__.update(__file__=module.__file__, __package__=module.__package__)
    exec(compile(source, module.__file__ or "<mutant>", "exec"), twin.__dict__)  # noqa: S102
    return twin


def main(argv: list[str]) -> int:
    """Probe the function named in the request (or each of ``{"requests": [...]}``, one
    process for a module's functions); write what was found."""
    request = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    original = _ENVIRON.install()
    try:
        _answer_all(request, argv[2])
    finally:
        os._Environ.__getitem__ = original  # type: ignore[method-assign]
    return 0


def _answer_all(request: dict[str, Any], out: str) -> None:
    if "requests" in request:
        requests = request["requests"]
        slow = (
            _import_within(requests[0]["module"], request.get("import_seconds")) if requests else ""
        )
        if slow:
            answers = [{"cases": [], "problem": slow} for _ in requests]
        else:
            answers = [_guarded(r) for r in requests]
        Path(out).write_text(json.dumps({"answers": answers}), encoding="utf-8")
    else:
        Path(out).write_text(json.dumps(_answer(request)), encoding="utf-8")


def _import_within(name: str, seconds: float | None) -> str:
    """Import the module the requests share, given ``seconds``: a module that hangs at import
    would otherwise cost every one of its functions' share of the probe's limit. Why not, or
    "" (an import that fails is each request's own answer)."""
    if not seconds:
        return ""
    sys.argv = [name.rpartition(".")[2]]
    previous = signal.signal(signal.SIGALRM, _alarm)
    exits = os._exit, os.abort
    # A module that ends the process at import left the probe without an answer: "no output".
    os._exit, os.abort = _end, _end  # type: ignore[assignment]
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        _import_watched(name)
    except _Slow:
        return (
            f"importing {name} did not finish within {seconds:g} s (test-generation.test-timeout)"
        )
    except _Ended as ended:
        how = f"os._exit({ended.args[0]!r})" if ended.args else "os.abort()"
        return f"importing {name} ends the process ({how}): no test can import it"
    except BaseException:  # the request that imports it again says why
        return ""
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        os._exit, os.abort = exits
    return ""


def _guarded(request: dict[str, Any]) -> dict[str, Any]:
    """One function's answer; code that exits the process (argparse's SystemExit) or
    interrupts it ends only its own function's probe."""
    try:
        return _answer(request)
    except BaseException as exc:  # the code under test may raise anything
        return {"cases": [], "problem": f"{type(exc).__name__}: {exc}"}


ARGV_NAMES = ("argv", "args", "arguments")
_PROBED: set[str] = set()  # modules already probed by this process


def _plan(module: Any, qualname: str) -> tuple[Subject, Any, list[inspect.Signature]]:
    """The subject, the code object whose lines are traced, and the signatures whose
    parameters are the inputs (the constructor's first, for a method)."""
    if ".<locals>." in qualname:
        raise TypeError("a nested function cannot be called from a test")
    if "." not in qualname:
        function = _resolve(module, qualname)
        if not inspect.isfunction(function) or inspect.iscoroutinefunction(function):
            raise TypeError("not a plain function")
        return Subject(qualname, "function"), function.__code__, [inspect.signature(function)]
    owner_name, _, name = qualname.rpartition(".")
    owner = _resolve(module, owner_name)
    if not inspect.isclass(owner) or name not in vars(owner):
        raise TypeError(f"{owner_name} is not a class defining {name}")
    raw = vars(owner)[name]
    if isinstance(raw, staticmethod | classmethod):
        function = raw.__func__
        if inspect.iscoroutinefunction(function):
            raise TypeError("not a plain function")
        return (
            Subject(qualname, "function"),
            function.__code__,
            [inspect.signature(getattr(owner, name))],
        )
    if not inspect.isfunction(raw) or inspect.iscoroutinefunction(raw):
        raise TypeError("not a plain method")
    if inspect.isabstract(owner):
        raise TypeError(f"{owner_name} is abstract")
    made = inspect.signature(owner)
    if name == "__init__":
        return Subject(qualname, "init", len(made.parameters)), raw.__code__, [made]
    bound = inspect.signature(getattr(owner, name))
    method = bound.replace(parameters=list(bound.parameters.values())[1:])
    return Subject(qualname, "method", len(made.parameters)), raw.__code__, [made, method]


def _inputs(
    module: Any, source: str, subject: Subject, signatures: list[inspect.Signature]
) -> tuple[list[str], list[str], list[list[Any]]]:
    """The inputs' names, kinds (``pos``, ``kw:NAME``, ``argv``) and pools of values; marks
    the subject as reading its command line when that is its only input."""
    prog = module.__name__.rpartition(".")[2]
    try:
        whole = inspect.getsource(module)
    except (OSError, TypeError):
        whole = source
    consts = _constants(source)
    names: list[str] = []
    kinds: list[str] = []
    pools: list[list[Any]] = []
    required = [
        p
        for s in signatures
        for p in s.parameters.values()
        if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    reads_argv = "sys.argv" in whole or ".parse_args()" in whole
    if reads_argv and not required and subject.shape == "function":
        # It can only be reading the command line: the inputs are command lines.
        subject.argv = True
        names, kinds, pools = ["argv"], ["argv"], [_argv_lists(whole, prog)]
    for n, signature in enumerate(signatures):
        hints: dict[str, Any] = {}
        with contextlib.suppress(Exception):
            hints = _hints(_typed(subject, module, n))
        for param in signature.parameters.values():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                if n == 0 and subject.shape == "method":
                    subject.split -= 1
                continue
            annotation = hints.get(param.name, param.annotation)
            if isinstance(annotation, str):
                # A name only a type checker sees (imported under TYPE_CHECKING): untyped.
                annotation = param.empty
            # An enum member the test cannot name (its class not at the module's top) is left out.
            pool = [v for v in _pool(annotation, consts) if _spell(v, module) is not None]
            if param.name in ARGV_NAMES and annotation is param.empty and "add_argument" in whole:
                pool = [*_argv_lists(whole, None), *pool]
            default = param.default
            if default is not param.empty and (
                _literal(default) or (isinstance(default, enum.Enum) and _spell(default, module))
            ):
                pool = [param.default, *[v for v in pool if v != param.default]]
            if not pool:
                raise TypeError(f"no values for parameter {param.name}")
            names.append(param.name if param.name not in names else f"{param.name}_{n}")
            kinds.append("kw:" + param.name if param.kind == param.KEYWORD_ONLY else "pos")
            pools.append(pool)
    return names, kinds, pools


def _answer(request: dict[str, Any]) -> dict[str, Any]:
    # Code that reads its command line sees none, not the probe's own arguments.
    prog = request["module"].rpartition(".")[2]
    sys.argv = [prog]
    answer: dict[str, Any] = {"cases": [], "problem": ""}
    try:
        module = _import_watched(request["module"])
        if request["module"] in _PROBED:
            # The previous target's calls may have changed the module's state (a function
            # that adds to its tables): each target starts from a fresh import.
            with contextlib.suppress(Exception):  # one that cannot be imported twice: as is
                module = _import_watched(request["module"], module)
        _PROBED.add(request["module"])
        subject, code, signatures = _plan(module, request["qualname"])
        names, kinds, pools = _inputs(module, request["source"], subject, signatures)
    except Exception as exc:
        answer["problem"] = f"{type(exc).__name__}: {exc}"
        return answer
    signal.signal(signal.SIGALRM, _alarm)
    combos = list(itertools.islice(itertools.product(*pools), 20000))
    random.Random(0).shuffle(combos)  # noqa: S311 - a reproducible sample
    if subject.argv:
        combos.sort(key=lambda c: len(c[0]))  # every command line is tried before the cap
    mutated = []
    for source in request["mutants"]:
        try:
            mutated.append(_mutant_module(source, module))
        except Exception:  # noqa: S112 - a mutant that does not load is skipped
            continue
    kept: list[tuple[int, list[Any], Any]] = []  # each case's inputs and outcome
    for combo in combos[:MAX_CALLS]:
        args = list(combo)
        before = _snapshot(module)
        _ENVIRON.read.clear()
        _ENVIRON.watching = True
        try:
            outcome = _call(subject, module, args, kinds)
        finally:
            _ENVIRON.watching = False
        unset = sorted(_ENVIRON.read)
        if any(name in os.environ for name in unset):
            # A variable the sandbox sets (HOME, PATH, CI): the result is this machine's.
            _restore(module, before)
            continue
        if _changed(module, before):
            # A call that changes the module's globals (adds a rule to its table) would
            # change what every later test reads: never written as a test.
            _restore(module, before)
            continue
        if outcome[0] in ("opaque", "slow") or _call(subject, module, args, kinds) != outcome:
            continue  # unassertable or not deterministic
        lines, arcs = _traced(subject, code.co_filename, module, args, kinds)
        kills = [i for i, m in enumerate(mutated) if _call(subject, m, args, kinds) != outcome]
        kept.append((len(answer["cases"]), args, outcome))
        answer["cases"].append(
            {
                "args": [_spell(a, module) for a in args],
                # Enums the test names: imported from the module.
                "imports": _enum_names(args, outcome),
                "kind": outcome[0],
                "value": outcome[1],
                "out": outcome[2] if outcome[0] != "raises" else "",
                **({"message": outcome[2]} if outcome[0] == "raises" and outcome[2] else {}),
                "lines": sorted(lines),
                "arcs": sorted(arcs),
                "kills": kills,
                # Read and unset here: the test unsets them too (a token in CI's environment).
                "unset": unset,
            }
        )
    answer.update(_unpinned(module, subject, kinds, answer["cases"], kept))
    sys.argv = [prog]
    answer.update(names=names, kinds=kinds, shape=subject.shape, split=subject.split)
    answer["argv"] = subject.argv
    return answer


_CONTAINERS = (list, dict, set, bytearray)
_COPIED = 10_000  # a larger table is checked by identity only


def _snapshot(module: Any) -> dict[str, tuple[Any, Any]]:
    """The module's globals: each object, with a shallow copy of a list, dict or set."""
    taken: dict[str, tuple[Any, Any]] = {}
    for name, value in list(vars(module).items()):
        if name.startswith("__"):
            continue  # the interpreter's own (a warning adds __warningregistry__)
        copied = None
        if isinstance(value, _CONTAINERS) and len(value) <= _COPIED:
            copied = value.copy()
        taken[name] = (value, copied)
    return taken


def _changed(module: Any, before: dict[str, tuple[Any, Any]]) -> bool:
    now = {n: v for n, v in vars(module).items() if not n.startswith("__")}
    if now.keys() != before.keys():
        return True
    for name, (value, copied) in before.items():
        if now[name] is not value:
            return True
        try:
            if copied is not None and value != copied:
                return True
        except Exception:  # noqa: S112 - an element that cannot be compared: unknown, kept
            continue
    return False


def _restore(module: Any, before: dict[str, tuple[Any, Any]]) -> None:
    """Put the module's globals back as ``before`` took them (a container in place)."""
    names = vars(module)
    for name in [n for n in names if n not in before and not n.startswith("__")]:
        del names[name]
    for name, (value, copied) in before.items():
        names[name] = value
        if copied is None:
            continue
        if isinstance(value, list | bytearray):
            value[:] = copied
        elif isinstance(value, dict | set):
            value.clear()
            value.update(copied)


def _hints(function: Any) -> dict[str, Any]:
    """The function's annotations evaluated one by one: with ``from __future__ import
    annotations``, one name imported only under ``TYPE_CHECKING`` makes
    ``typing.get_type_hints`` fail for every parameter."""
    with contextlib.suppress(Exception):
        return typing.get_type_hints(function)
    found: dict[str, Any] = {}
    namespace = getattr(inspect.unwrap(function), "__globals__", {})
    for name, annotation in dict(getattr(function, "__annotations__", {})).items():

        def one() -> None: ...

        one.__annotations__ = {name: annotation}
        with contextlib.suppress(Exception):
            found[name] = typing.get_type_hints(one, globalns=namespace)[name]
    return found


def _typed(subject: Subject, module: Any, n: int) -> Any:
    """The function whose annotations type the ``n``-th signature's parameters."""
    if subject.shape == "function":
        return _resolve(module, subject.qualname)
    owner = _resolve(module, subject.qualname.rpartition(".")[0])
    return owner.__init__ if n == 0 else getattr(owner, subject.qualname.rpartition(".")[2])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
