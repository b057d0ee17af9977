"""mock_server.state.persistence: writes durable before applied, one at a time; compaction."""

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mock_server.domain.errors import MethodFailed, StateNotSaved
from mock_server.domain.inventory import Inventory, NumberRef
from mock_server.state.document import build_inventory, parse_fixtures
from mock_server.state.export import state_document
from mock_server.state.persistence import Persistence
from mock_server.state.state_file import StateFile

FIRST = 447700900000
NUMBERS = 200


def fixtures() -> dict[str, Any]:
    return {
        "accounts": [{"api_key": "master01", "api_secret": "MasterSecret0001", "balance": "999"}],
        "available": [
            {
                "country": "GB",
                "type": "mobile-lvn",
                "features": ["SMS"],
                "cost": "1.00",
                "range": {"start": str(FIRST), "end": str(FIRST + NUMBERS - 1)},
            }
        ],
    }


class Mock:
    """What the runtime holds: the persistence and the inventory it swaps on a reset."""

    def __init__(self, path: Path) -> None:
        self.persistence = Persistence(path)
        self.inventory = self.persistence.open(lambda: build_inventory(parse_fixtures(fixtures())))

    async def buy(self, n: int) -> None:
        master = self.inventory.accounts.get("master01")
        assert master is not None
        ref = NumberRef("GB", str(FIRST + n))
        await self.persistence.write(lambda: self.inventory, lambda i: i.plan_buy(master, ref))

    async def reset(self) -> None:
        fresh = build_inventory(parse_fixtures(fixtures()))

        def install() -> None:
            self.inventory = fresh

        await self.persistence.replace(state_document(fresh), install)


def on_disk(path: Path) -> dict[str, Any]:
    inventory = StateFile(path).load()
    assert inventory is not None
    return state_document(inventory)


def owned(inventory: Inventory) -> list[str]:
    return [number.msisdn for _, number in inventory.owned_items()]


def run(test: Callable[[], Any]) -> Any:
    """`asyncio.run(test())` in a thread of its own: another test may have left an event loop
    set in this one."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(test())).result(timeout=60)


def test_concurrent_writes_are_each_on_disk_and_a_loser_changes_nothing(tmp_path: Path) -> None:
    mock = Mock(tmp_path / "state.json")

    async def scenario() -> list[BaseException | None]:
        # Two buyers of each number at once: one wins, the other is refused on the new state.
        results = await asyncio.gather(
            *(mock.buy(n % 10) for n in range(20)), return_exceptions=True
        )
        await mock.persistence.close()
        return results

    results = run(scenario)

    assert results.count(None) == 10
    assert all(isinstance(r, MethodFailed) for r in results if r is not None)
    assert owned(mock.inventory) == [str(FIRST + n) for n in range(10)]
    assert on_disk(mock.persistence.file.path) == state_document(mock.inventory)


def test_the_log_is_compacted_in_the_background_keeping_every_write(tmp_path: Path) -> None:
    mock = Mock(tmp_path / "state.json")
    mock.persistence.min_log_bytes = 0  # compact once the records outgrow the base
    path = mock.persistence.file.path
    base_size = path.stat().st_size

    async def scenario() -> int:
        compactions = 0
        for n in range(NUMBERS):
            await mock.buy(n)
            compactions += mock.persistence._compaction is not None
        await mock.persistence.close()
        return compactions

    compactions = run(scenario)

    assert compactions > 0
    lines = path.read_bytes().splitlines()
    records = len(lines) - 1
    assert records < NUMBERS  # the older records went into a new base
    assert len(lines[-1]) * records <= base_size + len(lines[0])  # the log stays near the base
    assert on_disk(path) == state_document(mock.inventory)
    assert len(owned(mock.inventory)) == NUMBERS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_a_reset_during_a_compaction_wins_over_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    mock = Mock(tmp_path / "state.json")
    mock.persistence.min_log_bytes = 0
    file = mock.persistence.file
    real_write_base = file.write_base
    proceed = threading.Event()

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        writing = asyncio.Event()

        def held_write_base(base: bytes) -> Path:
            # The compaction writes its base (in its thread) until the reset is done.
            loop.call_soon_threadsafe(writing.set)
            assert proceed.wait(timeout=30)
            return real_write_base(base)

        monkeypatch.setattr(file, "write_base", held_write_base)
        n = 0
        while mock.persistence._compaction is None:
            await mock.buy(n)
            n += 1
        await writing.wait()
        await mock.reset()
        proceed.set()
        await mock.persistence.close()

    with caplog.at_level(logging.WARNING, logger="uvicorn.error"):
        run(scenario)

    assert caplog.records == []
    assert owned(mock.inventory) == []
    # The compaction's base, made before the reset, was thrown away.
    assert on_disk(file.path) == state_document(mock.inventory)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_a_failed_compaction_is_logged_and_the_writes_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    mock = Mock(tmp_path / "state.json")
    mock.persistence.min_log_bytes = 0
    file = mock.persistence.file

    def no_space(base: bytes) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(file, "write_base", no_space)

    async def scenario() -> None:
        for n in range(40):
            await mock.buy(n)
        await mock.persistence.close()

    with caplog.at_level(logging.WARNING, logger="uvicorn.error"):
        run(scenario)

    failures = [r.getMessage() for r in caplog.records if "compaction failed" in r.getMessage()]
    assert failures
    assert len(failures) < 40 / 2  # retried once the log has grown again, not on every write
    assert on_disk(file.path) == state_document(mock.inventory)
    assert len(owned(mock.inventory)) == 40


def test_a_refused_write_raises_state_not_saved_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mock = Mock(tmp_path / "state.json")
    before = path_bytes = mock.persistence.file.path.read_bytes()

    def no_space(record: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(mock.persistence.file, "append", no_space)

    with pytest.raises(StateNotSaved):
        run(lambda: mock.buy(0))

    assert owned(mock.inventory) == []
    assert mock.persistence.file.path.read_bytes() == before == path_bytes


def test_a_write_whose_caller_is_cancelled_is_still_applied_once_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mock = Mock(tmp_path / "state.json")
    file = mock.persistence.file
    real_append = file.append
    proceed = threading.Event()

    def held_append(record: bytes) -> None:
        assert proceed.wait(timeout=30)
        real_append(record)

    monkeypatch.setattr(file, "append", held_append)

    async def scenario() -> BaseException | None:
        first = asyncio.ensure_future(mock.buy(0))
        second = asyncio.ensure_future(mock.buy(0))  # waits its turn behind the first
        await asyncio.sleep(0.05)
        first.cancel()  # a shutdown cancels the request while its line is being written
        await asyncio.sleep(0)
        proceed.set()
        results = await asyncio.gather(first, second, return_exceptions=True)
        assert isinstance(results[0], asyncio.CancelledError)
        return results[1]

    second = run(scenario)

    assert owned(mock.inventory) == [str(FIRST)]  # applied, since it is on disk
    assert isinstance(second, MethodFailed)  # and the next write saw it
    assert on_disk(file.path) == state_document(mock.inventory)
