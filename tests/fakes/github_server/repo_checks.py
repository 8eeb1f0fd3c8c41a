"""Check runs (annotations in batches of at most 50, accumulating across updates), commit
statuses with the combined status, deployments and deployment statuses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .clock import parse_time
from .errors import (
    CHECK_OUTPUT_LIMIT,
    ApiError,
    check_length,
    invalid_request,
    not_found,
    validation_failed,
)
from .records import CheckRun, CommitStatus, Deployment, DeploymentStatus

if TYPE_CHECKING:
    from .git_backend import GitRepo
    from .state import Store

CHECKS_DOCS = "https://docs.github.com/rest/checks/runs#update-a-check-run"
MAX_ANNOTATIONS = 50  # per request: https://docs.github.com/rest/checks/runs#update-a-check-run
_LEVELS = ("notice", "warning", "failure")
_CONCLUSIONS = (
    "action_required",
    "cancelled",
    "failure",
    "neutral",
    "success",
    "skipped",
    "stale",
    "timed_out",
)
STATUS_STATES = ("error", "failure", "pending", "success")
DEPLOYMENT_STATES = ("error", "failure", "inactive", "in_progress", "queued", "pending", "success")


def _annotations(output: dict[str, Any]) -> list[dict[str, Any]]:
    items = output.get("annotations") or []
    if len(items) > MAX_ANNOTATIONS:
        raise invalid_request(
            f"Only {MAX_ANNOTATIONS} annotations are allowed per request; {len(items)} were sent.",
            CHECKS_DOCS,
        )
    checked = []
    for item in items:
        for key in ("path", "start_line", "end_line", "annotation_level", "message"):
            if item.get(key) in (None, ""):
                raise invalid_request(f'"{key}" wasn\'t supplied.', CHECKS_DOCS)
        if item["annotation_level"] not in _LEVELS:
            raise invalid_request(
                f"For 'properties/annotation_level', \"{item['annotation_level']}"
                '" is not a member of the enum.',
                CHECKS_DOCS,
            )
        checked.append(dict(item))
    return checked


class ChecksMixin:
    """Check-run, status and deployment operations on ``RepoState``."""

    if TYPE_CHECKING:
        store: Store
        git: GitRepo

    def init_checks(self) -> None:
        """Set up storage."""
        self.check_runs: dict[int, CheckRun] = {}
        self.check_suites: dict[str, int] = {}  # head SHA → suite id
        self.statuses: list[CommitStatus] = []
        self.deployments: dict[int, Deployment] = {}
        self.deployment_statuses: dict[int, DeploymentStatus] = {}
        self.environments: dict[str, dict[str, Any]] = {}

    def commit_sha(self, ref: str) -> str:
        """The commit ``ref`` names, or GitHub's 422 ``No commit found for SHA``."""
        sha = self.git.resolve(ref)
        if sha is None:
            raise ApiError(422, f"No commit found for SHA: {ref}")
        return sha

    def suite_for(self, sha: str) -> int:
        """The check suite of ``sha`` (one per commit, created on first use)."""
        if sha not in self.check_suites:
            self.check_suites[sha] = self.store.next_id("check_suite")
        return self.check_suites[sha]

    def create_check_run(self, body: dict[str, Any]) -> CheckRun:
        """A check run from a create-request body."""
        for key in ("name", "head_sha"):
            if not body.get(key):
                raise invalid_request(f'"{key}" wasn\'t supplied.', CHECKS_DOCS)
        sha = self.git.resolve(str(body["head_sha"]))
        if sha is None or not str(body["head_sha"]).startswith(sha[:7]):
            raise ApiError(422, f"No commit found for SHA: {body['head_sha']}")
        run_id = self.store.next_id("check_run")
        run = CheckRun(
            run_id,
            self.store.node_id("CR", run_id),
            str(body["name"]),
            sha,
            self.suite_for(sha),
            started_at=self.store.clock.now(),
        )
        self.update_check_run(run, body)
        self.check_runs[run_id] = run
        return run

    def update_check_run(self, run: CheckRun, body: dict[str, Any]) -> CheckRun:
        """Apply an update-request body; new annotations are appended to the old ones."""
        output = body.get("output")
        if output is not None:
            if not isinstance(output, dict) or not output.get("title") or not output.get("summary"):
                raise invalid_request(
                    '"title" and "summary" are required in "output".', CHECKS_DOCS
                )
            for field in ("summary", "text"):
                check_length(output.get(field), field, CHECK_OUTPUT_LIMIT)
            new_annotations = _annotations(output)
        conclusion = body.get("conclusion")
        if conclusion is not None and conclusion not in _CONCLUSIONS:
            raise invalid_request(
                f"For 'properties/conclusion', \"{conclusion}\" is not a member of the enum.",
                CHECKS_DOCS,
            )
        status = body.get("status")
        if status == "completed" and conclusion is None and run.conclusion is None:
            raise invalid_request('"conclusion" wasn\'t supplied.', CHECKS_DOCS)
        for key in ("name", "details_url", "external_id"):
            if key in body:
                setattr(run, key, body[key])
        for key in ("started_at", "completed_at"):
            if body.get(key):
                setattr(run, key, parse_time(str(body[key])))
        if conclusion is not None:
            run.conclusion, run.status = conclusion, "completed"
            run.completed_at = run.completed_at or self.store.clock.now()
        elif status:
            run.status = status
        if output is not None:
            run.title, run.summary = output["title"], output["summary"]
            run.text = output.get("text", run.text)
            run.annotations.extend(new_annotations)
        return run

    def check_run(self, run_id: int) -> CheckRun:
        """Check run ``run_id`` (404 if unknown)."""
        run = self.check_runs.get(run_id)
        if run is None:
            raise not_found()
        return run

    def add_status(
        self,
        sha: str,
        state: str,
        *,
        context: str = "default",
        description: str | None = None,
        target_url: str | None = None,
        creator: str = "github-actions[bot]",
    ) -> CommitStatus:
        """Create a commit status."""
        if state not in STATUS_STATES:
            raise validation_failed(
                {
                    "resource": "Status",
                    "code": "custom",
                    "field": "state",
                    "message": "state is not included in the list",
                }
            )
        commit = self.commit_sha(sha)
        self.store.add_user(creator)
        now = self.store.clock.now()
        status_id = self.store.next_id("status")
        status = CommitStatus(
            status_id,
            self.store.node_id("SC", status_id),
            commit,
            state,
            context,
            creator,
            now,
            now,
            description,
            target_url,
        )
        self.statuses.append(status)
        return status

    def combined_status(self, sha: str) -> tuple[str, list[CommitStatus]]:
        """GitHub's combined state and the latest status per context."""
        latest: dict[str, CommitStatus] = {}
        for status in self.statuses:
            if status.sha == sha:
                latest[status.context] = status
        states = {s.state for s in latest.values()}
        if states & {"error", "failure"}:
            state = "failure"
        elif not latest or "pending" in states:
            state = "pending"
        else:
            state = "success"
        return state, sorted(latest.values(), key=lambda s: s.id)

    def add_deployment(
        self,
        ref: str,
        *,
        task: str = "deploy",
        environment: str = "production",
        payload: Any = None,
        description: str | None = None,
        creator: str = "octocat",
        transient_environment: bool = False,
        production_environment: bool | None = None,
    ) -> Deployment:
        """Create a deployment of ``ref`` (branch, tag or SHA)."""
        sha = self.git.resolve(ref)
        if sha is None:
            raise validation_failed(
                {
                    "resource": "Deployment",
                    "code": "custom",
                    "field": "ref",
                    "message": f"No ref found for: {ref}",
                }
            )
        self.store.add_user(creator)
        now = self.store.clock.now()
        deployment_id = self.store.next_id("deployment")
        production = (
            environment == "production"
            if production_environment is None
            else (production_environment)
        )
        deployment = Deployment(
            deployment_id,
            self.store.node_id("DE", deployment_id),
            sha,
            ref,
            task,
            environment,
            creator,
            now,
            now,
            payload if payload is not None else {},
            description,
            transient_environment,
            production,
        )
        self.deployments[deployment_id] = deployment
        return deployment

    def add_environment(
        self, name: str, *, reviewers: tuple[str, ...] = (), wait_timer: int = 0
    ) -> dict[str, Any]:
        """A GitHub Environment with required reviewers (user logins) and a wait timer."""
        for login in reviewers:
            self.store.add_user(login)
        environment = {
            "id": self.store.next_id("environment"),
            "name": name,
            "reviewers": tuple(reviewers),
            "wait_timer": wait_timer,
            "created_at": self.store.clock.now(),
        }
        self.environments[name] = environment
        return environment

    def environment(self, name: str) -> dict[str, Any]:
        """Environment ``name`` (404 if unknown)."""
        environment = self.environments.get(name)
        if environment is None:
            raise not_found()
        return environment

    def deployment(self, deployment_id: int) -> Deployment:
        """Deployment ``deployment_id`` (404 if unknown)."""
        deployment = self.deployments.get(deployment_id)
        if deployment is None:
            raise not_found()
        return deployment

    def add_deployment_status(
        self, deployment_id: int, state: str, *, creator: str = "octocat", **fields: str
    ) -> DeploymentStatus:
        """Create a status of a deployment (``environment`` defaults to the deployment's)."""
        deployment = self.deployment(deployment_id)
        if state not in DEPLOYMENT_STATES:
            raise validation_failed(
                {
                    "resource": "DeploymentStatus",
                    "code": "custom",
                    "field": "state",
                    "message": "state is not included in the list",
                }
            )
        self.store.add_user(creator)
        now = self.store.clock.now()
        status_id = self.store.next_id("deployment_status")
        fields.setdefault("environment", deployment.environment)
        status = DeploymentStatus(
            status_id,
            self.store.node_id("DES", status_id),
            deployment_id,
            state,
            creator,
            now,
            now,
            **fields,
        )
        self.deployment_statuses[status_id] = status
        deployment.updated_at = now
        return status
