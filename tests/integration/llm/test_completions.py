"""Plain and streamed completions through the real openai SDK against the fake server."""

from __future__ import annotations

import json

import pytest

from ci_agent.json_form import to_json
from ci_agent.llm.provider import ChatRequest, Message
from ci_agent.llm.tokens import estimate_tokens
from ci_agent.metrics import Metrics
from tests.fakes.openai_server import FakeOpenAI, Reply
from tests.integration.llm.conftest import API_KEY, BuildProvider

PROMPT = (Message("system", "You are terse."), Message("user", "Say hello to the reviewers."))


def test_plain_completion(build: BuildProvider, fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue("Hello, reviewers!")
    metrics = Metrics()
    response = build(metrics=metrics).complete(ChatRequest(PROMPT))
    assert response.content == "Hello, reviewers!"
    assert response.finish_reason == "stop"
    (logged,) = fake_openai.chat_requests
    assert logged.headers["authorization"] == f"Bearer {API_KEY}"
    assert logged.body is not None
    assert logged.body["model"] == "gpt-4.1-mini"
    assert logged.body["messages"] == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Say hello to the reviewers."},
    ]
    assert logged.body["max_tokens"] == 4096
    assert "response_format" not in logged.body
    # The usage is the server's (counted with cl100k), not an estimate.
    assert not response.usage.estimated
    assert response.usage.tokens_in == logged.prompt_tokens
    assert response.usage.tokens_out == logged.completion_tokens
    assert to_json(metrics.snapshot())["llm"]["requests"] == 1
    assert to_json(metrics.snapshot())["llm"]["tokens_in"] == logged.prompt_tokens


def test_streamed_completion_reads_usage_from_the_final_chunk(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    text = "A streamed answer in several pieces, one word per chunk."
    fake_openai.enqueue(text)
    response = build().complete(ChatRequest(PROMPT, stream=True))
    assert response.content == text
    assert response.finish_reason == "stop"
    (logged,) = fake_openai.chat_requests
    assert logged.body is not None
    assert logged.body["stream"] is True
    assert logged.body["stream_options"] == {"include_usage": True}
    assert not response.usage.estimated
    assert (response.usage.tokens_in, response.usage.tokens_out) == (
        logged.prompt_tokens,
        logged.completion_tokens,
    )


def test_usage_is_estimated_when_the_server_sends_none(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    fake_openai.enqueue(Reply(content="no usage here", usage=False))
    response = build().complete(ChatRequest(PROMPT))
    assert response.usage.estimated
    assert response.usage.tokens_out == estimate_tokens("no usage here")


def test_the_input_estimate_covers_what_the_server_counts(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    from ci_agent.llm.guard import estimate_request

    prompt = (
        Message("system", "Review the diff."),
        Message("user", (PROMPT[1].content + "\n") * 50),
    )
    build().complete(ChatRequest(prompt))
    assert estimate_request(prompt) >= fake_openai.chat_requests[0].prompt_tokens


def test_tool_calls(build: BuildProvider, fake_openai: FakeOpenAI) -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "read_file",
            "parameters": {"type": "object", "properties": {"path": {"type": "string"}}},
        },
    }
    arguments = json.dumps({"path": "src/app.py"})
    fake_openai.enqueue(Reply.tool("read_file", arguments), Reply.tool("read_file", arguments))
    provider = build()
    for stream in (False, True):
        response = provider.complete(ChatRequest(PROMPT, tools=(tool,), stream=stream))
        assert response.finish_reason == "tool_calls"
        (call,) = response.tool_calls
        assert (call.name, json.loads(call.arguments)) == ("read_file", {"path": "src/app.py"})
    assert all(r.body and r.body["tools"] == [tool] for r in fake_openai.chat_requests)


def test_tool_results_go_back_with_the_call(build: BuildProvider, fake_openai: FakeOpenAI) -> None:
    from ci_agent.llm.provider import ToolCall

    call = ToolCall("call_0", "read_file", '{"path": "a.py"}')
    history = (
        *PROMPT,
        Message("assistant", "", tool_calls=(call,)),
        Message("tool", "print('hi')", tool_call_id="call_0"),
    )
    build().complete(ChatRequest(history))
    body = fake_openai.chat_requests[0].body
    assert body is not None
    assert body["messages"][2]["tool_calls"][0]["function"]["name"] == "read_file"
    assert body["messages"][3] == {
        "role": "tool",
        "content": "print('hi')",
        "tool_call_id": "call_0",
    }


def test_models_endpoint_speaks_the_sdk_shape(fake_openai: FakeOpenAI) -> None:
    import openai

    client = openai.OpenAI(base_url=fake_openai.base_url, api_key="x", max_retries=0)
    try:
        assert [m.id for m in client.models.list()] == ["gpt-4.1-mini", "gpt-4.1"]
    finally:
        client.close()


def test_rules_answer_by_prompt_and_the_default_answers_the_rest(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    fake_openai.when("security", "Security review.")
    fake_openai.when(r"file \d+", "Numbered.", regex=True)
    provider = build()

    def ask(text: str) -> str:
        return provider.complete(ChatRequest((Message("user", text),))).content

    assert ask("please do a security pass") == "Security review."
    assert ask("look at file 12") == "Numbered."
    assert ask("anything else") == "ok"


@pytest.mark.parametrize("verbosity", [1, 2])
def test_prompts_reach_the_terminal_only_at_vv_and_redacted(
    build: BuildProvider, fake_openai: FakeOpenAI, verbosity: int
) -> None:
    import io
    from dataclasses import replace

    from ci_agent.redact import Redactor
    from ci_agent.terminal import Terminal
    from tests.integration.llm.conftest import make_settings

    settings = replace(make_settings(fake_openai), verbosity=verbosity)
    err = io.StringIO()
    terminal = Terminal(
        io.StringIO(), err, redact=Redactor(settings.secrets()), verbosity=verbosity, color=False
    )
    fake_openai.enqueue(f"echo {API_KEY}")
    build(settings, log=terminal.detail).complete(
        ChatRequest((Message("user", f"my key is {API_KEY}"),))
    )
    text = err.getvalue()
    assert API_KEY not in text
    assert "LLM gpt-4.1-mini:" in text
    assert ("my key is ***" in text) is (verbosity >= 2)
    assert ("echo ***" in text) is (verbosity >= 2)
