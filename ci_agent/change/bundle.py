"""The change bundle: what an unprivileged job (the fix job) hands the privileged job that posts
or pushes.

The privileged side treats a bundle as hostile: the job that wrote it ran the pull request's
code. :func:`read_bundle` accepts only a small, exact JSON shape; :func:`check_bundle`
re-derives the changes from the pull request's files on GitHub (nothing of the pull request
is checked out or run) and applies the patch policy to them again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ci_agent.atomic import write_bytes_atomically
from ci_agent.change.edits import Change, safe_path
from ci_agent.change.policy import PatchPolicy, check_changes
from ci_agent.diff import FileDiff, parse_diff
from ci_agent.errors import CiAgentError, fail
from ci_agent.forge.protocol import ContentReader
from ci_agent.git import Git

__all__ = [
    "MAX_BUNDLE_BYTES",
    "MAX_BUNDLE_FILES",
    "SCHEMA",
    "ChangeBundle",
    "bundle_paths",
    "check_bundle",
    "path_problem",
    "read_bundle",
    "write_bundle",
]

SCHEMA = 1
MAX_BUNDLE_BYTES = 5 * 1024 * 1024
MAX_BUNDLE_FILES = 50  # each file is one API read in check_bundle
MAX_TITLE = 256
_KEYS = (
    "schema",
    "repository",
    "head_sha",
    "run_id",
    "title",
    "created_at",
    "diff",
    "diff_sha256",
    "evidence",
)
_SHA1 = re.compile(r"[0-9a-f]{40}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
# GitHub's rules: owners are alphanumerics and single hyphens, repositories also . and _.
_REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ChangeBundle:
    """A verified change for one commit, keyed by the workflow run whose job made it."""

    repository: str
    head_sha: str
    run_id: int
    diff: str
    title: str
    evidence: dict[str, Any]
    created_at: str
    schema: int = SCHEMA

    @property
    def diff_sha256(self) -> str:
        """The SHA-256 of the diff's UTF-8 bytes, hex."""
        return hashlib.sha256(self.diff.encode("utf-8")).hexdigest()

    def to_json(self) -> str:
        """The bundle as JSON, with ``diff_sha256``."""
        data = asdict(self)
        ordered = {key: data[key] for key in _KEYS if key in data}
        ordered["diff_sha256"] = self.diff_sha256
        return json.dumps(ordered, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def write_bundle(path: Path, bundle: ChangeBundle) -> Path:
    """Write ``bundle`` to ``path`` atomically; CA532 for a bundle ``read_bundle`` would refuse."""
    try:
        text = bundle.to_json()
    except (TypeError, ValueError) as exc:  # evidence holding NaN or non-JSON values
        raise fail("CA532", name=path.name, problem=f"it is not JSON ({exc})") from None
    problem = _problem(json.loads(text))
    if problem is None and len(text.encode("utf-8")) > MAX_BUNDLE_BYTES:
        problem = f"it would be larger than {MAX_BUNDLE_BYTES} bytes"
    if problem is not None:
        raise fail("CA532", name=path.name, problem=problem)
    # A reader sees the old file or the whole new one, never a part.
    write_bytes_atomically(path, text.encode("utf-8"))
    return path


def read_bundle(path: Path, *, name: str | None = None) -> ChangeBundle:
    """Read and validate a bundle; CA532 naming ``name`` (default: the file name) and the
    first problem found."""
    label = name or path.name

    def invalid(problem: str) -> CiAgentError:
        return fail("CA532", name=label, problem=problem)

    raw = _read_capped(path, invalid)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise invalid(f"it is not UTF-8 text (byte {exc.start})") from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise invalid(f"it is not JSON ({exc.msg} at line {exc.lineno})") from None
    except ValueError as exc:
        raise invalid(str(exc)) from None
    except RecursionError:
        raise invalid("its JSON is nested too deeply") from None
    problem = _problem(data)
    if problem is not None:
        raise invalid(problem)
    return ChangeBundle(
        repository=data["repository"],
        head_sha=data["head_sha"],
        run_id=data["run_id"],
        diff=data["diff"],
        title=data["title"],
        evidence=data["evidence"],
        created_at=data["created_at"],
        schema=data["schema"],
    )


def _read_capped(path: Path, invalid: Callable[[str], CiAgentError]) -> bytes:
    """At most MAX_BUNDLE_BYTES of a regular file (a symlink is not followed)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise invalid("the file does not exist") from None
    except OSError as exc:
        raise invalid(f"the file cannot be read ({exc.strerror or exc})") from None
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):  # a directory, a FIFO that would block, a device
        os.close(descriptor)
        raise invalid("it is not a regular file")
    with os.fdopen(descriptor, "rb") as handle:
        if info.st_size > MAX_BUNDLE_BYTES:
            raise invalid(f"it is {info.st_size} bytes; the limit is {MAX_BUNDLE_BYTES}")
        raw = handle.read(MAX_BUNDLE_BYTES + 1)
    if len(raw) > MAX_BUNDLE_BYTES:  # it grew while being read
        raise invalid(f"it is over {MAX_BUNDLE_BYTES} bytes")
    return raw


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing repeated keys (readers disagree on which one wins)."""
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise ValueError(f"its JSON repeats the key {_show(key)}")
        data[key] = value
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"its JSON holds {name}, which is not JSON")


