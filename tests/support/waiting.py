"""Polling with a bounded deadline, instead of a fixed sleep before reading what a server wrote."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(probe: Callable[[], T | None], what: str, timeout: float = 10.0) -> T:
    """The first value `probe()` returns that is not None (or falsy), polled every 50 ms; fails
    with `what` when `timeout` seconds pass without one."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"after {timeout:.0f} s, still waiting for {what}")
        time.sleep(0.05)
