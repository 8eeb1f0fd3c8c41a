"""A fake OpenAI-compatible server for tests: real HTTP on 127.0.0.1, scripted replies, faults."""

from tests.fakes.openai_server.script import LoggedRequest, Reply, Script
from tests.fakes.openai_server.server import FakeOpenAI

__all__ = ["FakeOpenAI", "LoggedRequest", "Reply", "Script"]
