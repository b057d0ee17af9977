"""Writes of the running mock to its state file: one at a time, durable before applied.

A write plans its change on the state (checks, no change), appends its record to the state file
and fsyncs it in a worker thread, and only then applies it: a read never sees a change that is
not on disk, never waits for a disk write, and a change the disk refuses is never made. The log
is compacted in the background once it outgrows the base.
"""

import asyncio
import logging
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any

from mock_server.domain.changes import Change
from mock_server.domain.errors import StateNotSaved
from mock_server.domain.inventory import Inventory, Snapshot
from mock_server.state import change_log
from mock_server.state.export import state_document
from mock_server.state.state_file import StateFile, StateFileError, encode_document

logger = logging.getLogger("uvicorn.error")

# Compact once the records take more room than the base, and at least this much (Redis's
# auto-aof-rewrite-percentage 100, with a smaller floor: a restart replays the records).
MIN_LOG_BYTES = 1024 * 1024

Plan = Callable[[Inventory], Change]
Current = Callable[[], Inventory]


class Persistence:
    """The state file of a running mock, and the one lock its writes take turns on."""

    def __init__(self, path: Path) -> None:
        self.file = StateFile(path)
        self.min_log_bytes = MIN_LOG_BYTES
        self._lock: asyncio.Lock | None = None
        self._failing = False
        self._compaction: asyncio.Task[None] | None = None
        self._compact_at = 0  # raised after a failed compaction, so it is not retried at once

    def open(self, build: Callable[[], Inventory]) -> Inventory:
        """The saved state, or `build()` saved as the first state when there is no file.

        FixtureError for a damaged file; StateFileError (one line) when it cannot be written.
        """
        inventory = self.file.load()
        try:
            if inventory is None or self.file.needs_rewrite:
                inventory = inventory or build()
                self.file.save(state_document(inventory))
        except OSError as error:
            reason = error.strerror or str(error)
            raise StateFileError(f"{self.file.path}: cannot write: {reason}") from error
        self.file.open()
        return inventory

    async def write(self, current: Current, plan: Plan) -> None:
        """Plan a change on the current state, record it, then apply it; StateNotSaved (and
        nothing changed) when the record cannot be made durable."""
        async with self._turn():
            inventory = current()
            change = plan(inventory)

            async def commit() -> None:
                await self._durably(self.file.append, change_log.encode(change))
                inventory.apply(change)

            await _to_the_end(commit())
        self._compact_if_due(current)

    async def replace(self, document: Mapping[str, Any], install: Callable[[], None]) -> None:
        """Save a whole new state, then `install()` it; StateNotSaved when it cannot be saved."""
        async with self._turn():

            async def commit() -> None:
                await self._durably(self.file.save, document)
                install()

            await _to_the_end(commit())

    async def close(self) -> None:
        """Let a compaction under way finish."""
        if self._compaction is not None:
            await asyncio.gather(self._compaction, return_exceptions=True)

    # -- internals --------------------------------------------------------------------------

    def _turn(self) -> asyncio.Lock:
        # Made on first use, inside the event loop that serves the app.
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def _durably(self, save: Callable[[Any], None], data: Any) -> None:
        try:
            await asyncio.to_thread(save, data)
        except OSError as error:
            if not self._failing:
                # Once, not per refused write: a full disk stays full for a while.
                logger.error(
                    "state file %s: cannot save changes (%s): they are refused, and nothing "
                    "is changed, while it cannot be written",
                    self.file.path,
                    error.strerror or error,
                )
                self._failing = True
            raise StateNotSaved() from error
        if self._failing:
            logger.warning("state file %s: saving changes again", self.file.path)
            self._failing = False

    def _compact_if_due(self, current: Current) -> None:
        file = self.file
        due = max(file.base_size, self.min_log_bytes, self._compact_at)
        if self._compaction is None and file.log_size >= due:
            self._compaction = asyncio.get_running_loop().create_task(self._compact(current))

    async def _compact(self, current: Current) -> None:
        """Write the state as a new base while writes go on; hold them only to add the records
        appended meanwhile and rename the new file over the old."""
        file = self.file
        try:
            async with self._turn():
                snapshot = current().snapshot()
                since, generation = file.compaction_start()
            base = await asyncio.to_thread(_encode, snapshot)
            temporary = await asyncio.to_thread(file.write_base, base)
            async with self._turn():
                if file.generation != generation:  # replaced meanwhile (a reset): out of date
                    file.discard(temporary)
                    return
                await asyncio.to_thread(file.finish_compaction, temporary, len(base), since)
            self._compact_at = 0
        except Exception as error:
            # The records are all on disk: only the file's size suffers. Try again once the log
            # has grown as much again.
            self._compact_at = 2 * file.log_size
            logger.warning("state file %s: compaction failed (%s)", file.path, error)
        finally:
            self._compaction = None


async def _to_the_end(commit: Coroutine[Any, Any, None]) -> None:
    """Run a commit to its end even when the request awaiting it is cancelled (a server that
    shuts down): once its line may be on disk, the change must be applied, and the next write
    must wait for it, or memory and file would part."""
    task = asyncio.ensure_future(commit)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait([task])
        raise


def _encode(snapshot: Snapshot) -> bytes:
    return encode_document(state_document(snapshot))
