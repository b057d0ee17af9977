"""uvicorn's h11 protocol (`--http-parser h11`) held to the transport limits.

h11 buffers a head whole before it parses it: the cap on one head is h11's own bound on an
incomplete event (a head still unfinished past it), checked again on a head that came whole in
one read. h11 reads a request with both Transfer-Encoding and Content-Length by its
Transfer-Encoding; the connection then closes after the answer (RFC 9112 §6.1: the two may
disagree about where the next request starts).
"""

import asyncio
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from mock_server.serving.protocols.guards import GuardedConnection, head_size, origin_form


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


_FRAMING = {b"transfer-encoding": 1, b"content-length": 2}
_BOTH_FRAMINGS = 3


def _head_facts(event: h11.Request) -> tuple[int, int]:
    """The head's size, and which framing headers it has (a bit each): this runs for every
    request."""
    framing = 0
    for name, _ in event.headers:
        framing |= _FRAMING.get(name, 0)
    return head_size(event.method, event.target, event.headers), framing


class GuardedH11Protocol(GuardedConnection, H11Protocol):
    """uvicorn's h11 protocol within the `TransportLimits` of its class (see `guarded`)."""

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

    def data_received(self, data: bytes) -> None:
        waiting = self.conn.their_state is h11.IDLE
        if waiting and not self._count_head_bytes(len(data)):
            return
        super().data_received(data)
        if not waiting or self.conn.their_state is not h11.IDLE or self.transport.is_closing():
            self._head_done()
        else:
            # A head still unfinished: its deadline runs from its first bytes. (Most heads come
            # whole in one read, and need no timer at all.)
            self._arm_head_timer()

    def send_400_response(self, msg: str) -> None:
        if self.conn.head_too_large:
            self._refuse_too_large()
        else:
            super().send_400_response(msg)

    def _head_unfinished(self) -> bool:
        return self.conn.their_state is h11.IDLE
