"""The HTTP/1.1 connection: uvicorn's protocol, on the parser the settings choose
(`--http-parser`: httptools or h11), with the bounds a server facing any client needs.

On top of uvicorn's keep-alive timeout, each connection here has:
- a deadline for its request head (a connection that sends nothing, or a head byte by byte, is
  closed when it passes: uvicorn times out only the wait between requests);
- a place among at most `max_connections` (one more is answered 503 and closed at once: every
  connection holds a file descriptor, and running out of them stops the accept loop);
- a cap on the bytes of its unfinished head (a Vonage 413 over it), and all connections a cap on
  the sum of theirs (a 503).
It also serves an absolute-form target (`GET http://host/path`) as its path, as RFC 9112 §3.2.2
asks, and closes a connection after a request framed by both Transfer-Encoding and Content-Length
(§6.1: the two may disagree about where the next request starts).

`guards` holds what both protocols do alike; `h11_guarded` and `httptools_guarded` what each
parser needs; `limits` what all connections of a server share.
"""

import asyncio

from mock_server.domain.errors import MockError
from mock_server.serving.protocols.guards import GuardedConnection
from mock_server.serving.protocols.limits import TransportLimits
from mock_server.settings import HttpParser

__all__ = ["GuardedConnection", "ParserUnavailable", "TransportLimits", "guarded"]


class ParserUnavailable(MockError):
    """`--http-parser httptools` where httptools is not installed."""


def guarded(limits: TransportLimits, parser: HttpParser) -> type[asyncio.Protocol]:
    """The protocol class for uvicorn's `http` setting, its connections sharing `limits`.

    Each module is imported only when chosen: httptools may be missing, and h11 is not needed."""
    base: type[GuardedConnection]
    if parser == "h11":
        from mock_server.serving.protocols.h11_guarded import GuardedH11Protocol

        base = GuardedH11Protocol
    else:
        try:
            from mock_server.serving.protocols.httptools_guarded import (
                GuardedHttpToolsProtocol,
            )
        except ImportError as error:
            raise ParserUnavailable(
                "httptools is not installed here: use --http-parser h11"
            ) from error
        base = GuardedHttpToolsProtocol
    return type(base.__name__, (base,), {"limits": limits})
