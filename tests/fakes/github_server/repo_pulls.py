"""Pull requests of a repository: opening (same-repo and fork), head/base tracking, the diff
(merge base → head, as GitHub computes it), merging and closing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .diffs import FileDiff, parse_diff
from .errors import not_found, validation_failed
from .git_objects import Person
from .records import Issue, PullInfo

if TYPE_CHECKING:
    from .git_backend import GitRepo
    from .state import RepoState, Store

_CREATE_DOCS = "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"


@dataclass
class PullDiff:
    """A PR's changes: ``merge_base`` → ``head``, its commits and per-file diffs."""

    base: str
    head: str
    merge_base: str
    text: str
    files: list[FileDiff]
    commits: list[str]

    def file(self, path: str) -> FileDiff | None:
        """The changed file named ``path``."""
        return next((f for f in self.files if f.filename == path), None)


class PullsMixin:
    """Pull-request operations on ``RepoState``."""

    if TYPE_CHECKING:
        store: Store
        git: GitRepo
        issues: dict[int, Issue]
        default_branch: str

        @property
        def full_name(self) -> str: ...

        def next_number(self) -> int: ...

    def init_pulls(self) -> None:
        """Set up PR storage."""
        self._diff_cache: dict[tuple[str, str], PullDiff] = {}

    def open_pull(
        self,
        head: str,
        base: str | None = None,
        *,
        title: str = "Change",
        body: str | None = None,
        user: str = "octocat",
        draft: bool = False,
        head_repo: RepoState | None = None,
        labels: tuple[str, ...] | list[str] = (),
        maintainer_can_modify: bool = False,
    ) -> Issue:
        """Open a PR from branch ``head`` (of ``head_repo`` for a fork PR) into ``base``."""
        me: RepoState = self  # type: ignore[assignment]
        source = head_repo or me
        base = base or self.default_branch
        with self.store.lock:
            head_sha, base_sha = source.branch_sha(head), me.branch_sha(base)
            if head_sha is None or base_sha is None:
                field = "head" if head_sha is None else "base"
                raise validation_failed(
                    {"resource": "PullRequest", "field": field, "code": "invalid"},
                    documentation_url=_CREATE_DOCS,
                )
            self._check_new_pull(source, head, base, head_sha, base_sha)
            self.store.add_user(user)
            now = self.store.clock.now()
            pull_id = self.store.next_id("pull")
            number, issue_id = self.next_number(), self.store.next_id("issue")
            info = PullInfo(
                pull_id,
                self.store.node_id("PR", pull_id),
                source.full_name,
                head,
                base,
                head_sha,
                base_sha,
                draft=draft,
                maintainer_can_modify=maintainer_can_modify,
            )
            issue = Issue(
                issue_id,
                self.store.node_id("I", issue_id),
                number,
                title,
                user,
                now,
                now,
                body=body,
                labels=list(labels),
                pull=info,
            )
            for name in labels:
                self.ensure_label(name)  # type: ignore[attr-defined]
            self.issues[number] = issue
            self._sync_pull_ref(issue)
            return issue

    def _check_new_pull(
        self, source: RepoState, head: str, base: str, head_sha: str, base_sha: str
    ) -> None:
        label = f"{source.owner}:{head}"
        for other in self.issues.values():
            info = other.pull
            if (
                info
                and other.state == "open"
                and (info.head_repo, info.head_ref, info.base_ref) == (source.full_name, head, base)
            ):
                raise validation_failed(
                    {
                        "resource": "PullRequest",
                        "code": "custom",
                        "message": f"A pull request already exists for {label}.",
                    },
                    documentation_url=_CREATE_DOCS,
                )
        if source is not self:
            self.git.fetch(source.git.path, f"{head_sha}:refs/fake/incoming")
        if self.git.is_ancestor(head_sha, base_sha):
            raise validation_failed(
                {
                    "resource": "PullRequest",
                    "code": "custom",
                    "message": f"No commits between {base} and {head}",
                },
                documentation_url=_CREATE_DOCS,
            )

    def pull(self, number: int) -> Issue:
        """The PR ``number`` (404 when it is not a PR)."""
        issue = self.issues.get(number)
        if issue is None or issue.pull is None:
            raise not_found()
        self._sync_pull_ref(issue)
        return issue

    def pulls(self) -> list[Issue]:
        """All PRs, oldest first."""
        return [self.pull(n) for n, issue in sorted(self.issues.items()) if issue.pull]

    def _sync_pull_ref(self, issue: Issue) -> None:
        """Follow the head and base branches of an open PR; keep ``refs/pull/N/head`` current."""
        info = issue.pull
        assert info is not None
        if issue.state == "open":
            source = self.store.get_repo(info.head_repo)
            head_sha = source.branch_sha(info.head_ref)
            if head_sha:
                info.head_sha = head_sha
            base_sha = self.git.ref_sha(f"refs/heads/{info.base_ref}")
            if base_sha:
                info.base_sha = base_sha
        refname = f"refs/pull/{issue.number}/head"
        if self.git.ref_sha(refname) != info.head_sha:
            if self.git.object_type(info.head_sha) is None:
                source = self.store.get_repo(info.head_repo)
                self.git.fetch(source.git.path, f"{info.head_sha}:{refname}")
            self.git.set_ref(refname, info.head_sha)

    def pull_diff(self, issue: Issue, commit_id: str | None = None) -> PullDiff:
        """The PR's diff at its head (or at ``commit_id``), from the merge base."""
        info = issue.pull
        assert info is not None
        head = commit_id or info.head_sha
        base = info.base_sha
        key = (base, head)
        if key not in self._diff_cache:
            merge_base = self.git.merge_base(base, head) or base
            text = self.git.diff(merge_base, head)
            commits = self.git.rev_list(merge_base, head)
            self._diff_cache[key] = PullDiff(
                base, head, merge_base, text, parse_diff(text), commits
            )
        return self._diff_cache[key]

    def merge_pull(self, number: int, *, by: str = "octocat", message: str | None = None) -> str:
        """Merge PR ``number`` with a merge commit on its base branch; returns that commit."""
        issue = self.pull(number)
        info = issue.pull
        assert info is not None
        now = self.store.clock.now()
        base_tip = info.base_sha
        tree = self._merge_tree(base_tip, info.head_sha)
        text = message or f"Merge pull request #{number} from {info.head_repo}/{info.head_ref}"
        person = Person("GitHub", "noreply@github.com", now)
        sha = self.git.write_commit(tree, [base_tip, info.head_sha], text, person, person)
        self.git.set_ref(f"refs/heads/{info.base_ref}", sha)
        info.merged, info.merged_at, info.merged_by = True, now, by
        info.merge_commit_sha = sha
        issue.state, issue.closed_at, issue.updated_at = "closed", now, now
        issue.closed_by = by
        return sha

    def _merge_tree(self, base: str, head: str) -> str:
        out = self.git.text("merge-tree", "--write-tree", base, head)
        return out.splitlines()[0]

    def close_pull(self, number: int, *, by: str = "octocat") -> Issue:
        """Close PR ``number`` without merging."""
        issue = self.pull(number)
        now = self.store.clock.now()
        issue.state, issue.closed_at, issue.updated_at, issue.closed_by = "closed", now, now, by
        return issue

    def pull_for_head(self, sha: str) -> list[Issue]:
        """Open same-repository PRs whose head is ``sha`` (Actions leaves fork PRs out)."""
        return [
            issue
            for issue in self.pulls()
            if issue.pull
            and issue.state == "open"
            and issue.pull.head_sha == sha
            and issue.pull.head_repo == self.full_name
        ]
