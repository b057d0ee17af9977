"""The server's log: uvicorn's logging set-up, plus the mock's loggers and its lines said once."""

import copy
import logging
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
