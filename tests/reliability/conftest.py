"""Fixtures of the reliability tests: real server processes that are stopped whatever happens, and
a summary of the measured figures at the end of the run."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.figures import FIGURES
from support.servers import Servers


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    started = Servers(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES:
        return
    terminalreporter.section("reliability figures")
    for test, figures in FIGURES.items():
        text = ", ".join(f"{name}={value}" for name, value in figures.items())
        terminalreporter.write_line(f"{test}: {text}")