def _show(value: Any) -> str:
    """A short, printable rendering of untrusted input for a message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _text(value: Any) -> bool:
    """Whether every string in ``value`` (keys too) is valid Unicode (no lone surrogates)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_text(k) and _text(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_text(v) for v in value)
    return True


def _problem(data: Any) -> str | None:
    """What is wrong with a bundle's JSON data, or None."""
    if not isinstance(data, dict):
        return "it is not a JSON object"
    schema = data.get("schema")
    if "schema" not in data:
        return "it has no schema"
    if type(schema) is not int or schema != SCHEMA:
        return f"schema {_show(schema)} is not supported (this ci-agent reads {SCHEMA})"
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        return "unknown keys: " + ", ".join(_show(k) for k in unknown)
    missing = [key for key in _KEYS if key not in data]
    if missing:
        return "missing keys: " + ", ".join(missing)
    for key in ("repository", "head_sha", "title", "created_at", "diff", "diff_sha256"):
        if not isinstance(data[key], str):
            return f"{key} must be a string, not {type(data[key]).__name__}"
    if type(data["run_id"]) is not int:
        return f"run_id must be an integer, not {type(data['run_id']).__name__}"
    if not isinstance(data["evidence"], dict):
        return f"evidence must be a JSON object, not {type(data['evidence']).__name__}"
    for key in _KEYS:
        if not _text(data[key]):
            return f"{key} holds text that is not valid Unicode"
    return _field_problem(data)


def _field_problem(data: Mapping[str, Any]) -> str | None:
    """What is wrong with the values of a well-typed bundle, or None."""
    repository = data["repository"]
    if not _REPOSITORY.fullmatch(repository) or repository.endswith(("/.", "/..")):
        return f"repository must be owner/name, not {_show(repository)}"
    if not _SHA1.fullmatch(data["head_sha"]):
        return f"head_sha must be 40 lowercase hex digits, not {_show(data['head_sha'])}"
    if not 0 < data["run_id"] < 2**63:
        return f"run_id must be a positive integer, not {data['run_id']}"
    title = data["title"]
    if not title.strip() or len(title) > MAX_TITLE or _CONTROL.search(title):
        return f"title must be one line of 1 to {MAX_TITLE} characters"
    try:
        created = datetime.fromisoformat(data["created_at"])
    except ValueError:
        return f"created_at must be an ISO 8601 time, not {_show(data['created_at'])}"
    if created.tzinfo is None:
        return "created_at must carry a time zone"
    status = data["evidence"].get("status", "verified")
    if not data["diff"].strip():
        # A bundle without a patch reports a refusal; a verified one must carry its patch.
        return "the diff is empty" if status == "verified" else _empty_diff_problem(data)
    if not _SHA256.fullmatch(data["diff_sha256"]):
        return "diff_sha256 must be 64 lowercase hex digits"
    digest = hashlib.sha256(data["diff"].encode("utf-8")).hexdigest()
    if digest != data["diff_sha256"]:
        return f"the diff does not match diff_sha256 (its SHA-256 is {digest})"
    try:
        files = _parse(data["diff"])
    except ValueError as exc:
        return str(exc)
    return next((p for f in files for p in _file_path_problems(f)), None)


