"""uvicorn's httptools protocol (`--http-parser httptools`, llhttp in C) held to the transport
limits.

llhttp parses a head as its bytes arrive and keeps no buffer a cap could bound, so the bytes are
counted here: those read while no request body is being read belong to an unfinished head, until
llhttp reports the head complete. A head still unfinished past --max-head-bytes is refused at
once; a head that came whole in one read is measured from its request line and headers, as h11's
protocol does. (A head that begins in the same read as the end of the request before it is
counted from the next read on: at most one read, 256 KiB, beyond the cap.)

A request with both Transfer-Encoding and Content-Length is refused by llhttp with a 400, and the
connection closed: RFC 9112 §6.1 lets a server reject it, and closing is what it requires either
way. An absolute-form target is served as its path, as with h11.
"""

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mock_server.serving.protocols.guards import GuardedConnection, head_size, origin_form

# The longest target httptools.parse_url takes (it keeps offsets in 16 bits).
_MAX_PARSED_URL = 65535


class HeadTooLarge(Exception):
    """Raised from llhttp's callback to stop it at a head over the cap (answered 413)."""


class GuardedHttpToolsProtocol(GuardedConnection, HttpToolsProtocol):
    """uvicorn's httptools protocol within the `TransportLimits` of its class (see `guarded`)."""

    # Between llhttp's message begin and headers complete, and its headers and message complete.
    in_head = False
    in_body = False
    head_too_large = False

    def data_received(self, data: bytes) -> None:
        if not self.in_body and not self._count_head_bytes(len(data)):
            return
        super().data_received(data)
        if not self.in_head or self.transport.is_closing():
            self._head_done()
        elif self.head_bytes > self.limits.max_head_bytes:
            self._refuse_too_large()
        else:
            # A head still unfinished: its deadline runs from its first bytes. (Most heads come
            # whole in one read, and need no timer at all.)
            self._arm_head_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.in_head = True

    def on_headers_complete(self) -> None:
        self.in_head = False
        # The bytes read so far were this head's (and maybe some of its body): given back.
        self._head_done()
        url = self.url
        if head_size(self.parser.get_method(), url, self.headers) > self.limits.max_head_bytes:
            self.head_too_large = True
            raise HeadTooLarge
        if url[:1] != b"/" and url != b"*":
            self.url = url = origin_form(url)
        self.in_body = True
        if len(url) <= _MAX_PARSED_URL:
            super().on_headers_complete()
            return
        # httptools' URL parser takes no longer a target (uvicorn would answer its plain 400),
        # while the head may be longer: the route answers a long query as it does under h11.
        path, _, query = url.partition(b"?")
        self.url = path
        super().on_headers_complete()
        if self.scope.get("path") is not None:
            self.scope["query_string"] = query

    def on_message_complete(self) -> None:
        self.in_body = False
        super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        if self.head_too_large:
            self._refuse_too_large()
        else:
            super().send_400_response(msg)

    def _head_unfinished(self) -> bool:
        return not self.in_body and (
            self.in_head or self.cycle is None or self.cycle.response_complete
        )
