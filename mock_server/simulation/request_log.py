"""The request log (--log-requests): one line per journaled call, for people watching the mock."""

import json
import logging
import re

from mock_server.simulation.journal import JournalEntry

# A child of the mock's logger: its lines go where the mock's go (serving.logs configures it).
logger = logging.getLogger("mock_server.requests")

# Values are the client's text: quote anything beyond plain characters, so that a newline or a
# quote in a parameter cannot forge a log line, and cut long ones to keep a line a line.
_PLAIN = re.compile(r"[\w.,:/*@+\-]+", re.ASCII)
MAX_VALUE_CHARS = 120
MAX_PARAMS_CHARS = 1000


def request_line(entry: JournalEntry) -> str:
    """`POST /number/buy operation=buy api_key=k status=200 fault=- duration_ms=1.2 params={..}`.

    The parameters are the journal's, so secrets are already masked as the journal masks them.
    """
    params = {name: _cut(value, MAX_VALUE_CHARS) for name, value in entry.params.items()}
    fields = {
        "operation": entry.operation,
        "api_key": entry.api_key,
        "status": entry.status,
        "fault": entry.fault,
        "duration_ms": entry.duration_ms,
    }
    shown = " ".join(f"{name}={_value(value)}" for name, value in fields.items())
    # JSON escapes what the client sent (newlines, quotes, control characters) in one level.
    params_text = json.dumps(params, separators=(",", ":"))
    # The path is the client's when no route matched (journaled as `unmatched`): escaped too.
    where = f"{_value(entry.method)} {_value(entry.path)}"
    return f"{where} {shown} params={_cut(params_text, MAX_PARAMS_CHARS)}"


def log_request(entry: JournalEntry) -> None:
    logger.info("%s", request_line(entry))


def _value(value: object) -> str:
    if value is None or value == "":
        return "-"
    text = _cut(str(value), MAX_VALUE_CHARS)
    return text if _PLAIN.fullmatch(text) else json.dumps(text)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
