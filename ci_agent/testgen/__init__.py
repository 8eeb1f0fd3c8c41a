"""Test generation: targets from coverage, candidates from a model or offline engines, and a
funnel that keeps only tests proven to pass reliably, add coverage and kill a mutant."""

__all__: list[str] = []
