"""The event loop the server runs on: uvloop where it is installed, asyncio's own otherwise.

uvloop (libuv under asyncio's API) is a dependency wherever it builds (not on Windows). Its
loop moves bytes between sockets and the protocol in C, which is a large share of a small
request's cost on asyncio's pure-Python selector loop.
"""

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

Result = TypeVar("Result")

try:
    import uvloop
except ImportError:  # pragma: no cover - Windows, or an install without it
    uvloop = None  # type: ignore[assignment]


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """How a new loop for the server is made."""
    if uvloop is not None:
        return uvloop.new_event_loop
    return asyncio.new_event_loop


def loop_name() -> str:
    """`uvloop` or `asyncio`: which loop `run` uses."""
    return "uvloop" if uvloop is not None else "asyncio"


def run(main: Coroutine[Any, Any, Result]) -> Result:
    """`asyncio.run(main)` on the loop `loop_factory` makes."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
