"""A fake OpenAI-compatible HTTP server on 127.0.0.1 (stdlib ThreadingHTTPServer, free port).

Routes: ``POST .../chat/completions`` (any prefix, so ``/v1/...`` and Azure's
``/openai/deployments/{name}/...`` both work), ``GET .../models``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.openai_server import answers
from tests.fakes.openai_server.script import LoggedRequest, Reply, Script, prompt_text

__all__ = ["FakeOpenAI"]


@dataclass
class FakeOpenAI:
    """The fake's state and settings; ``start()`` serves it, ``stop()`` ends it."""

    script: Script = field(default_factory=Script)
    json_schema_supported: bool = True
    json_object_supported: bool = True
    api_key: str | None = None
    latency: float = 0.0
    models: list[str] = field(default_factory=lambda: ["gpt-4.1-mini", "gpt-4.1"])
    requests: list[LoggedRequest] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port the server listens on."""
        assert self._server is not None, "the fake is not started"
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` (an Azure endpoint, say)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``, the OpenAI-style base URL."""
        return f"{self.root_url}/v1"

    def enqueue(self, *replies: Reply | str) -> None:
        """Queue replies for the next requests."""
        self.script.enqueue(*replies)

    def when(
        self, pattern: str, reply: Reply | str, *, regex: bool = False, times: int | None = None
    ) -> None:
        """Answer prompts matching ``pattern`` with ``reply``."""
        self.script.when(pattern, reply, regex=regex, times=times)

    @property
    def chat_requests(self) -> list[LoggedRequest]:
        """The chat completion requests received, in order."""
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def start(self) -> FakeOpenAI:
        """Listen on a free port and serve in a daemon thread."""
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; slow answers in progress are abandoned."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def wait(self, seconds: float) -> None:
        """Sleep, but wake up when the server stops."""
        if seconds > 0:
            self._stopping.wait(seconds)

    def enter(self) -> None:
        """Count a request in flight."""
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        """Count a request done."""
        with self._lock:
            self.in_flight -= 1

    def log(self, entry: LoggedRequest) -> None:
        """Record a request."""
        with self._lock:
            self.requests.append(entry)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is the record."""

    def do_GET(self) -> None:
        entry = self._entry(None)
        self.fake.log(entry)
        if not self._authorized(entry):
            return
        if urlsplit(self.path).path.endswith("/models"):
            self._json(200, answers.models_body(self.fake.models))
        else:
            self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        entry = self._entry(body)
        self.fake.log(entry)
        if not urlsplit(self.path).path.endswith("/chat/completions"):
            self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
            return
        if not self._authorized(entry):
            return
        self.fake.enter()
        try:
            self._chat(entry, body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout): nothing to answer
        finally:
            self.fake.leave()

    def _chat(self, entry: LoggedRequest, body: dict[str, Any]) -> None:
        fake = self.fake
        entry.prompt_tokens = answers.count_prompt(body)
        rejected = self._rejected_format(body)
        if rejected:
            entry.status = 400
            self._json(400, answers.error_body(Reply.fault(400, rejected)))
            return
        reply = fake.script.next_reply(prompt_text(body))
        fake.wait(fake.latency + reply.delay)
        entry.status = reply.status
        if reply.status != 200:
            self._json(reply.status, answers.error_body(reply), dict(reply.headers))
            return
        entry.completion_tokens = answers.count_completion(reply)
        model = str(body.get("model", "fake-model"))
        if body.get("stream"):
            include = bool((body.get("stream_options") or {}).get("include_usage"))
            self._stream(reply, model, entry, include)
            return
        data = answers.completion_body(reply, model, entry.prompt_tokens, entry.completion_tokens)
        self._json(200, data, truncate=reply.truncate_after is not None)

    def _rejected_format(self, body: dict[str, Any]) -> str:
        kind = (body.get("response_format") or {}).get("type")
        if kind == "json_schema" and not self.fake.json_schema_supported:
            return "response_format 'json_schema' is not supported by this server"
        if kind == "json_object" and not self.fake.json_object_supported:
            return "response_format 'json_object' is not supported by this server"
        return ""

    def _stream(self, reply: Reply, model: str, entry: LoggedRequest, include: bool) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("connection", "close")  # the body ends when the connection closes
        self.end_headers()
        events = answers.stream_events(
            reply, model, entry.prompt_tokens, entry.completion_tokens, include
        )
        for sent, event in enumerate(events):
            if reply.truncate_after is not None and sent >= reply.truncate_after:
                break
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            self.wfile.flush()
        else:
            self.wfile.write(b"data: [DONE]\n\n")
        self.close_connection = True

    def _authorized(self, entry: LoggedRequest) -> bool:
        expected = self.fake.api_key
        if expected is None:
            return True
        given = entry.headers.get("api-key") or entry.headers.get("authorization", "")
        if given.removeprefix("Bearer ") == expected:
            return True
        entry.status = 401
        self._json(
            401,
            answers.error_body(
                Reply.fault(401, "Incorrect API key provided", code="invalid_api_key")
            ),
        )
        return False

    def _entry(self, body: dict[str, Any] | None) -> LoggedRequest:
        parts = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        return LoggedRequest(self.command, parts.path, dict(parse_qsl(parts.query)), headers, body)

    def _json(
        self,
        status: int,
        data: dict[str, Any],
        headers: dict[str, str] | None = None,
        *,
        truncate: bool = False,
    ) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if truncate:
            self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(payload[: len(payload) // 2] if truncate else payload)
        if truncate:
            self.close_connection = True
