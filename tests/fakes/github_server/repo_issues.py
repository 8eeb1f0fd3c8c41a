"""Issues, issue comments, reactions, labels, milestones and releases of a repository (the
metadata a backup captures); bulk seeding helpers for pagination and ``since`` tests."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from .errors import not_found, validation_failed
from .records import REACTIONS, Issue, IssueComment, Label, Milestone, Reaction
from .records_actions import Release, ReleaseAsset

if TYPE_CHECKING:
    from .state import Store


class IssuesMixin:
    """Issue-side operations on ``RepoState``."""

    if TYPE_CHECKING:
        store: Store
        issues: dict[int, Issue]
        default_branch: str

        def next_number(self) -> int: ...

    def init_issues(self) -> None:
        """Set up storage."""
        self.issue_comments: dict[int, IssueComment] = {}
        self.reactions: dict[int, Reaction] = {}
        self.labels: dict[str, Label] = {}
        self.milestones: dict[int, Milestone] = {}
        self.releases: dict[int, Release] = {}

    def _touch(self) -> datetime:
        return self.store.clock.now()

    def add_issue(
        self,
        title: str,
        *,
        body: str | None = None,
        user: str = "octocat",
        labels: list[str] | tuple[str, ...] = (),
        assignees: list[str] | tuple[str, ...] = (),
        milestone: int | None = None,
        state: str = "open",
    ) -> Issue:
        """Open an issue (closed right away when ``state="closed"``)."""
        with self.store.lock:
            self.store.add_user(user)
            for name in labels:
                self.ensure_label(name)
            now = self._touch()
            number, issue_id = self.next_number(), self.store.next_id("issue")
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
                assignees=list(assignees),
                milestone=milestone,
            )
            if state == "closed":
                issue.state, issue.state_reason = "closed", "completed"
                issue.closed_at, issue.closed_by = now, user
            self.issues[number] = issue
            return issue

    def add_issues(
        self, count: int, *, user: str = "octocat", title: str = "Issue {n}", step: float = 0
    ) -> list[Issue]:
        """``count`` issues at once; ``step`` seconds of fake clock between them."""
        made = []
        for n in range(1, count + 1):
            made.append(self.add_issue(title.format(n=n), user=user))
            if step:
                self.store.clock.advance(step)
        return made

    def issue(self, number: int) -> Issue:
        """Issue (or PR) ``number``; 404 if unknown."""
        issue = self.issues.get(number)
        if issue is None:
            raise not_found()
        return issue

    def add_issue_comment(self, number: int, body: str, *, user: str = "octocat") -> IssueComment:
        """Comment on issue or PR ``number``."""
        with self.store.lock:
            issue = self.issue(number)
            self.store.add_user(user)
            now = self._touch()
            comment_id = self.store.next_id("issue_comment")
            comment = IssueComment(
                comment_id, self.store.node_id("IC", comment_id), number, user, body, now, now
            )
            self.issue_comments[comment_id] = comment
            issue.updated_at = now
            return comment

    def add_issue_comments(
        self, number: int, bodies: list[str], *, user: str = "octocat", step: float = 0
    ) -> list[IssueComment]:
        """Several comments at once; ``step`` seconds of fake clock between them."""
        made = []
        for body in bodies:
            made.append(self.add_issue_comment(number, body, user=user))
            if step:
                self.store.clock.advance(step)
        return made

    def issue_comment(self, comment_id: int) -> IssueComment:
        """Issue comment ``comment_id``; 404 if unknown."""
        comment = self.issue_comments.get(comment_id)
        if comment is None:
            raise not_found()
        return comment

    def comments_on(self, number: int) -> list[IssueComment]:
        """Comments of issue ``number``, oldest first."""
        return sorted(
            (c for c in self.issue_comments.values() if c.issue_number == number),
            key=lambda c: c.id,
        )

    def react(self, subject: tuple[str, int], user: str, content: str) -> tuple[Reaction, bool]:
        """Add a reaction; returns ``(reaction, created)`` (an existing one is returned as is)."""
        if content not in REACTIONS:
            raise validation_failed(
                {
                    "resource": "Reaction",
                    "code": "custom",
                    "field": "content",
                    "message": f"{content} is not a valid content",
                },
            )
        for reaction in self.reactions.values():
            if (reaction.subject, reaction.user, reaction.content) == (subject, user, content):
                return reaction, False
        self.store.add_user(user)
        reaction_id = self.store.next_id("reaction")
        reaction = Reaction(
            reaction_id,
            self.store.node_id("REA", reaction_id),
            subject,
            user,
            content,
            self._touch(),
        )
        self.reactions[reaction_id] = reaction
        return reaction, True

    def reactions_on(self, subject: tuple[str, int]) -> list[Reaction]:
        """Reactions on ``subject``, oldest first."""
        return [r for r in self.reactions.values() if r.subject == subject]

    def ensure_label(
        self, name: str, color: str = "ededed", description: str | None = None
    ) -> Label:
        """The label ``name``, created if missing."""
        label = self.labels.get(name.lower())
        if label is None:
            label_id = self.store.next_id("label")
            label = Label(label_id, self.store.node_id("LA", label_id), name, color, description)
            self.labels[name.lower()] = label
        return label

    def add_milestone(
        self,
        title: str,
        *,
        description: str | None = None,
        state: str = "open",
        due_on: datetime | None = None,
        user: str = "octocat",
    ) -> Milestone:
        """Create a milestone."""
        self.store.add_user(user)
        now = self._touch()
        milestone_id = self.store.next_id("milestone")
        number = len(self.milestones) + 1
        milestone = Milestone(
            milestone_id,
            self.store.node_id("MI", milestone_id),
            number,
            title,
            user,
            now,
            now,
            description=description,
            state=state,
            due_on=due_on,
            closed_at=now if state == "closed" else None,
        )
        self.milestones[number] = milestone
        return milestone

    def add_release(
        self,
        tag_name: str,
        *,
        name: str | None = None,
        body: str | None = None,
        target_commitish: str | None = None,
        draft: bool = False,
        prerelease: bool = False,
        author: str = "octocat",
        assets: list[dict[str, Any]] | tuple[()] = (),
    ) -> Release:
        """Create a release; ``assets`` are metadata dicts (name, size, content_type, ...)."""
        self.store.add_user(author)
        now = self._touch()
        release_id = self.store.next_id("release")
        release = Release(
            release_id,
            self.store.node_id("RE", release_id),
            tag_name,
            target_commitish or self.default_branch,
            author,
            now,
            name=name,
            body=body,
            draft=draft,
            prerelease=prerelease,
            published_at=None if draft else now,
        )
        for spec in assets:
            asset_id = self.store.next_id("asset")
            data = spec.get("data", b"")
            assert isinstance(data, bytes)
            asset = ReleaseAsset(
                asset_id,
                self.store.node_id("RA", asset_id),
                str(spec["name"]),
                author,
                now,
                now,
                content_type=str(spec.get("content_type", "application/octet-stream")),
                size=int(spec.get("size", len(data))),
                download_count=int(spec.get("download_count", 0)),
                label=spec.get("label"),
                digest=spec.get("digest"),
                data=data,
            )
            release.assets.append(asset)
        self.releases[release_id] = release
        return release