def _empty_diff_problem(data: Mapping[str, Any]) -> str | None:
    """What is wrong with a bundle that reports no patch, or None."""
    if data["diff"]:
        return "the diff holds only white space"
    if data["diff_sha256"] != hashlib.sha256(b"").hexdigest():
        return "diff_sha256 is not the SHA-256 of the empty diff"
    return None


def _parse(diff: str) -> list[FileDiff]:
    """The files of ``diff``; ValueError when it is no unified diff or changes no file."""
    try:
        files = parse_diff(diff)
    except Exception as exc:  # unidiff raises its own error and others on hostile input
        raise ValueError(f"the diff is not a unified diff ({_show(str(exc))})") from None
    if not files:
        raise ValueError("the diff changes no file")
    return files


def _file_path_problems(file: FileDiff) -> Iterator[str]:
    for name in (file.path, file.old_path):
        if name is None:
            continue
        problem = path_problem(name)
        if problem is not None:
            yield f"the diff path {_show(name)} {problem}"


def path_problem(path: str) -> str | None:
    """Why ``path`` may not appear in a fix (absolute, ``..``, inside ``.git``), or None."""
    if not path or _CONTROL.search(path):
        return "is empty or holds control characters"
    if path.startswith("/") or "\\" in path or re.match(r"[A-Za-z]:", path):
        return "is absolute or not a POSIX path"
    parts = path.split("/")
    if ".." in parts:
        return "climbs out of the repository with '..'"
    if any(part in ("", ".") for part in parts):
        return "is not a normal relative path"
    # Case and trailing dots or spaces: how .git is spelled on Windows and macOS file systems.
    if any(part.lower().rstrip(". ") == ".git" for part in parts):
        return "is inside .git"
    return None


# --- checking a bundle against the pull request's files ---

# The throwaway repository ignores the machine's git configuration and any GIT_DIR or index
# inherited from the environment.
_APPLY = ("apply", "--whitespace=nowarn")


