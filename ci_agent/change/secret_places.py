"""Where secrets live around a test run, so the sandbox can hide them.

* Variables: the job's tokens and keys (a clean environment keeps them out of the command;
  a fresh PID namespace keeps ancestors' ``/proc/<pid>/environ`` out of sight).
* Files: ``$RUNNER_TEMP`` (actions/checkout's credentials file, the runner's command files,
  ci-agent's own environment), the GitHub CLI's ``hosts.yml``, ``.git-credentials``,
  ``.netrc``, ``.pypirc``, docker's ``config.json``, the runner's own ``.credentials``.
* git configuration: ``http.<url>.extraheader`` (actions/checkout's token), credential
  helpers, URLs with a user and password, and files included from the configuration.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "SECRET_NAME",
    "Mounts",
    "ancestor_pids",
    "hidden_mounts",
    "sanitized_git_config",
    "secrets_in_reach",
]

SECRET_NAME = re.compile(
    r"TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE|_KEY$|API_?KEY|^KEY$", re.IGNORECASE
)
# Files under $HOME (or $XDG_CONFIG_HOME) that hold credentials by convention.
HOME_FILES = (
    ".config/gh",
    ".git-credentials",
    ".config/git/credentials",
    ".netrc",
    ".pypirc",
    ".docker/config.json",
    ".config/hub",
    ".npmrc",
)
RUNNER_FILES = (".credentials", ".credentials_rsaparams", ".runner")
# Only these git settings survive into the sandbox's copy of a configuration file.
_KEPT_GIT = re.compile(
    r"^(core\.(repositoryformatversion|filemode|bare|logallrefupdates|ignorecase|symlinks|"
    r"precomposeunicode|autocrlf|eol|safecrlf|quotepath)|extensions\.[^.]+|"
    r"remote\.[^\n]+\.(url|fetch)|branch\.[^\n]+\.(remote|merge)|user\.(name|email))$"
)


@dataclass(frozen=True)
class Mounts:
    """What the sandbox hides (masks), replaces (target, sanitized copy) and keeps visible."""

    masks: tuple[str, ...]
    replace: tuple[tuple[str, str], ...]
    keep: tuple[str, ...]


def ancestor_pids(pid: int | None = None) -> Iterator[int]:
    """The parent, grandparent, ... of ``pid`` (this process) as /proc tells; empty elsewhere."""
    current = os.getpid() if pid is None else pid
    for _ in range(64):
        try:
            status = Path(f"/proc/{current}/status").read_text(encoding="utf-8")
        except OSError:
            return
        match = re.search(r"^PPid:\s+(\d+)$", status, re.MULTILINE)
        if match is None or int(match[1]) <= 0:
            return
        current = int(match[1])
        yield current


def secrets_in_reach(environ: Mapping[str, str]) -> tuple[str, ...]:
    """Secret-looking variables with a value in this environment or a readable ancestor's."""
    found = [f"{name} (this process)" for name, value in environ.items() if _secret(name, value)]
    for pid in ancestor_pids():
        try:
            raw = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        for entry in raw.split(b"\0"):
            name, _, value = entry.decode("utf-8", "replace").partition("=")
            if _secret(name, value):
                found.append(f"{name} (process {pid})")
    return tuple(dict.fromkeys(found))


def _secret(name: str, value: str) -> bool:
    return bool(value.strip()) and SECRET_NAME.search(name) is not None


def hidden_mounts(
    environ: Mapping[str, str], git_dir: Path | None, scratch: Path, keep: tuple[str, ...]
) -> Mounts:
    """The masks and sanitized git configuration copies (written into ``scratch``)."""
    masks: list[str] = []
    runner_temp = environ.get("RUNNER_TEMP", "")
    if runner_temp:
        masks.append(os.path.realpath(runner_temp))
    home = environ.get("HOME", "")
    if home:
        masks.extend(os.path.realpath(Path(home) / name) for name in HOME_FILES)
    config_home = environ.get("XDG_CONFIG_HOME", "")
    if config_home:
        masks.append(os.path.realpath(Path(config_home) / "gh"))
    masks.extend(_runner_credentials())
    replace: list[tuple[str, str]] = []
    configs = [Path(git_dir) / "config"] if git_dir is not None else []
    if home:
        configs.append(Path(home) / ".gitconfig")
    for number, config in enumerate(configs):
        if config.is_file():
            copy = scratch / f"gitconfig-{number}"
            included = sanitized_git_config(config, copy)
            replace.append((os.path.realpath(config), str(copy)))
            masks.extend(included)
    return Mounts(tuple(dict.fromkeys(masks)), tuple(replace), keep)


def sanitized_git_config(source: Path, target: Path) -> tuple[str, ...]:
    """Write ``target`` with the harmless settings of ``source`` only (URLs lose their user
    and password); return the files ``source`` includes, which are masked instead."""
    listed = _git("config", "--file", str(source), "--null", "--list")
    target.write_bytes(b"")
    included: list[str] = []
    for entry in listed.split("\0"):
        key, _, value = entry.partition("\n")
        lowered = key.lower()
        if lowered.startswith(("include.", "includeif.")) and lowered.endswith(".path"):
            path = Path(value).expanduser()
            included.append(os.path.realpath(path if path.is_absolute() else source.parent / path))
            continue
        if not key or not _KEPT_GIT.match(lowered):
            continue
        if lowered.endswith(".url"):
            value = _without_userinfo(value)
        _git("config", "--file", str(target), "--add", key, value)
    return tuple(included)


def _without_userinfo(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if "@" not in parts.netloc or not parts.scheme:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def _git(*args: str) -> str:
    env = {"PATH": os.environ.get("PATH", os.defpath), "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run(
        ["git", *args], capture_output=True, env=env, check=False, stdin=subprocess.DEVNULL
    )
    return done.stdout.decode("utf-8", "replace")


def _runner_credentials() -> list[str]:
    """The Actions runner's own credential files, found through its process among ours."""
    found: list[str] = []
    for pid in ancestor_pids():
        try:
            exe = Path(f"/proc/{pid}/exe").readlink()
        except OSError:
            continue
        if exe.name in {"Runner.Worker", "Runner.Listener"}:
            root = exe.parent.parent
            found.extend(str(root / name) for name in RUNNER_FILES)
    return found
