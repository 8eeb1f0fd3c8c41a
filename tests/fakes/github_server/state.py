"""The data store: users, tokens, repositories (each backed by a git repository on disk), ids,
the clock and the rate-limit counter. Tests seed and inspect it through ``fake.state``."""

from __future__ import annotations

import base64
import itertools
import threading
from dataclasses import dataclass
from pathlib import Path

from .blobs import BlobStore
from .clock import Clock
from .errors import not_found
from .git_backend import GitRepo
from .git_objects import Person
from .records import PERMISSIONS, Issue, User
from .repo_actions import ActionsMixin
from .repo_backup import BackupExtrasMixin
from .repo_checks import ChecksMixin
from .repo_issues import IssuesMixin
from .repo_pulls import PullsMixin
from .repo_reviews import ReviewsMixin

# Realistic magnitudes, one range per kind, so an id of one kind never names another.
_ID_BASES = {
    "user": 1000,
    "repo": 600_000_000,
    "issue": 2_600_000_000,
    "pull": 2_100_000_000,
    "issue_comment": 2_500_000_000,
    "review": 2_300_000_000,
    "review_comment": 1_800_000_000,
    "reaction": 300_000_000,
    "check_run": 31_000_000_000,  # Actions jobs are check runs: they share this sequence
    "check_suite": 28_000_000_000,
    "status": 33_000_000_000,
    "deployment": 1_900_000_000,
    "deployment_status": 2_900_000_000,
    "environment": 160_000_000,
    "run": 11_000_000_000,
    "workflow": 90_000_000,
    "artifact": 4_000_000_000,
    "release": 180_000_000,
    "asset": 200_000_000,
    "label": 7_000_000_000,
    "milestone": 12_000_000,
    "issue_event": 19_000_000_000,
}
_KNOWN_USERS = {"github-actions[bot]": 41898282, "dependabot[bot]": 49699333}


@dataclass
class RateLimit:
    """The core rate limit: ``used`` grows per request; the window resets every hour."""

    limit: int = 5000
    used: int = 0
    reset: int = 0

    @property
    def remaining(self) -> int:
        """Requests left in this window."""
        return max(self.limit - self.used, 0)


class RepoState(
    PullsMixin, ReviewsMixin, IssuesMixin, ChecksMixin, ActionsMixin, BackupExtrasMixin
):
    """One repository: its git repository and every object stored for it."""

    def __init__(self, store: Store, owner: str, name: str, git: GitRepo, **options: object):
        self.store = store
        self.owner, self.name, self.git = owner, name, git
        self.id = store.next_id("repo")
        self.node_id = store.node_id("R", self.id)
        self.default_branch = str(options.get("default_branch") or "main")
        self.private = bool(options.get("private", False))
        self.description = options.get("description")
        self.fork_of: str | None = options.get("fork_of")  # type: ignore[assignment]
        self.created_at = store.clock.now()
        self.permissions: dict[str, str] = {owner: "admin"}
        self.associations: dict[str, str] = {}
        self.issues: dict[int, Issue] = {}  # issues and PRs share one number sequence
        self._numbers = itertools.count(1)
        self.init_pulls()
        self.init_reviews()
        self.init_issues()
        self.init_checks()
        self.init_actions()
        self.init_backup_extras()

    @property
    def full_name(self) -> str:
        """``owner/name``."""
        return f"{self.owner}/{self.name}"

    def grant(self, login: str, permission: str, *, association: str | None = None) -> None:
        """Make ``login`` a collaborator with ``permission`` (admin/maintain/write/triage/read)."""
        if permission not in PERMISSIONS:
            raise ValueError(f"permission must be one of {PERMISSIONS}")
        self.store.user(login)
        self.permissions[login] = permission
        if association:
            self.associations[login] = association

    def association(self, login: str) -> str:
        """``author_association`` of ``login`` here (explicit override, else derived)."""
        if login in self.associations:
            return self.associations[login]
        if login == self.owner:
            return "OWNER"
        if self.permissions.get(login, "none") != "none":
            return "COLLABORATOR"
        authored = any(i.user == login and i.pull for i in self.issues.values())
        return "CONTRIBUTOR" if authored else "NONE"

    def commit(
        self,
        branch: str,
        files: dict[str, str | bytes | None],
        message: str = "Update files",
        *,
        parent: str | None = None,
        author: str = "Test Author",
        email: str = "author@example.com",
    ) -> str:
        """Commit ``files`` (path → content, None deletes) on ``branch``; returns the SHA.

        A new branch starts from ``parent`` (a branch or SHA; default: the default branch)."""
        person = Person(author, email, self.store.clock.now())
        start = parent or (None if branch == self.default_branch else self.default_branch)
        with self.store.lock:
            return self.git.commit_files(branch, files, message, person, parent=start)

    def next_number(self) -> int:
        """The next issue/PR number."""
        return next(self._numbers)

    def branch_sha(self, branch: str) -> str | None:
        """Head SHA of ``branch``."""
        return self.git.ref_sha(f"refs/heads/{branch}")


