"""The state file: the live state on disk, replaced atomically so that a crash never corrupts it."""

import contextlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mock_server.state.atomic import temporary_files, write_atomically
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
        for leftover in temporary_files(self.path):
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
        write_atomically(self.path, text.encode("utf-8"))
