"""The server's event loop: uvloop where it is installed (it is a dependency off Windows)."""

import asyncio
import sys

import pytest

from mock_server.serving import event_loop


async def _running_loop_type() -> str:
    return type(asyncio.get_running_loop()).__module__


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop is not a dependency on Windows")
def test_the_server_runs_on_uvloop() -> None:
    assert event_loop.loop_name() == "uvloop"
    assert event_loop.run(_running_loop_type()).startswith("uvloop")


def test_run_returns_what_the_coroutine_returns() -> None:
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    assert event_loop.run(answer()) == 42
