"""Delivering a fix: real commits, pushes to the fake GitHub's repository, pull requests and
review suggestions it accepts, and bundles re-checked through the GitHub forge."""
