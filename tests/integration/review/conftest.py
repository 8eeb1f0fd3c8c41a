"""Fixtures for review integration tests: the fake OpenAI-compatible server."""

from tests.fakes.openai_server.fixture import fake_openai

__all__ = ["fake_openai"]
