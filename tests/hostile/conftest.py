"""Hostile-input tests: the `slow` marker (also registered by tests/conformance/conftest.py, so
that either directory runs on its own)."""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes tens of seconds (deselect: -m 'not slow')")
