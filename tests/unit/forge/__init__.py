"""Unit tests of the forge types, protocols and git output parsers."""
