"""What all connections of a server share: their count and the bytes of their unfinished heads,
bounded by the settings."""

import logging
import resource

from mock_server.settings import Settings

logger = logging.getLogger("uvicorn.error")

# File descriptors left for all but client connections: listeners, the event loop, logs, the
# state file, webhook clients.
FILES_KEPT_FREE = 48


class TransportLimits:
    """The bounds of a server's connections (HTTP and HTTPS together), and their use."""

    def __init__(self, settings: Settings) -> None:
        self.head_timeout = settings.head_timeout
        self.max_connections = _within_open_files(settings.max_connections)
        self.max_head_bytes = settings.max_head_bytes
        self.max_pending_head_bytes = settings.max_pending_head_bytes
        self.connections = 0
        self.pending_head_bytes = 0


def _within_open_files(max_connections: int) -> int:
    """At most as many connections as the process can open files, less a few for the rest: at
    the open-files limit, accepting fails in a loop and nothing is served."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or max_connections <= soft - FILES_KEPT_FREE:
        return max_connections
    fitting = max(1, soft - FILES_KEPT_FREE)
    logger.warning(
        "At most %d connections (not --max-connections %d): the open-files limit is %d",
        fitting,
        max_connections,
        soft,
    )
    return fitting
