"""Raw sockets to a real server: bytes an HTTP client would not send, and the answer parsed."""

import socket
import threading
from dataclasses import dataclass


def exchange(port: int, data: bytes, half_close: bool = False, timeout: float = 10) -> bytes:
    """Send `data` on a new connection to 127.0.0.1:port and return all it answers (the server
    may answer, and close, before it has read everything: sending goes on in a thread)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        failures: list[OSError] = []

        def send() -> None:
            try:
                sock.sendall(data)
                if half_close:
                    sock.shutdown(socket.SHUT_WR)
            except OSError as error:  # the server closed first; its answer is read below
                failures.append(error)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
        sender.join(timeout)
    return received


@dataclass
class HttpAnswer:
    status_code: int
    headers: dict[str, str]
    content: bytes


def parse_http(raw: bytes) -> HttpAnswer:
    """An HTTP/1.1 response as read from a socket (Content-Length or chunked body)."""
    head, separator, rest = raw.partition(b"\r\n\r\n")
    assert separator, f"no complete HTTP response: {raw[:200]!r}"
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while True:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line, 16)
            if size == 0:
                break
            body, rest = body + rest[:size], rest[size + 2 :]
    else:
        body = rest[: int(headers.get("content-length", len(rest)))]
    return HttpAnswer(int(status_line.split(" ")[1]), headers, body)
