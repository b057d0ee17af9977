"""Replacing a file atomically: a reader, or a kill at any moment, sees the old or the new file."""

import contextlib
import os
import tempfile
from pathlib import Path

# Temporary files are `.<name>.<random>.tmp` beside the file: hidden, and easy to clean up.
TEMPORARY_SUFFIX = ".tmp"


def temporary_files(path: Path) -> list[Path]:
    """Temporary files a kill left beside `path` between writing and renaming."""
    return list(path.parent.glob(f".{path.name}.*{TEMPORARY_SUFFIX}"))


def write_atomically(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace `path` with `data`: a temporary file beside it, synced, renamed over it.

    Once this returns the new file is on disk (file and directory entry fsynced). The file is
    created 0600 (it may hold api_secrets or a private key) unless `mode` says otherwise.
    """
    temporary = write_temporary(path, data, mode)
    replace_with(temporary, path)
    fsync_directory(path.parent)


def write_temporary(path: Path, data: bytes, mode: int | None = None) -> Path:
    """A temporary file beside `path` holding `data`, synced (0600 unless `mode` says)."""
    # mkstemp: a name no concurrent writer can share.
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX, dir=path.parent
    )
    try:
        with open(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return Path(temporary)


def replace_with(temporary: Path, path: Path) -> None:
    """Rename a temporary file over `path` (removing it if that fails); the directory entry is
    durable once `fsync_directory` returns."""
    try:
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def fsync_directory(directory: Path) -> None:
    # The rename itself is durable only once the directory is synced; Windows cannot open a
    # directory to sync it, so there a power cut may still lose the last rename (never corrupt).
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
