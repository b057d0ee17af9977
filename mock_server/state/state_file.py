"""The state file: the live state on disk, replaced atomically so that a crash never corrupts it."""

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mock_server.state.document import FixtureFile, load_fixture_file


class StateFile:
    """A fixture document on disk that holds the state across restarts."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> FixtureFile | None:
        """The saved state; None when there is no file yet.

        A truncated, non-JSON or invalid file raises FixtureError naming the file, the entry and
        the field: it is never silently replaced or ignored. Temporary files that a kill left
        between writing and renaming are removed first (one server owns its state file).
        """
        for leftover in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            with contextlib.suppress(OSError):
                leftover.unlink()
        if not self.path.exists():
            return None
        return load_fixture_file(self.path)

    def save(self, document: Mapping[str, Any]) -> None:
        """Atomically replace the file with the document, as compact UTF-8 JSON.

        A kill at any moment leaves either the old or the new complete file, and once this
        returns the new one is on disk (file and directory entry fsynced).
        """
        text = json.dumps(dict(document), ensure_ascii=False, separators=(",", ":")) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _replace(self.path, text.encode("utf-8"))
        _fsync_directory(self.path.parent)


def _replace(path: Path, data: bytes) -> None:
    """Write a temporary file beside `path`, sync it, and rename it over `path`."""
    # mkstemp: a name no concurrent writer can share; created 0600, which suits a file that
    # holds api_secrets.
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
    )
    try:
        with open(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _fsync_directory(directory: Path) -> None:
    # The rename itself is durable only once the directory is synced; Windows cannot open a
    # directory to sync it, so there a power cut may still lose the last rename (never corrupt).
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
