"""The server's event loop: asyncio's by default, uvloop by choice (a dependency off Windows)."""

import asyncio
import sys

import pytest

from mock_server.serving import event_loop
from mock_server.settings import Settings


async def _running_loop_module() -> str:
    await asyncio.sleep(0)
    return type(asyncio.get_running_loop()).__module__


def test_the_default_loop_is_asyncios() -> None:
    choice = Settings().event_loop

    assert event_loop.run(_running_loop_module(), choice).startswith("asyncio")


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop is not a dependency on Windows")
def test_uvloop_runs_the_server_when_chosen() -> None:
    choice = Settings(event_loop="uvloop").event_loop

    assert event_loop.run(_running_loop_module(), choice).startswith("uvloop")


def test_uvloop_chosen_where_it_is_missing_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(event_loop, "uvloop", None)

    with pytest.raises(event_loop.LoopUnavailable, match="--event-loop asyncio"):
        event_loop.loop_factory("uvloop")
