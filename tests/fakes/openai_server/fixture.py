"""The ``fake_openai`` pytest fixture: a started FakeOpenAI, stopped after the test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.openai_server.server import FakeOpenAI

__all__ = ["fake_openai"]


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A fake OpenAI-compatible server on 127.0.0.1; ``.base_url`` ends in ``/v1``."""
    fake = FakeOpenAI().start()
    try:
        yield fake
    finally:
        fake.stop()
