"""The GitHub forge (PyGithub and ghapi) against the fake GitHub REST server."""
