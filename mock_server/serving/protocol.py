"""The HTTP/1.1 connection: uvicorn's h11 protocol with the bounds a server facing any client needs.

On top of uvicorn's keep-alive timeout, each connection here has:
- a deadline for its request head (a connection that sends nothing, or a head byte by byte, is
  closed when it passes: uvicorn times out only the wait between requests);
- a place among at most `max_connections` (one more is answered 503 and closed at once: every
  connection holds a file descriptor, and running out of them stops the accept loop);
- a cap on the bytes of its unfinished head, and all connections a cap on the sum of theirs (h11
  buffers a head whole before it parses it).
It also serves an absolute-form target (`GET http://host/path`) as its path, as RFC 9112 §3.2.2
asks, and closes a connection after a request framed by both Transfer-Encoding and Content-Length
(§6.1: the two may disagree about where the next request starts).
"""

import asyncio
import logging
import resource
import time
from typing import Any
from urllib.parse import urlsplit

import h11
import uvicorn
from starlette.responses import Response
from uvicorn.protocols.http.h11_impl import STATUS_PHRASES, H11Protocol
from uvicorn.server import ServerState

from mock_server.domain import messages
from mock_server.domain.errors import PayloadTooLarge
from mock_server.settings import Settings
from mock_server.vonage.rendering import NEGOTIATED_JSON, STATUS_ROOT, Renderer, status_wire

logger = logging.getLogger("uvicorn.error")

LOG_INTERVAL_SECONDS = 10.0
# File descriptors left for all but client connections: listeners, the event loop, logs, the
# state file, webhook clients.
FILES_KEPT_FREE = 48


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
    shutdown grace ends, and the request was answered then (see `interrupt`)."""

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


class TransportLimits:
    """What all connections of a server share: their count and their unfinished heads' bytes."""

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


class _Connection(h11.Connection):
    """h11's connection with a cap on a request head, reading absolute-form targets as their
    path, and closing after a request that has both Transfer-Encoding and Content-Length."""

    def __init__(self, max_head_bytes: int) -> None:
        super().__init__(h11.SERVER, max_head_bytes)
        self.max_head_bytes = max_head_bytes
        self.head_too_large = False

    def next_event(self) -> Any:
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as error:
            # 431 is h11's hint for a head still unfinished past the cap.
            self.head_too_large = error.error_status_hint == 431
            raise
        if not isinstance(event, h11.Request):
            return event
        size, framing = _head_facts(event)
        if size > self.max_head_bytes:  # one that came whole in one read
            self.head_too_large = True
            raise h11.RemoteProtocolError("request head too large", 431)
        if framing == _BOTH_FRAMINGS:
            # Served by its Transfer-Encoding (h11 reads it so), then the connection closes.
            self._cstate.process_keep_alive_disabled()
        if event.target[:1] not in (b"/", b"*"):
            event = h11.Request(
                method=event.method,
                target=origin_form(event.target),
                headers=event.headers,
                http_version=event.http_version,
            )
        return event


_REQUEST_LINE_EXTRA = len(b"  HTTP/1.1\r\n") + 2  # spaces, version, CRLFs of line and head
_FRAMING = {b"transfer-encoding": 1, b"content-length": 2}
_BOTH_FRAMINGS = 3


def head_size(event: h11.Request) -> int:
    """About the bytes of the head the event was read from."""
    return _head_facts(event)[0]


def _head_facts(event: h11.Request) -> tuple[int, int]:
    """`head_size`, and which framing headers the head has (a bit each), in one pass: this
    runs for every request."""
    size, framing = len(event.method) + len(event.target) + _REQUEST_LINE_EXTRA, 0
    for name, value in event.headers:
        size += len(name) + len(value) + 4
        framing |= _FRAMING.get(name, 0)
    return size, framing


def origin_form(target: bytes) -> bytes:
    """`http://host:port/path?query` as `/path?query` (RFC 9112 §3.2.2)."""
    parts = urlsplit(target)
    path = parts.path or b"/"
    return path + b"?" + parts.query if parts.query else path


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol within the `TransportLimits` of its class (see `guarded`)."""

    limits: TransportLimits
    conn: _Connection

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.conn = _Connection(self.limits.max_head_bytes)
        self.head_bytes = 0
        self.counted = False
        self.head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self.limits.connections >= self.limits.max_connections:
            logger.warning(
                "Refused a connection: %d open, the most --max-connections allows",
                self.limits.connections,
            )
            self._refuse(_busy())
            return
        self.limits.connections += 1
        self.counted = True
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.counted:
            self.limits.connections -= 1
            self.counted = False
        self._head_done()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        waiting = self.conn.their_state is h11.IDLE
        if waiting:
            if self.limits.pending_head_bytes + len(data) > self.limits.max_pending_head_bytes:
                logger.warning("Refused a request head: --max-pending-head-bytes reached")
                self._refuse(_busy())
                return
            self.head_bytes += len(data)
            self.limits.pending_head_bytes += len(data)
        super().data_received(data)
        if not waiting or self.conn.their_state is not h11.IDLE or self.transport.is_closing():
            self._head_done()
        else:
            # A head still unfinished: its deadline runs from its first bytes. (Most heads come
            # whole in one read, and need no timer at all.)
            self._arm_head_timer()

    def send_400_response(self, msg: str) -> None:
        if self.conn.head_too_large:
            # Vonage's 413, as the app answers a query string over its limit; in JSON, since
            # the headers that could ask for XML may not have arrived.
            self._refuse(_too_large())
        else:
            super().send_400_response(msg)

    def _arm_head_timer(self) -> None:
        if self.head_timer is None:
            self.head_timer = self.loop.call_later(self.limits.head_timeout, self._head_timeout)

    def _head_done(self) -> None:
        self.limits.pending_head_bytes -= self.head_bytes
        self.head_bytes = 0
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timeout(self) -> None:
        self.head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            # Silently, as at the end of a keep-alive wait: most are clients that connected
            # ahead of need (browsers do) or that went away without closing.
            self._head_done()
            self.transport.close()

    def interrupt(self) -> bool:
        """Ends a request still running as the server stops: a 503 and closed when nothing is
        sent yet, else closed. True when there was one."""
        cycle = self.cycle
        if cycle is None or cycle.response_complete or self.transport.is_closing():
            return False
        if cycle.response_started:
            self.transport.abort()
        else:
            self._refuse(_busy())
        # What the application sends from now on goes nowhere (uvicorn's own 500 included).
        cycle.disconnected = True
        return True

    def _refuse(self, response: Response) -> None:
        self._head_done()
        self.transport.write(_raw(response, self.server_state.default_headers))
        self.transport.close()


def guarded(limits: TransportLimits) -> type[GuardedH11Protocol]:
    """The protocol class for uvicorn's `http` setting, its connections sharing `limits`."""
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"limits": limits})


def _busy() -> Response:
    body = status_wire("503", messages.SERVICE_UNAVAILABLE)
    return Renderer().respond(body, STATUS_ROOT, NEGOTIATED_JSON, 503, {"Retry-After": "1"})


def _too_large() -> Response:
    return Renderer().error(PayloadTooLarge(), None, NEGOTIATED_JSON, 413)


def _raw(response: Response, default_headers: list[tuple[bytes, bytes]]) -> bytes:
    """The response as bytes on the wire, telling the client the connection closes."""
    status = response.status_code
    lines = [b"HTTP/1.1 %d %s" % (status, STATUS_PHRASES[status])]
    lines += [name + b": " + value for name, value in [*default_headers, *response.raw_headers]]
    lines.append(b"connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + bytes(response.body)