def _isolated(root: Path) -> dict[str, str]:
    return {
        "GIT_DIR": str(root / ".git"),
        "GIT_WORK_TREE": str(root),
        "GIT_INDEX_FILE": str(root / ".git" / "index"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }


def check_bundle(
    reader: ContentReader, bundle: ChangeBundle, policy: PatchPolicy
) -> tuple[Change, ...]:
    """The changes ``bundle`` makes to the files at ``bundle.head_sha``, re-checked.

    The files come from ``reader`` (nothing is checked out or run); the diff is applied in a
    throwaway repository. CA533 for new, deleted, renamed, binary or mode-changed files, or
    what the patch policy refuses; CA231 when the diff does not apply.
    """
    files = _modified_files(bundle.diff)
    with tempfile.TemporaryDirectory(prefix="ci-agent-bundle-") as scratch:
        root = Path(scratch) / "tree"
        root.mkdir()
        patch = Path(scratch) / "fix.patch"
        patch.write_bytes(bundle.diff.encode("utf-8"))
        env = _isolated(root)
        git = Git(root)
        git.run("init", "--quiet", "--template=", env=env)
        git.run("config", "core.hooksPath", os.devnull, env=env)
        _same_as_git(git, env, patch, files)
        before: dict[str, bytes] = {}
        for name in files:
            target = safe_path(root, name)
            if target is None:  # path_problem passed: cannot happen, but never write outside
                raise fail("CA533", problem=f"{name}: the path is outside the repository")
            before[name] = reader.file_contents(name, bundle.head_sha)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(before[name])
        try:
            git.run(*_APPLY, "--check", str(patch), env=env)
            git.run(*_APPLY, str(patch), env=env)
        except CiAgentError as exc:
            if exc.code != "CA203":
                raise
            raise fail("CA231", sha=bundle.head_sha, problem=exc.context["problem"]) from None
        extra = sorted(set(_files_under(root)) - set(files))
        if extra:
            raise fail("CA533", problem=f"the patch creates {', '.join(extra)}")
        found = [_change(name, before[name], root) for name in files]
    changes = tuple(change for change in found if change.before != change.after)
    if not changes:
        raise fail("CA533", problem="the patch changes nothing")
    reasons = check_changes(changes, policy)
    if reasons:
        raise fail("CA533", problem="; ".join(reasons))
    return changes


def bundle_paths(diff: str) -> list[str]:
    """The files a bundle's diff modifies in place; CA533 for anything else it does."""
    return _modified_files(diff)


def _modified_files(diff: str) -> list[str]:
    """The files ``diff`` modifies in place; CA533 for anything else it does."""
    try:
        parsed = _parse(diff)
    except ValueError as exc:
        raise fail("CA533", problem=str(exc)) from None
    if len(parsed) > MAX_BUNDLE_FILES:
        raise fail(
            "CA533", problem=f"the patch touches {len(parsed)} files; at most {MAX_BUNDLE_FILES}"
        )
    names: list[str] = []
    for file in parsed:
        problem = next(_file_path_problems(file), None)
        if problem is None:
            problem = _shape_problem(file)
        if problem is not None:
            raise fail("CA533", problem=problem)
        if file.path in names:
            raise fail("CA533", problem=f"{file.path}: patched twice in one diff")
        names.append(file.path)
    return names


def _shape_problem(file: FileDiff) -> str | None:
    """Why a fix may not make this kind of change, or None for an in-place text edit."""
    if file.is_binary:
        return f"{file.path}: a binary patch"
    if file.status == "added":
        return f"{file.path}: creates a file (a fix changes existing files only)"
    if file.status == "deleted":
        return f"{file.path}: deletes the file"
    if file.status in ("renamed", "copied"):
        return f"{file.path}: {file.status} from {file.old_path}"
    if file.old_mode != file.new_mode:
        return f"{file.path}: changes the file mode"
    if not file.hunks:
        return f"{file.path}: no change to its text"
    return None


def _same_as_git(git: Git, env: Mapping[str, str], patch: Path, files: list[str]) -> None:
    """CA533 unless git reads the patch as the same in-place edits of the same files.

    The parser above and git may read a crafted diff differently; git is what applies it.
    """
    try:
        summary = git.run(*_APPLY, "--summary", str(patch), env=env)
    except CiAgentError as exc:
        if exc.code != "CA203":
            raise
        raise fail(
            "CA533", problem=f"git cannot read the patch: {exc.context['problem']}"
        ) from None
    if summary:
        lines = "; ".join(line.strip() for line in summary.splitlines())
        raise fail("CA533", problem=f"the patch creates, deletes or renames files ({lines})")
    numstat = git.run_bytes(*_APPLY, "--numstat", "-z", str(patch), env=env)
    seen: list[str] = []
    for entry in numstat.split(b"\0"):
        if not entry:
            continue
        added, _, rest = entry.partition(b"\t")
        _, _, name = rest.partition(b"\t")
        if added == b"-":
            raise fail("CA533", problem="the patch is binary")
        if not name:  # a rename or copy: two more NUL-separated names follow
            raise fail("CA533", problem="the patch renames or copies files")
        seen.append(name.decode("utf-8", errors="replace"))
    if sorted(seen) != sorted(files):
        raise fail(
            "CA533",
            problem=f"git reads the patch as changing {', '.join(seen) or 'nothing'}, "
            f"not {', '.join(files)}",
        )


def _files_under(root: Path) -> Iterator[str]:
    """Every non-directory entry under ``root`` but ``.git``, as a POSIX relative path."""
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        if here == root:
            with contextlib.suppress(ValueError):
                dirs.remove(".git")
        for entry in names:
            yield (here / entry).relative_to(root).as_posix()
        # Symlinks to directories are listed in dirs and not walked into: report them too.
        yield from (
            (here / d).relative_to(root).as_posix() for d in dirs if (here / d).is_symlink()
        )


def _change(name: str, before: bytes, root: Path) -> Change:
    """The file's text before and after; CA533 when either is not UTF-8 text."""
    target = root / name
    if target.is_symlink() or not target.is_file():
        raise fail("CA533", problem=f"{name}: the patch removes the file")
    after = target.read_bytes()
    try:
        return Change(name, before.decode("utf-8"), after.decode("utf-8"))
    except UnicodeDecodeError:
        raise fail("CA533", problem=f"{name}: not UTF-8 text") from None
