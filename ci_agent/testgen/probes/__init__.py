"""Scripts run by the project's own interpreter (standard library only, never imported by
ci-agent itself)."""

__all__: list[str] = []
