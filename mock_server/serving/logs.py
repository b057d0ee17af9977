"""The server's log: uvicorn's logging set-up, plus the mock's loggers, its lines said once, and
the rate limit on the lines one condition (a flood of refused connections) would repeat."""

import asyncio
import copy
import logging
import time
from typing import Any

from uvicorn.config import LOGGING_CONFIG

from mock_server.settings import Settings

# The mock's own lines (the start block, the request log) go through this logger and its
# children, printed by uvicorn's handler so they read like uvicorn's.
logger = logging.getLogger("mock_server")

# uvicorn logs these once per server; the mock runs two (HTTP and HTTPS) for one app in one
# process, so each would show twice. The start block and `STOPPED` say it once instead.
UVICORN_LIFECYCLE = frozenset(
    {
        "Started server process [%d]",
        "Finished server process [%d]",
        "Waiting for application startup.",
        "Application startup complete.",
        "Waiting for application shutdown.",
        "Application shutdown complete.",
        "Shutting down",
        "Waiting for connections to close. (CTRL+C to force quit)",
        "Waiting for background tasks to complete. (CTRL+C to force quit)",
    }
)
STOPPING = "Shutting down"
STOPPED = "Stopped"
LOG_INTERVAL_SECONDS = 10.0


class QuietLifecycle(logging.Filter):
    """Drops uvicorn's per-server lifecycle lines; its warnings and errors pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "uvicorn.error" and record.msg in UVICORN_LIFECYCLE)


def log_config(settings: Settings) -> dict[str, Any]:
    """uvicorn's logging configuration with the filter above and the mock's loggers added."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"lifecycle": {"()": QuietLifecycle}}
    config["handlers"]["default"]["filters"] = ["lifecycle"]
    config["loggers"][logger.name] = {
        "handlers": ["default"],
        "level": settings.log_level.upper(),
        "propagate": False,
    }
    # --log-requests asks for these lines: they show whatever the log level.
    config["loggers"][f"{logger.name}.requests"] = {"level": "INFO"}
    return config


class RateLimitFilter(logging.Filter):
    """Lets one record of a kind (logger and first line of its message) through per interval,
    and says on the next one how many it held back: one condition must not flood the log."""

    def __init__(self, interval: float = LOG_INTERVAL_SECONDS) -> None:
        super().__init__()
        self.interval = interval
        self._last: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg).split("\n", 1)[0])
        now = time.monotonic()
        last, held = self._last.get(key, (-self.interval, 0))
        if now - last < self.interval:
            self._last[key] = (last, held + 1)
            return False
        self._last[key] = (now, 0)
        if held:
            record.msg = f"{record.msg} ({held} more like this in the last {now - last:.0f} s)"
        return True


class QuietCancellation(logging.Filter):
    """Drops the stack trace uvicorn logs for a request it cancels: it does so only when the
    shutdown grace ends, and the request was answered then (see the protocols' `interrupt`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and record.exc_info[0] is asyncio.CancelledError)


def install_log_limits(names: tuple[str, ...] = ("uvicorn.error", "asyncio")) -> None:
    """Rate-limit the loggers the server speaks through, and quiet cancellations (once per
    process)."""
    for name in names:
        target = logging.getLogger(name)
        if not any(isinstance(f, RateLimitFilter) for f in target.filters):
            target.addFilter(QuietCancellation())
            target.addFilter(RateLimitFilter())
