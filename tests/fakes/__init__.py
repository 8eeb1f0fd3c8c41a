"""Test fakes: real servers on 127.0.0.1 that stand in for external services, e.g.
``github_server`` (GitHub's REST API) and ``openai_server`` (an OpenAI-compatible API)."""
