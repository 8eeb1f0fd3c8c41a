"""Extractors on output of tools not installed here, copied in their real formats: npm, ESLint,
tsc, Jest, pyright, flake8, pylint, black, isort, prettier, pip, uv, rustc, the linker, the
runner's own messages, network errors, out-of-memory kills and timeouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_agent.triage.model import Failure

from .helpers import failures_of

NPM_ERESOLVE = """\
npm ERR! code ERESOLVE
npm ERR! ERESOLVE unable to resolve dependency tree
npm ERR!
npm ERR! While resolving: my-app@0.1.0
npm ERR! Found: react@18.2.0
npm ERR! node_modules/react
npm ERR!   react@"^18.2.0" from the root project
npm ERR!
npm ERR! Could not resolve dependency:
npm ERR! peer react@"^16.8.0 || ^17.0.0" from react-beautiful-dnd@13.1.1
npm ERR!
npm ERR! A complete log of this run can be found in:
npm ERR!     /home/runner/.npm/_logs/2026-11-21T10_00_00_000Z-debug-0.log
"""
NPM10_RESET = """\
npm error code ECONNRESET
npm error syscall read
npm error errno ECONNRESET
npm error network request to https://registry.npmjs.org/lodash failed, reason: read ECONNRESET
npm error network This is a problem related to network connectivity.
npm error A complete log of this run can be found in: /home/runner/.npm/_logs/x-debug-0.log
"""
NPM_503 = """\
npm ERR! code E503
npm ERR! 503 Service Unavailable - GET https://registry.npmjs.org/left-pad - Service Unavailable
"""
NPM_SCRIPT = """\
> app@1.0.0 build
> node build.js

npm ERR! Lifecycle script `build` failed with error:
npm ERR! Error: command failed
npm ERR!   in workspace: app
"""
ESLINT = """\

/home/runner/work/app/app/src/index.js
   1:10  error    'foo' is defined but never used  no-unused-vars
   2:1   warning  Unexpected console statement     no-console
   4:5   error    Parsing error: Unexpected token

/home/runner/work/app/app/src/util.ts
  12:3  error  Missing return type on function  @typescript-eslint/explicit-function-return-type

\u2716 3 problems (2 errors, 1 warning)
"""
TSC = """\
src/index.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.
src/index.ts:9:15 - error TS2339: Property 'foo' does not exist on type 'Bar'.

9 const y = bar.foo;
                ~~~

