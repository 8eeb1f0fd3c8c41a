"""Tests of the local-git forge on real repositories."""
