"""What both guarded protocols do alike: count their connection among the limits' (refusing one
too many with a 503), count the bytes of an unfinished request head and hold it to a deadline,
refuse with Vonage's bodies, and answer a request still running when the shutdown grace ends.

Each protocol says, in its parser's terms, when a head is unfinished (`_head_unfinished`) and
feeds the counts from its `data_received`.
"""

import asyncio
import logging
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any, ClassVar
from urllib.parse import urlsplit

from starlette.responses import Response
from uvicorn.server import ServerState

from mock_server.domain import messages
from mock_server.domain.errors import PayloadTooLarge
from mock_server.serving.protocols.limits import TransportLimits
from mock_server.vonage.rendering import NEGOTIATED_JSON, STATUS_ROOT, Renderer, status_wire

logger = logging.getLogger("uvicorn.error")


class GuardedConnection(asyncio.Protocol):
    """Mixed in before uvicorn's protocol class (`class P(GuardedConnection, H11Protocol)`):
    its methods call uvicorn's through `super()`."""

    limits: ClassVar[TransportLimits]  # given by `protocols.guarded`
    # uvicorn's protocols set these.
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    server_state: ServerState
    cycle: Any

    # Bytes of the unfinished head counted in `limits.pending_head_bytes`, and its deadline.
    head_bytes = 0
    head_timer: asyncio.TimerHandle | None = None
    counted = False

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

    def _head_unfinished(self) -> bool:
        """Whether the connection is yet to send the whole head of its next request."""
        raise NotImplementedError

    def _count_head_bytes(self, size: int) -> bool:
        """Count `size` bytes of a head among all pending heads' bytes; False (the connection
        refused) when they would pass --max-pending-head-bytes."""
        limits = self.limits
        if limits.pending_head_bytes + size > limits.max_pending_head_bytes:
            logger.warning("Refused a request head: --max-pending-head-bytes reached")
            self._refuse(_busy())
            return False
        self.head_bytes += size
        limits.pending_head_bytes += size
        return True

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
        if self._head_unfinished() and not self.transport.is_closing():
            # Silently, as at the end of a keep-alive wait: most are clients that connected
            # ahead of need (browsers do) or that went away without closing.
            self._head_done()
            self.transport.close()

    def _refuse_too_large(self) -> None:
        """Vonage's 413, as the app answers a query string over its limit; in JSON, since the
        headers that could ask for XML may not have arrived."""
        self._refuse(_too_large())

    def _refuse(self, response: Response) -> None:
        self._head_done()
        self.transport.write(_raw(response, self.server_state.default_headers))
        self.transport.close()


# Request line bytes besides method and target, and the head's closing CRLF; each header line
# adds ": " and CRLF.
_REQUEST_LINE_EXTRA = len(b"  HTTP/1.1\r\n\r\n")
_HEADER_LINE_EXTRA = len(b": \r\n")


def head_size(method: bytes, target: bytes, headers: Iterable[tuple[bytes, bytes]]) -> int:
    """About the bytes of the head a parsed request came in: its request line and headers."""
    size = len(method) + len(target) + _REQUEST_LINE_EXTRA
    for name, value in headers:
        size += len(name) + len(value) + _HEADER_LINE_EXTRA
    return size


def origin_form(target: bytes) -> bytes:
    """`http://host:port/path?query` as `/path?query` (RFC 9112 §3.2.2)."""
    parts = urlsplit(target)
    path = parts.path or b"/"
    return path + b"?" + parts.query if parts.query else path


def _busy() -> Response:
    body = status_wire("503", messages.SERVICE_UNAVAILABLE)
    return Renderer().respond(body, STATUS_ROOT, NEGOTIATED_JSON, 503, {"Retry-After": "1"})


def _too_large() -> Response:
    return Renderer().error(PayloadTooLarge(), None, NEGOTIATED_JSON, 413)


def _raw(response: Response, default_headers: list[tuple[bytes, bytes]]) -> bytes:
    """The response as bytes on the wire, telling the client the connection closes."""
    status = HTTPStatus(response.status_code)
    lines = [b"HTTP/1.1 %d %s" % (status.value, status.phrase.encode())]
    lines += [name + b": " + value for name, value in [*default_headers, *response.raw_headers]]
    lines.append(b"connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + bytes(response.body)
