"""The state file: a base document and an append-only log of the changes made since.

Line 1 is the state as a compact fixture document; each further line records one change (see
`change_log`), appended and fsynced before the change is applied. Compaction writes the current
state as a new base beside the file and renames it over; the whole file is only ever replaced
atomically, and only ever appended to otherwise, so a crash leaves at most a torn last record.
"""

import contextlib
import json
import logging
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from mock_server.domain.errors import MockError
from mock_server.domain.inventory import Inventory
from mock_server.state import change_log
from mock_server.state.atomic import (
    fsync_directory,
    replace_with,
    temporary_files,
    write_temporary,
)
from mock_server.state.document import FixtureError, build_inventory, parse_fixtures

logger = logging.getLogger("uvicorn.error")


class StateFileError(MockError):
    """The state file cannot be written at start (a read-only directory, a full disk)."""


def encode_document(document: Mapping[str, Any]) -> bytes:
    """A base line: the document as compact UTF-8 JSON and a newline."""
    text = json.dumps(dict(document), ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8") + b"\n"


class StateFile:
    """The state on disk: loaded at start, then appended to and compacted while serving."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._base_size = 0
        self._end = 0  # where the last whole record ends: the next one is written there
        self.torn_bytes = 0  # what a crash left after the last whole record, found by load
        self.needs_rewrite = False  # the base is not one line: `save` before appending
        # Counts whole-file replacements: a compaction started before one is out of date.
        self.generation = 0

    @property
    def log_size(self) -> int:
        """Bytes of records after the base."""
        return self._end - self._base_size

    @property
    def base_size(self) -> int:
        return self._base_size

    def load(self) -> Inventory | None:
        """The saved state, base and records replayed; None when there is no file yet.

        A damaged base, or a damaged record followed by whole ones, raises FixtureError naming
        the file and the line: the file is never silently replaced. A torn last record (a crash
        while it was written, so it was never acknowledged) is left out and counted in
        `torn_bytes`. Temporary files a kill left are removed first (one server owns the file).
        """
        for leftover in temporary_files(self.path):
            with contextlib.suppress(OSError):
                leftover.unlink()
        if not self.path.exists():
            return None
        try:
            data = self.path.read_bytes()
        except OSError as error:
            raise FixtureError(self.path, "file", error.strerror or str(error)) from error
        document, self._base_size, records = _base(self.path, data)
        # A document written by hand (over several lines, or without the final newline) is
        # written again as a base line before anything is appended to it.
        self.needs_rewrite = data[: self._base_size].count(b"\n") != 1
        inventory = build_inventory(parse_fixtures(document, self.path))
        self._end = self._base_size
        self._replay(inventory, records)
        self.torn_bytes = len(data) - self._end
        return inventory

    def open(self) -> None:
        """Get ready to append: cut a torn last record off, so the next one follows whole ones.

        Raises StateFileError when the file cannot be written.
        """
        try:
            descriptor = os.open(self.path, os.O_WRONLY)
            try:
                if self.torn_bytes:
                    os.ftruncate(descriptor, self._end)
                    os.fsync(descriptor)
            finally:
                os.close(descriptor)
        except OSError as error:
            raise StateFileError(f"{self.path}: cannot write: {_reason(error)}") from error
        if self.torn_bytes:
            logger.warning(
                "state file %s: ignored a torn last record (%d bytes): a crash cut its write "
                "short, before it was acknowledged",
                self.path,
                self.torn_bytes,
            )
            self.torn_bytes = 0

    def save(self, document: Mapping[str, Any]) -> None:
        """Atomically replace the whole file with a base holding the document, and no records.

        A kill at any moment leaves either the old or the new complete file, and once this
        returns the new one is on disk (file and directory entry fsynced). Raises OSError.
        """
        base = encode_document(document)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = write_temporary(self.path, base)
        self._install(temporary, len(base), len(base))

    def append(self, record: bytes) -> None:
        """Append one record and fsync it. On failure (OSError) the file is cut back to the
        records before it, so a failed record is never replayed."""
        # Opened for each record rather than kept open: a file held open for writing would stop
        # its file system from being remounted read-only.
        descriptor = os.open(self.path, os.O_WRONLY)
        try:
            written = 0
            while written < len(record):
                written += os.pwrite(descriptor, record[written:], self._end + written)
            os.fsync(descriptor)
        except OSError:
            # Bytes of the failed record may have reached the file: the next record must follow
            # the last whole one, or a restart would find a damaged record between whole ones.
            with contextlib.suppress(OSError):
                os.ftruncate(descriptor, self._end)
            raise
        finally:
            os.close(descriptor)
        self._end += len(record)

    # -- compaction: `write_base` runs while records are still appended; `finish_compaction`
    # runs with appends held, and copies the records appended meanwhile after the new base.

    def compaction_start(self) -> tuple[int, int]:
        """Where the records the snapshot holds end, and the file's generation."""
        return self._end, self.generation

    def write_base(self, base: bytes) -> Path:
        """A temporary file beside the state file holding the new base, synced."""
        return write_temporary(self.path, base)

    def finish_compaction(self, temporary: Path, base_size: int, since: int) -> None:
        """Add the records appended since `since` to the new base and rename it over the file."""
        try:
            with open(self.path, "rb") as current, open(temporary, "ab") as target:
                current.seek(since)
                tail = current.read(self._end - since)
                target.write(tail)
                target.flush()
                os.fsync(target.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        self._install(temporary, base_size, base_size + len(tail))

    def discard(self, temporary: Path) -> None:
        with contextlib.suppress(OSError):
            os.unlink(temporary)

    # -- internals ------------------------------------------------------------------------

    def _replay(self, inventory: Inventory, records: bytes) -> None:
        lines = list(_lines(records, self._end))
        for number, (offset, line, whole) in enumerate(lines, start=2):
            try:
                change = change_log.decode(line) if whole else None
            except change_log.RecordError as error:
                if any(_is_record(later) for _, later, _ in lines[number - 1 :]):
                    raise FixtureError(self.path, f"line {number}", str(error)) from error
                change = None
            if change is None:
                return  # a torn tail: everything from here on was never acknowledged
            try:
                inventory.apply(change)
            except (KeyError, ValueError, MockError) as error:
                raise FixtureError(
                    self.path, f"line {number}", f"the change cannot be replayed: {error!r}"
                ) from error
            self._end = offset + len(line) + 1

    def _install(self, temporary: Path, base_size: int, end: int) -> None:
        """Rename a synced temporary file over the state file and append to it from now on."""
        replace_with(temporary, self.path)
        self._base_size, self._end = base_size, end
        self.generation += 1
        try:
            fsync_directory(self.path.parent)
        except OSError as error:
            # The new file is in place and must be used now (the next records follow its base):
            # only a power cut could still bring the old one back.
            logger.warning("state file %s: cannot sync its directory (%s)", self.path, error)


def _base(path: Path, data: bytes) -> tuple[object, int, bytes]:
    """The base document, the bytes it takes up, and the records after it."""
    base, newline, records = data.partition(b"\n")
    try:
        return json.loads(base), len(base) + len(newline), records
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        with contextlib.suppress(json.JSONDecodeError, UnicodeDecodeError):
            return json.loads(data), len(data), b""
        raise FixtureError(path, "file", f"not valid JSON: {error}") from error


def _lines(records: bytes, start: int) -> Iterator[tuple[int, bytes, bool]]:
    """Each line of the records: its offset in the file, its bytes, whether a newline ends it."""
    position = 0
    while position < len(records):
        end = records.find(b"\n", position)
        if end < 0:
            yield start + position, records[position:], False
            return
        yield start + position, records[position:end], True
        position = end + 1


def _is_record(line: bytes) -> bool:
    try:
        change_log.decode(line)
    except change_log.RecordError:
        return False
    return True


def _reason(error: OSError) -> str:
    return error.strerror or str(error)
