"""Entry point for ``python -m ci_agent``."""

from ci_agent.cli import main

if __name__ == "__main__":
    main()
