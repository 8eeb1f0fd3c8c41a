"""Fixtures for the fake GitHub server's own tests."""

from __future__ import annotations

from tests.fakes.github_server.fixtures import fake_github

__all__ = ["fake_github"]
