"""The event loop the server runs on: asyncio's own, or uvloop by choice (`--event-loop`).

uvloop (libuv under asyncio's API) is a dependency wherever it builds (not on Windows), so the
choice works out of the box. It is not the default. With the httptools protocol (the default
parser) it served about 8-10% more requests per second than asyncio's loop under load, but its
p99 was longer and less steady, and in the buy-then-cancel load some calls failed: a connection
waited so long that a cancel sent later on another connection overtook its buy. With the h11
protocol it was slower outright. (README, Performance.)
"""

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar

from mock_server.domain.errors import MockError

Result = TypeVar("Result")
LoopChoice = Literal["asyncio", "uvloop"]

try:
    import uvloop
except ImportError:  # pragma: no cover - Windows, or an install without it
    uvloop = None  # type: ignore[assignment]


class LoopUnavailable(MockError):
    """`--event-loop uvloop` where uvloop is not installed."""


def loop_factory(choice: LoopChoice = "asyncio") -> Callable[[], asyncio.AbstractEventLoop]:
    """How a new loop for the server is made."""
    if choice == "asyncio":
        return asyncio.new_event_loop
    if uvloop is None:
        raise LoopUnavailable("uvloop is not installed here: use --event-loop asyncio")
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, Result], choice: LoopChoice = "asyncio") -> Result:
    """`asyncio.run(main)` on the loop `choice` names."""
    with asyncio.Runner(loop_factory=loop_factory(choice)) as runner:
        return runner.run(main)
