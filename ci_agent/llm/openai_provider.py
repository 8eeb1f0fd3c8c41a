"""The LLMProvider on the openai SDK: OpenAI, Azure OpenAI, GitHub Models, any compatible server.

The SDK's own retries are off (``max_retries=0``): ci_agent.retry is the one retry policy.
A refusal of a ``json_schema`` (then ``json_object``) request — a 4xx, or a 5xx from servers
such as llama-cpp-python, whose text names the format — downgrades the output mode for the rest
of the run; the prompt then carries the schema and the answer is validated. A refused
connection is final at once: nothing listens there, and retrying only delays the report.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ci_agent.errors import CiAgentError, fail
from ci_agent.llm.guard import estimate_request
from ci_agent.llm.models import JsonMode, ModelProfile
from ci_agent.llm.openai_wire import TruncatedStream, read_completion, read_stream, request_kwargs
from ci_agent.llm.provider import ChatRequest, ChatResponse, LogFn
from ci_agent.retry import Failure, RetryExhausted, RetryPolicy
from ci_agent.secret import Secret

__all__ = ["AZURE_API_VERSION", "Endpoint", "OpenAIProvider", "classify", "coded_error"]

# Azure OpenAI's GA data-plane version with structured outputs (json_schema).
AZURE_API_VERSION = "2024-10-21"
_DOWNGRADE: dict[JsonMode, JsonMode] = {"json_schema": "json_object", "json_object": "text"}
_FORMAT_WORDS = ("response_format", "json_schema", "json_object", "schema")


@dataclass(frozen=True)
class Endpoint:
    """Where and how to connect: an OpenAI-style base URL, or an Azure resource endpoint."""

    kind: Literal["openai", "azure"]
    base_url: str
    api_key: Secret
    api_version: str = AZURE_API_VERSION
    headers: Mapping[str, str] = field(default_factory=dict)


class OpenAIProvider:
    """Chat completions through the openai SDK's sync client (thread-safe, shared by workers)."""

    def __init__(
        self,
        endpoint: Endpoint,
        profile: ModelProfile,
        *,
        retry: RetryPolicy,
        timeout: float,
        log: LogFn | None = None,
    ) -> None:
        self.endpoint = endpoint
        self._profile = profile
        self._retry = retry
        self._timeout = timeout
        self._log = log
        self._lock = threading.Lock()
        self._client: Any = None
        self._rejected: set[JsonMode] = set()

    @property
    def profile(self) -> ModelProfile:
        """Model name, limits, price and structured-output support."""
        return self._profile

    def complete(self, request: ChatRequest) -> ChatResponse:
        """Send with retries; downgrade the JSON mode on a 400; map failures to CA4xx."""
        wanted = request.response_format
        mode: JsonMode = self._mode(wanted.mode) if wanted is not None else "text"
        estimate_in = request.input_estimate
        if estimate_in is None:
            estimate_in = estimate_request(request.messages, wanted, request.tools)
        while True:
            kwargs = request_kwargs(request, self._profile, mode)
            try:
                send = functools.partial(self._send, kwargs, mode, estimate_in)
                classify_for = functools.partial(self._classify_and_log, mode)
                return self._retry.run(send, classify_for)
            except RetryExhausted as exc:
                if wanted is None or mode == "text" or not _rejects_format(exc.failure):
                    raise coded_error(exc, self.endpoint.base_url) from exc
                self._note(f"the server refused response_format {mode}; falling back", 1)
                with self._lock:
                    self._rejected.add(mode)
                mode = _DOWNGRADE[mode]

    def warm(self) -> None:
        """Import the SDK and build the client now (seconds on a busy runner), not on the
        first request."""
        client = self._sdk_client()
        _ = client.chat.completions  # the SDK builds its resources on first access

    def close(self) -> None:
        """Close the HTTP connection pool, if a client was made."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def _mode(self, wanted: JsonMode) -> JsonMode:
        mode = wanted
        with self._lock:
            while mode in self._rejected:
                mode = _DOWNGRADE[mode]
        return mode

    def _send(self, kwargs: dict[str, Any], mode: JsonMode, estimate_in: int) -> ChatResponse:
        client = self._sdk_client()
        if kwargs.get("stream"):
            with client.chat.completions.create(**kwargs) as stream:
                return read_stream(stream, mode, estimate_in)
        return read_completion(client.chat.completions.create(**kwargs), mode, estimate_in)

    def _sdk_client(self) -> Any:
        """The SDK client, made on first use (the constructor does no I/O, imports nothing)."""
        with self._lock:
            if self._client is None:
                self._client = _make_client(self.endpoint, self._timeout)
            return self._client

    def _classify_and_log(self, mode: JsonMode, exc: Exception) -> Failure | None:
        failure = classify(exc)
        if failure is not None and mode != "text" and _rejects_format(failure):
            # A refusal of the format is final for this mode: downgrade now, retry nothing.
            failure = dataclasses.replace(failure, kind="client")
        if failure is not None:
            self._note(
                f"LLM attempt failed: {failure.kind} {failure.status or ''} {failure.detail}", 1
            )
        return failure

    def _note(self, message: str, level: int) -> None:
        if self._log is not None:
            self._log(message, level)


def _make_client(endpoint: Endpoint, timeout: float) -> Any:
    import openai

    common: dict[str, Any] = {
        "api_key": endpoint.api_key.reveal(),
        "timeout": timeout,
        "max_retries": 0,
        "default_headers": dict(endpoint.headers) or None,
    }
    if endpoint.kind == "azure":
        if "/openai" in endpoint.base_url:
            return openai.AzureOpenAI(
                base_url=endpoint.base_url, api_version=endpoint.api_version, **common
            )
        return openai.AzureOpenAI(
            azure_endpoint=endpoint.base_url, api_version=endpoint.api_version, **common
        )
    return openai.OpenAI(base_url=endpoint.base_url, **common)


def classify(exc: Exception) -> Failure | None:
    """Map an SDK exception to what the retry policy needs; None for anything else."""
    import openai

    if isinstance(exc, TruncatedStream):
        return Failure(None, {}, "network", str(exc))
    if isinstance(exc, openai.APITimeoutError):
        return Failure(None, {}, "timeout", "the request timed out")
    if isinstance(exc, openai.APIConnectionError):
        if _refused(exc):
            return Failure(None, {}, "client", "connection refused: nothing listens there")
        return Failure(None, {}, "network", str(exc.__cause__ or exc))
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        headers = {k.lower(): v for k, v in exc.response.headers.items()}
        if status == 429:
            kind = "client" if exc.code == "insufficient_quota" else "rate_limit"
        elif status >= 500:
            kind = "server"
        elif status == 408:
            kind = "timeout"
        else:
            kind = "client"
        return Failure(status, headers, kind, exc.message)
    return None


def coded_error(exc: RetryExhausted, url: str) -> CiAgentError:
    """The coded error for a request the retry policy gave up on."""
    failure = exc.failure
    if failure.status in (401, 403):
        return fail("CA403", status=failure.status)
    if failure.status == 429:
        if failure.kind == "client":
            return fail("CA402", f"the LLM provider's quota is exhausted: {failure.detail}")
        return fail("CA402", attempts=exc.attempts)
    status = f"HTTP {failure.status}" if failure.status else failure.kind
    if failure.kind == "client" and failure.status is None:
        problem = failure.detail
    elif failure.kind == "client":
        problem = f"the server refused the request ({status}): {failure.detail}"
    else:
        problem = f"{status} after {exc.attempts} attempts ({exc.reason}): {failure.detail}"
    return fail("CA401", url=url, problem=problem)


def _rejects_format(failure: Failure) -> bool:
    """A 4xx or 5xx whose text names the output format (servers word it differently)."""
    detail = failure.detail.lower()
    status = failure.status or 0
    return status >= 400 and status != 429 and any(word in detail for word in _FORMAT_WORDS)


def _refused(exc: BaseException) -> bool:
    """Whether the connection was refused (somewhere down the chain of causes)."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, ConnectionRefusedError) or "connection refused" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False
