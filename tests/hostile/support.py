"""Helpers of the hostile-input tests: what a refusal must look like, the state before and after,
raw requests that an HTTP client library would not send, and raw sockets to a real server."""

import base64
import json
import socket
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from conformance import vonage_xml
from conftest import MASTER
from fastapi.testclient import TestClient

from mock_server.domain import messages

FORM = "application/x-www-form-urlencoded"
XML = {"Accept": "text/xml"}
FIELD_MESSAGES = (messages.FIELD_REQUIRED, messages.FIELD_INVALID)
INVALID, REQUIRED = messages.FIELD_INVALID, messages.FIELD_REQUIRED
LABELS = {
    401: messages.AUTHENTICATION_FAILED,
    405: "method not allowed",
    413: messages.PAYLOAD_TOO_LARGE,
    420: messages.METHOD_FAILED,
}
LIST, SEARCH = "/account/numbers", "/number/search"
BUY, CANCEL, UPDATE = "/number/buy", "/number/cancel", "/number/update"
POSTS = (BUY, CANCEL, UPDATE)
# A GB number on sale in tests/data/small.json, and one master01 owns.
FOR_SALE, OWNED = "447700900001", "447700900500"

Body = dict[str, Any]


class Answer(Protocol):
    """What `refusal` reads: an httpx, requests or RawAnswer response."""

    @property
    def status_code(self) -> int: ...

    @property
    def content(self) -> bytes: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


def basic(api_key: str, api_secret: str) -> str:
    return "Basic " + base64.b64encode(f"{api_key}:{api_secret}".encode()).decode()


def refusal(answer: Answer, path: str, status: int | None, xml: bool = False) -> Body:
    """The body of a clear 4xx in the Vonage shape, read from JSON or XML (asserted here).

    400: `{"<field>": "Is required."|"Is invalid."}`; any other: `error-code` and its label.
    `status=None` takes any 4xx, with any label.
    """
    seen = f"{answer.status_code} {answer.headers.get('content-type')}: {answer.content[:100]!r}"
    if status is None:
        assert 400 <= answer.status_code < 500, seen
    else:
        assert answer.status_code == status, seen
    assert b"Traceback" not in answer.content
    media_type = answer.headers.get("content-type", "").split(";")[0].strip()
    if xml:
        assert media_type == "text/xml", seen
        root, body = vonage_xml.read(answer.content)
        assert root == ("response" if path in POSTS else "inbound-numbers"), answer.content
    else:
        assert media_type == "application/json", seen
        body = json.loads(answer.content)
    if answer.status_code == 400:
        assert body, "a 400 names the fields at fault"
        assert all(message in FIELD_MESSAGES for message in body.values()), body
    elif status is None:
        assert body.keys() == {"error-code", "error-code-label"}, body
        assert body["error-code"] == str(answer.status_code), body
        assert body["error-code-label"], body
    else:
        assert body == {"error-code": str(status), "error-code-label": LABELS[status]}, body
    return body


def state(client: TestClient) -> Body:
    response = client.get("/_mock/state")
    assert response.status_code == 200, response.text
    document: Body = response.json()
    return document


@contextmanager
def unchanged(client: TestClient) -> Iterator[None]:
    """The block must leave the whole state (balances, pool, owned numbers) exactly as it was."""
    before = state(client)
    yield
    assert state(client) == before


def vonage(
    client: TestClient,
    path: str,
    params: Mapping[str, str] | None = None,
    xml: bool = False,
    **kwargs: Any,
) -> httpx.Response:
    """A call of a Vonage route as master01 (Basic header): the parameters in the query string
    of a GET, in the form body of a POST; `content`/`data`/`files`/`headers` as given."""
    headers = {**(XML if xml else {}), **kwargs.pop("headers", {})}
    kwargs.setdefault("auth", MASTER)
    if path in POSTS and params is not None:
        kwargs["data"] = params
        params = None
    method = "POST" if path in POSTS else "GET"
    answer: httpx.Response = client.request(method, path, params=params, headers=headers, **kwargs)
    return answer


@dataclass
class RawAnswer:
    status_code: int
    headers: dict[str, str]
    content: bytes


def raw_asgi(
    client: TestClient,
    method: str,
    path: str,
    query: bytes = b"",
    body: bytes = b"",
    headers: Sequence[tuple[bytes, bytes]] = (),
) -> RawAnswer:
    """A request handed to the in-process app as raw ASGI, for what httpx will not send (a query
    over its 64 KiB limit, bytes that are not UTF-8). Credentials: master01's Basic header."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", basic(*MASTER).encode()),
            *(((b"content-type", FORM.encode()),) if body else ()),
            *headers,
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    messages_sent: list[Mapping[str, Any]] = []
    pending: list[dict[str, Any]] = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        if pending:
            return pending.pop()
        return {"type": "http.disconnect"}

    async def send(message: Mapping[str, Any]) -> None:
        messages_sent.append(message)

    async def call() -> None:
        await client.app(scope, receive, send)

    assert client.portal is not None, "the client must be started (the fixture does it)"
    try:
        client.portal.call(call)
    except Exception as error:  # what a server would log as a stack trace, answering 500
        sent = f"after sending {messages_sent[0]['status']}" if messages_sent else "sending nothing"
        raise AssertionError(f"the app raised {error!r}, {sent}") from error
    start, *rest = messages_sent
    response_headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in start["headers"]}
    content = b"".join(message.get("body", b"") for message in rest)
    return RawAnswer(start["status"], response_headers, content)


# -- raw sockets to a real server ---------------------------------------------------------------


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
