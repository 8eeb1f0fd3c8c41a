"""ci-agent: AI review, test generation, CI fix, deployment plans and backups for GitHub Actions."""

__version__ = "0.1.0"
__all__ = ["__version__"]
