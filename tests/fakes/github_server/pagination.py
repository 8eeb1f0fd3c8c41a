"""GitHub's page-number pagination: ``per_page`` (default 30, max 100), ``page`` and the
``Link`` header with absolute URLs (``prev``, ``next``, ``last``, ``first``, in that order)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .routing import Request, Response

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100


def page_params(request: Request) -> tuple[int, int]:
    """``(page, per_page)`` from the query, clamped as GitHub clamps them."""
    per_page = min(max(request.int_arg("per_page", DEFAULT_PER_PAGE), 1), MAX_PER_PAGE)
    page = max(request.int_arg("page", 1), 1)
    return page, per_page


def link_header(request: Request, page: int, last: int) -> str | None:
    """The ``Link`` header for ``page`` of ``last`` pages (None when everything fits one page)."""
    if last <= 1 and page <= 1:
        return None
    links = []
    if page > 1:
        links.append((page - 1, "prev"))
    if page < last:
        links.append((page + 1, "next"))
        links.append((last, "last"))
    if page > 1:
        links.append((1, "first"))
    return ", ".join(f'<{request.url(page=number)}>; rel="{rel}"' for number, rel in links)


def paginate(
    request: Request,
    items: Sequence[Any],
    *,
    key: str | None = None,
    extra: Any = None,
    shape: Callable[[Any], Any] | None = None,
) -> Response:
    """One page of ``items``: a JSON array, or ``{"total_count": n, key: [...]}`` when ``key``;
    ``shape`` turns the page's items (only those) into their JSON."""
    page, per_page = page_params(request)
    last = max((len(items) + per_page - 1) // per_page, 1)
    chunk = list(items[(page - 1) * per_page : page * per_page])
    if shape is not None:
        chunk = [shape(item) for item in chunk]
    body: Any = chunk
    if key is not None:
        body = {"total_count": len(items), key: chunk}
        if extra:
            body.update(extra)
    response = Response(200, body)
    link = link_header(request, page, last)
    if link:
        response.headers["link"] = link
    return response
