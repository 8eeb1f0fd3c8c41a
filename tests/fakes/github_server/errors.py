"""GitHub's error answers: status, JSON body (``message``, ``errors``, ``documentation_url``,
``status`` as a string) and any extra headers."""

from __future__ import annotations

from typing import Any

DOCS = "https://docs.github.com/rest"
RATE_LIMIT_DOCS = (
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
    "#about-the-primary-rate-limit"
)
SECONDARY_DOCS = (
    "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api"
    "#about-secondary-rate-limits"
)
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID {request_id}."
)


class ApiError(Exception):
    """Raised by a route to answer with a GitHub error body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[Any] | None = None,
        documentation_url: str = DOCS,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.errors = errors
        self.documentation_url = documentation_url
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON body GitHub sends with this error."""
        body: dict[str, Any] = {"message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        body["documentation_url"] = self.documentation_url
        body["status"] = str(self.status)
        return body


def not_found() -> ApiError:
    """404 as GitHub answers for unknown routes, objects and inaccessible repositories."""
    return ApiError(404, "Not Found")


def validation_failed(
    *errors: dict[str, Any], documentation_url: str = DOCS, message: str = "Validation Failed"
) -> ApiError:
    """422 with structured errors (``resource``, ``code``, ``field``, ``message``)."""
    return ApiError(422, message, errors=list(errors), documentation_url=documentation_url)


def unprocessable(*messages: str, documentation_url: str = DOCS) -> ApiError:
    """422 ``Unprocessable Entity`` with plain string errors (e.g. reviews)."""
    return ApiError(
        422, "Unprocessable Entity", errors=list(messages), documentation_url=documentation_url
    )


def invalid_request(detail: str, documentation_url: str = DOCS) -> ApiError:
    """422 for a body that fails GitHub's request schema (``Invalid request.\\n\\n...``)."""
    return ApiError(422, f"Invalid request.\n\n{detail}", documentation_url=documentation_url)


def missing_field(resource: str, field: str, documentation_url: str = DOCS) -> ApiError:
    """422 ``Validation Failed`` with a ``missing_field`` error."""
    return validation_failed(
        {"resource": resource, "code": "missing_field", "field": field},
        documentation_url=documentation_url,
    )


def require(body: Any, *fields: str, documentation_url: str = DOCS) -> dict[str, Any]:
    """The JSON object body, checked to carry ``fields`` (else GitHub's schema error)."""
    if not isinstance(body, dict):
        raise invalid_request("Body must be a JSON object.", documentation_url)
    for name in fields:
        if body.get(name) in (None, ""):
            raise invalid_request(f'"{name}" wasn\'t supplied.', documentation_url)
    check_length(body.get("body"), "body", BODY_LIMIT)
    for comment in body.get("comments") or []:  # a review's inline comments
        if isinstance(comment, dict):
            check_length(comment.get("body"), "body", BODY_LIMIT)
    return body


# GitHub refuses, and stores nothing of, comment/issue/review bodies over 65,536 characters
# and check-run summaries or texts over 65,535.
BODY_LIMIT = 65_536
CHECK_OUTPUT_LIMIT = 65_535


def check_length(value: Any, field: str, limit: int) -> None:
    """422 as GitHub answers a text field over its maximum length."""
    if isinstance(value, str) and len(value) > limit:
        raise validation_failed(
            {
                "resource": "Body",
                "code": "custom",
                "field": field,
                "message": f"{field} is too long (maximum is {limit} characters)",
            }
        )
