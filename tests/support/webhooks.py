"""A local webhook receiver for the webhook tests (in-process and end-to-end).

`Receiver` is an `http.server` on 127.0.0.1:0 in a thread: it records every request and answers
the status it is told, optionally after holding the request (to outlast a webhook timeout, or
to keep a probe in flight while a test does something else). `refusing_url()` is a URL where a
socket is bound but never listens, so a connection is refused for as long as it is held.
"""

import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import trustme

HOLD_LIMIT = 10.0
"""The longest a held request waits for `release()` (a stopped receiver releases it at once)."""


@dataclass(frozen=True)
class Received:
    """One request as the receiver saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def text(self) -> str:
        """Everything that can carry the message: the query's values and the body."""
        return "\n".join([*self.query.values(), self.body.decode("utf-8", "replace")])


@dataclass
class Receiver:
    """Answers `status` with `body`; holds requests first while `hold` is set."""

    status: int = 200
    body: bytes = b"ok"
    hold: bool = False
    on_request: Callable[[Received], None] | None = None
    """Called (in the receiver's thread) before the request is held and answered."""
    requests: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    _released: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                receiver._handle(self)

            def do_POST(self) -> None:
                receiver._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep the test output clean

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that gave up (the mock's timeout) is expected here

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def release(self) -> None:
        self._released.set()

    def stop(self) -> None:
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("content-length") or 0)
        received = Received(
            method=handler.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=handler.rfile.read(length) if length else b"",
        )
        self.requests.append(received)
        self.arrived.set()
        if self.on_request is not None:
            self.on_request(received)
        if self.hold:
            self._released.wait(HOLD_LIMIT)
        try:
            handler.send_response(self.status)
            handler.send_header("Content-Type", "text/plain")
            handler.send_header("Content-Length", str(len(self.body)))
            handler.end_headers()
            handler.wfile.write(self.body)
        except OSError:
            pass  # the mock gave up waiting and closed the connection


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    """A started receiver, stopped on the way out."""
    started = Receiver().start()
    try:
        yield started
    finally:
        started.stop()


@contextmanager
def refusing_url() -> Iterator[str]:
    """An http URL on 127.0.0.1 that refuses connections while the context lasts."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))  # bound, never listening: connect() is refused
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/webhooks"


@dataclass
class Flood:
    """What a flooding receiver did: the bytes of body it managed to send."""

    sent: int = 0
    answering: threading.Event = field(default_factory=threading.Event)
    """Set once the head of the answer is sent."""
    done: threading.Event = field(default_factory=threading.Event)


FLOOD_CAP = 64 * 1024 * 1024
"""A flooding receiver stops here whatever happens: the test stays bounded if the mock reads on."""


@contextmanager
def flooding_url(declared: int = 1024**3, pause: float = 0.0) -> Iterator[tuple[str, Flood]]:
    """A receiver on 127.0.0.1 that answers 200 with a `declared`-byte body it sends without
    end (up to FLOOD_CAP), pausing `pause` seconds between 1-byte pieces when `pause` is set
    (a drip) and sending 64 KiB pieces otherwise; it stops when the client closes."""
    flood = Flood()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.settimeout(10)

        def serve() -> None:
            try:
                connection, _ = server.accept()
            except OSError:
                flood.done.set()
                return
            with connection:
                connection.settimeout(10)
                try:
                    head = b""
                    while b"\r\n\r\n" not in head:
                        head += connection.recv(65536) or b"\r\n\r\n"
                    connection.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                        b"Content-Length: %d\r\n\r\n" % declared
                    )
                    flood.answering.set()
                    piece = b"x" if pause else b"y" * 65536
                    while flood.sent < FLOOD_CAP and not flood.done.is_set():
                        connection.sendall(piece)
                        flood.sent += len(piece)
                        if pause:
                            flood.done.wait(pause)
                except OSError:
                    pass  # the client closed: what a bounded reader does
            flood.done.set()

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.getsockname()[1]}/flood", flood
        finally:
            flood.done.set()
            thread.join(timeout=15)


@contextmanager
def tls_server_names(port_holder: list[int]) -> Iterator[list[str | None]]:
    """A TLS listener on 127.0.0.1 (a certificate no client trusts) that records the server name
    (SNI) each client asks for, then lets the handshake fail; its port goes in `port_holder`."""
    names: list[str | None] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("localhost").configure_cert(context)

    def record(sock: ssl.SSLObject, name: str | None, _: ssl.SSLContext) -> None:
        names.append(name)

    context.sni_callback = record  # type: ignore[assignment]
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.settimeout(10)
        port_holder.append(server.getsockname()[1])

        def serve() -> None:
            try:
                connection, _ = server.accept()
                with context.wrap_socket(connection, server_side=True) as tls:
                    tls.recv(1)
            except OSError:
                pass  # the client refuses the certificate: what this listener expects

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            yield names
        finally:
            thread.join(timeout=15)