Found 2 errors in the same file, starting at: src/index.ts:3
"""
JEST = """\
 FAIL  src/sum.test.js (5.123 s)
  math
    \u2715 adds numbers (3 ms)
    \u2713 subtracts (1 ms)

  \u25cf math \u203a adds numbers

    expect(received).toBe(expected) // Object.is equality

    Expected: 4
    Received: 3

      3 | describe("math", () => {
      4 |   test("adds numbers", () => {
    > 5 |     expect(sum(1, 2)).toBe(4);
        |                       ^
      6 |   });

      at Object.toBe (src/sum.test.js:5:23)
      at Promise.then.completed (node_modules/jest-circus/build/utils.js:298:28)

 PASS  src/other.test.js
Summary of all failing tests
 FAIL  src/sum.test.js
  \u25cf math \u203a adds numbers

    expect(received).toBe(expected) // Object.is equality

      at Object.toBe (src/sum.test.js:5:23)

Test Suites: 1 failed, 1 passed, 2 total
Tests:       1 failed, 2 passed, 3 total
"""
PYRIGHT = """\
/home/runner/work/app/app/src/mod.py
  /home/runner/work/app/app/src/mod.py:3:12 - error: Type "int" is not assignable to return \
type "str"
    "int" is not assignable to "str" (reportReturnType)
  /home/runner/work/app/app/src/mod.py:7:1 - warning: Import "yaml" could not be resolved
1 error, 1 warning, 0 informations
"""
FLAKE8 = """\
./src/mod.py:1:1: F401 'os' imported but unused
./src/mod.py:10:80: E501 line too long (88 > 79 characters)
"""
PYLINT = """\
************* Module mod
src/mod.py:1:0: C0114: Missing module docstring (missing-module-docstring)
src/mod.py:3:4: W0612: Unused variable 'x' (unused-variable)

-----------------------------------
Your code has been rated at 5.00/10
"""
FORMATTERS = """\
would reformat /home/runner/work/app/app/src/mod.py

Oh no! \U0001f4a5 \U0001f494 \U0001f4a5
1 file would be reformatted, 12 files would be left unchanged.
ERROR: /home/runner/work/app/app/src/other.py Imports are incorrectly sorted and/or formatted.
Checking formatting...
[warn] src/index.js
[warn] Code style issues found in the above file. Run Prettier with --write to fix.
"""
PIP_CONFLICT = """\
Collecting piper-tts
ERROR: Cannot install piper-tts==1.1.0 and piper-tts==1.2.0 because these package versions have \
conflicting dependencies.

The conflict is caused by:
    piper-tts 1.2.0 depends on piper-phonemize~=1.1.0
    piper-tts 1.1.0 depends on piper-phonemize~=1.0.0

To fix this you could try to:
1. loosen the range of package versions you've specified
2. remove package versions to allow pip to attempt to solve the dependency conflict

ERROR: ResolutionImpossible: for help visit \
https://pip.pypa.io/en/latest/topics/dependency-resolution/#dealing-with-dependency-conflicts
"""
PIP_MISSING = """\
ERROR: Could not find a version that satisfies the requirement nosuchpkg==9 (from versions: none)
ERROR: No matching distribution found for nosuchpkg==9
"""
PIP_RETRIED = """\
WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after \
connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object \
at 0x7f>: Failed to establish a new connection: [Errno 101] Network is unreachable')': /simple/x/
ERROR: Could not find a version that satisfies the requirement requests (from versions: none)
ERROR: No matching distribution found for requests
"""
PIP_503 = "ERROR: HTTP error 503 while getting https://files.pythonhosted.org/packages/x.whl\n"
UV = """\
  \u00d7 No solution found when resolving dependencies:
  \u2570\u2500\u25b6 Because only requests<=2.31 is available and you require requests>=3, we can
      conclude that your requirements are unsatisfiable.
"""
RUSTC = """\
   Compiling app v0.1.0 (/home/runner/work/app/app)
error[E0425]: cannot find value `y` in this scope
 --> src/main.rs:3:5
  |
3 |     y
  |     ^ not found in this scope

error: could not compile `app` (bin "app") due to 1 previous error
"""
LINKER = """\
/usr/bin/ld: /tmp/ccXYZ.o: in function `main':
main.c:(.text+0x1d): undefined reference to `undefined_fn'
collect2: error: ld returned 1 exit status
make: *** [Makefile:2: all] Error 1
"""
HEAP = """\
<--- Last few GCs --->
FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory
"""
KILLED = "/home/runner/work/_temp/5f1c.sh: line 1:  2345 Killed                  python train.py\n"
DNS = """\
fatal: unable to access 'https://github.com/acme/dep.git/': Could not resolve host: github.com
"""
PYTEST_TIMEOUT = """\
+++++++++++++++++++++++++++++++++++ Timeout ++++++++++++++++++++++++++++++++++++
=========================== short test summary info ============================
FAILED tests/test_slow.py::test_hang - Failed: Timeout >5.0s
============================== 1 failed in 5.12s ===============================
"""


def summary(failures: list[Failure]) -> list[tuple[str, ...]]:
    return [
        (str(f.kind), f.tool, f.test_id or "", str(f.location or ""), f.code or "")
        for f in failures
    ]


# Jest 29.7 (Babel's parser) on a test file with a syntax error; the workspace is a runner's.
JEST_PARSE = "\n".join(
    [
        "FAIL __tests__/syntax.test.js",
        "  ● Test suite failed to run",
        "",
        "    Jest encountered an unexpected token",
        "",
        "    Jest failed to parse a file. This happens e.g. when your code or i"
        "ts dependencies use non-standard JavaScript syntax, or when Jest is no"
        "t configured to support such syntax.",
        "",
        "    Out of the box Jest supports Babel, which will be used to transfor"
        "m your files into valid JS based on your Babel configuration.",
        "",
        '    By default "node_modules" folder is ignored by transformers.',
        "",
        "    Here's what you can do:",
        "     • If you are trying to use ECMAScript Modules, see https://jestjs"
        ".io/docs/ecmascript-modules for how to enable it.",
        "     • If you are trying to use TypeScript, see https://jestjs.io/docs"
        "/getting-started#using-typescript",
        '     • To have some of your "node_modules" files transformed, you can '
        'specify a custom "transformIgnorePatterns" in your config.',
        '     • If you need a custom transformation specify a "transform" option in your config.',
        "     • If you simply want to mock your non-JS modules (e.g. binary ass"
        'ets) you can stub them out with the "moduleNameMapper" config option.',
        "",
        "    You'll find more details and examples of these config options in the docs:",
        "    https://jestjs.io/docs/configuration",
        "    For information about custom transformations, see:",
        "    https://jestjs.io/docs/code-transformation",
        "",
        "    Details:",
        "",
        "    SyntaxError: /home/runner/work/app/app/__tests__/syntax.test.js: U"
        "nexpected token (1:10)",
        "",
        "    > 1 | const x = ;",
        "        |           ^",
        "      2 |",
        "",
        "      at constructor (node_modules/@babel/parser/src/parse-error.ts:96:45)",
        "      at Parser.toParseError [as raise] (node_modules/@babel/parser/sr"
        "c/tokenizer/index.ts:1563:19)",
        "      at Parser.raise [as unexpected] (node_modules/@babel/parser/src/"
        "tokenizer/index.ts:1603:16)",
        "      at Parser.unexpected [as parseExprAtom] (node_modules/@babel/par"
        "ser/src/parser/expression.ts:1442:22)",
        "      at Parser.parseExprAtom [as parseExprSubscripts] (node_modules/@"
        "babel/parser/src/parser/expression.ts:788:23)",
        "      at Parser.parseExprSubscripts [as parseUpdate] (node_modules/@ba"
        "bel/parser/src/parser/expression.ts:767:21)",
        "",
        "Test Suites: 1 failed, 1 total",
        "",
    ]
)


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        (NPM_ERESOLVE, [("dependency", "npm", "", "", "ERESOLVE")]),
        (NPM10_RESET, [("network", "npm", "", "", "ECONNRESET")]),
        (NPM_503, [("network", "npm", "", "", "E503")]),
        (NPM_SCRIPT, []),
        (
            ESLINT,
            [
                ("lint", "eslint", "", "src/index.js:1", "no-unused-vars"),
                ("build", "eslint", "", "src/index.js:4", ""),
                (
                    "lint",
                    "eslint",
                    "",
                    "src/util.ts:12",
                    "@typescript-eslint/explicit-function-return-type",
                ),
            ],
        ),
        (
            TSC,
            [
                ("type", "tsc", "", "src/index.ts:3", "TS2322"),
                ("type", "tsc", "", "src/index.ts:9", "TS2339"),
            ],
        ),
        (
            JEST,
            [
                (
                    "test",
                    "jest",
                    "src/sum.test.js::math \u203a adds numbers",
                    "src/sum.test.js:5",
                    "",
                )
            ],
        ),
        (PYRIGHT, [("type", "pyright", "", "src/mod.py:3", "")]),
        (
            FLAKE8,
            [
                ("lint", "flake8", "", "src/mod.py:1", "F401"),
                ("lint", "flake8", "", "src/mod.py:10", "E501"),
            ],
        ),
        (
            PYLINT,
            [
                ("lint", "pylint", "", "src/mod.py:1", "C0114"),
                ("lint", "pylint", "", "src/mod.py:3", "W0612"),
            ],
        ),
        (
            FORMATTERS,
            [
                ("format", "black", "", "src/mod.py", ""),
                ("format", "isort", "", "src/other.py", ""),
                ("format", "prettier", "", "src/index.js", ""),
            ],
        ),
        (PIP_CONFLICT, [("dependency", "pip", "", "", "")]),
        (PIP_MISSING, [("dependency", "pip", "", "", "")]),
        (PIP_RETRIED, [("network", "pip", "", "", "")]),
        (PIP_503, [("network", "pip", "", "", "")]),
        (UV, [("dependency", "uv", "", "", "")]),
        (RUSTC, [("build", "rustc", "", "src/main.rs:3", "E0425")]),
        (LINKER, [("build", "ld", "", "main.c", "")]),
        (HEAP, [("oom", "log", "", "", "")]),
        (DNS, [("network", "log", "", "", "")]),
        (
            PYTEST_TIMEOUT,
            [
                ("timeout", "log", "", "", ""),
                ("test", "pytest", "tests/test_slow.py::test_hang", "", ""),
            ],
        ),
    ],
)
def test_tool_output(tmp_path: Path, output: str, expected: list[tuple[str, ...]]) -> None:
    assert summary(failures_of(tmp_path, output)) == expected


def test_npm_and_pip_messages(tmp_path: Path) -> None:
    [npm] = failures_of(tmp_path, NPM_ERESOLVE)
    assert npm.message == "ERESOLVE: ERESOLVE unable to resolve dependency tree"
    assert "peer react" in "\n".join(npm.context)
    [pip] = failures_of(tmp_path, PIP_CONFLICT)
    assert pip.message == (
        "cannot install piper-tts==1.1.0 and piper-tts==1.2.0: conflicting dependencies"
    )
    assert any("depends on piper-phonemize~=1.1.0" in line for line in pip.context)
    [retried] = failures_of(tmp_path, PIP_RETRIED)
    assert retried.message == "requests: download failed after 1 retries"


def test_runner_messages(tmp_path: Path) -> None:
    timeout = (
        "##[error]The job running on runner GitHub Actions 3 has exceeded the maximum execution "
        "time of 5 minutes.\n##[error]The operation was canceled.\n"
    )
    assert [str(f.kind) for f in failures_of(tmp_path, timeout, None)] == ["timeout", "cancelled"]
    step = "##[error]The action 'Run tests' has timed out after 10 minutes.\n"
    assert [str(f.kind) for f in failures_of(tmp_path, step, None)] == ["timeout"]
    lost = (
        "##[error]The runner has received a shutdown signal. This can happen when the runner "
        "service is stopped, or a manually started runner is canceled.\n"
    )
    assert [str(f.kind) for f in failures_of(tmp_path, lost, None)] == ["runner-lost"]
    generic = "##[error]Coverage 71% is below the required 80%\n"
    [error] = failures_of(tmp_path, generic, None)
    assert (str(error.kind), error.message) == ("error", "Coverage 71% is below the required 80%")
    reset = "##[error]Error: read ECONNRESET\n"
    assert [str(f.kind) for f in failures_of(tmp_path, reset, None)] == ["network"]


def test_exit_codes_137_and_143(tmp_path: Path) -> None:
    [kill, oom] = failures_of(tmp_path, KILLED, 137)
    assert (str(kill.kind), str(oom.kind)) == ("oom", "oom")
    assert oom.message.startswith("exit code 137")
    [term] = failures_of(tmp_path, "terminating\n", 143)
    assert str(term.kind) == "cancelled"


def test_retry_notices_are_not_failures(tmp_path: Path) -> None:
    notice = (
        "WARNING: Retrying (Retry(total=4)) after connection broken by "
        "'ConnectionResetError(104, 'Connection reset by peer')': /simple/x/\n"
        "Successfully installed x-1.0\n"
    )
    assert failures_of(tmp_path, notice) == []


def test_lazy_patterns_match_as_compiled_ones_before_and_after_first_use() -> None:
    import re

    from ci_agent.triage.extractor import LazyPattern

    source = r"^(\S.*?):(\d+):(\d+): error: (.+)$"
    texts = ["src/a.c:3:7: error: boom", "no match here", "x:1:2: error: again"]
    for method in ("match", "search"):
        lazy = LazyPattern(source)
        for _ in range(2):  # the first call compiles, the next ones use the compiled pattern
            for text in texts:
                got = getattr(lazy, method)(text)
                want = getattr(re.compile(source), method)(text)
                assert (got and got.groups()) == (want and want.groups())
    assert LazyPattern(r"\.py$").search("a.txt") is None
    assert LazyPattern(r"a+", re.IGNORECASE).compiled() is re.compile(r"a+", re.IGNORECASE)


def test_every_lazy_pattern_of_the_extractors_compiles() -> None:
    # Compiled on first use, a broken pattern would no longer fail at import: compile them all.
    import importlib
    import pkgutil

    import ci_agent.triage.extractors as package
    from ci_agent.triage.extractor import LazyPattern

    found = 0
    for module_info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, LazyPattern):
                assert value.compiled().pattern == value.source
                found += 1
    assert found >= 40


def test_a_jest_suite_that_does_not_parse_is_located(tmp_path: Path) -> None:
    """Jest 29's "Test suite failed to run" for a file Babel cannot parse: the failure is the
    suite's, located at Babel's line and column, its message the syntax error."""
    [failure] = failures_of(tmp_path, JEST_PARSE)
    assert failure.test_id == "__tests__/syntax.test.js"
    assert failure.message == "SyntaxError: Unexpected token"
    assert failure.location is not None
    assert (failure.location.path, failure.location.line) == ("__tests__/syntax.test.js", 1)
