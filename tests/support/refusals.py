"""What a refusal must look like, the state before and after a call, and raw requests that an HTTP
client library would not send, to the in-process app."""

import base64
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from fastapi.testclient import TestClient

from mock_server.domain import messages

from . import vonage_xml
from .accounts import MASTER

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
            (b"host", b"localhost"),
            (b"authorization", basic(*MASTER).encode()),
            *(((b"content-type", FORM.encode()),) if body else ()),
            *headers,
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
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