class Store:
    """Everything the fake knows; one lock serialises all reads and writes of state."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.lock = threading.RLock()
        self.clock = Clock()
        self.blobs = BlobStore(self.clock)
        self.users: dict[str, User] = {}
        self.repos: dict[str, RepoState] = {}
        self.tokens: dict[str, str] = {}  # token → login; empty: any token is the default user
        self.default_login = "github-actions[bot]"
        self.rate = RateLimit(reset=int(self.clock.timestamp()) + 3600)
        self.blob_base = ""  # set by the server: where short-lived download URLs point
        self._ids = {kind: itertools.count(base + 1) for kind, base in _ID_BASES.items()}

    def next_id(self, kind: str) -> int:
        """A new unique id of ``kind``."""
        return next(self._ids[kind])

    @staticmethod
    def node_id(prefix: str, number: int) -> str:
        """A GitHub-style global node id, e.g. ``PR_kwDOAJ2f3M5...``."""
        raw = base64.urlsafe_b64encode(number.to_bytes(8, "big")).decode().rstrip("=")
        return f"{prefix}_kwDO{raw}"

    def add_user(self, login: str, *, name: str | None = None, email: str | None = None) -> User:
        """Create (or return) user ``login``; ``[bot]`` logins are bots."""
        with self.lock:
            if login in self.users:
                return self.users[login]
            number = _KNOWN_USERS.get(login) or self.next_id("user")
            kind = "Bot" if login.endswith("[bot]") else "User"
            user = User(
                login,
                number,
                self.node_id("U" if kind == "User" else "BOT", number),
                type=kind,
                name=name,
                email=email,
            )
            self.users[login] = user
            return user

    user = add_user

    def add_token(self, token: str, login: str) -> None:
        """Accept ``token`` as ``login``; once any token is added, others get 401."""
        self.add_user(login)
        self.tokens[token] = login

    def create_repo(
        self,
        full_name: str,
        *,
        files: dict[str, str | bytes | None] | None = None,
        path: Path | None = None,
        default_branch: str = "main",
        private: bool = False,
        description: str | None = None,
        fork_of: str | None = None,
    ) -> RepoState:
        """A repository backed by the git repository at ``path`` (used in place), or by a new
        bare repository under the fake's directory, seeded with one commit of ``files``."""
        owner, _, name = full_name.partition("/")
        with self.lock:
            self.add_user(owner)
            git = (
                GitRepo(path)
                if path
                else GitRepo.init(self.root / owner / f"{name}.git", default_branch)
            )
            repo = RepoState(
                self,
                owner,
                name,
                git,
                default_branch=default_branch,
                private=private,
                description=description,
                fork_of=fork_of,
            )
            self.repos[full_name.lower()] = repo
            if files:
                repo.commit(default_branch, files, "Initial commit")
            return repo

    def fork_repo(self, source: RepoState, full_name: str) -> RepoState:
        """A fork of ``source``: a new repository with all of its branches."""
        fork = self.create_repo(
            full_name,
            default_branch=source.default_branch,
            private=source.private,
            fork_of=source.full_name,
        )
        fork.git.fetch(source.git.path, "refs/heads/*:refs/heads/*")
        return fork

    def get_repo(self, full_name: str) -> RepoState:
        """The repository, or GitHub's 404."""
        repo = self.repos.get(full_name.lower())
        if repo is None:
            raise not_found()
        return repo

    def repo_by_id(self, number: int) -> RepoState:
        """The repository with id ``number`` (for ``/repositories/{id}`` URLs), or 404."""
        for repo in self.repos.values():
            if repo.id == number:
                return repo
        raise not_found()
