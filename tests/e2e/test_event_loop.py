"""The server on uvloop (`--event-loop uvloop`): the same answers and transport guards as on
asyncio's loop, over HTTP and HTTPS, from a real process."""

import base64
import ssl
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.data import E2EData
from support.servers import MockServer, start_mock_server, stop_mock_server
from support.sockets import exchange, parse_http

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def uvloop_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    server = start_mock_server(
        tmp_path_factory.mktemp("uvloop"),
        extra_args=["--event-loop", "uvloop", "--max-head-bytes", "2048"],
    )
    try:
        yield server
    finally:
        stop_mock_server(server)


def _auth(data: E2EData) -> str:
    pair = f"{data.primary.api_key}:{data.primary.api_secret}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def _search(url: str, data: E2EData, context: ssl.SSLContext | None = None) -> bytes:
    request = urllib.request.Request(
        f"{url}/number/search?country=GB&pattern={data.gb_pattern}",
        headers={"Authorization": _auth(data)},
    )
    with urllib.request.urlopen(request, timeout=10, context=context) as response:
        assert response.status == 200
        body: bytes = response.read()
        return body


def test_searches_answer_alike_over_http_and_https(
    uvloop_server: MockServer, e2e_data: E2EData
) -> None:
    context = ssl.create_default_context(cafile=str(Path(uvloop_server.ca_file)))

    plain = _search(uvloop_server.http_url, e2e_data)
    secure = _search(uvloop_server.https_url, e2e_data, context)

    assert plain == secure
    assert e2e_data.gb_available[0].encode() in plain


def test_a_head_over_the_cap_is_a_413_and_the_server_goes_on(
    uvloop_server: MockServer, e2e_data: E2EData
) -> None:
    head = b"GET /number/search HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 4096 + b"\r\n\r\n"

    answer = parse_http(exchange(uvloop_server.http_port, head))

    assert answer.status_code == 413
    assert answer.headers["connection"] == "close"
    assert _search(uvloop_server.http_url, e2e_data)


def test_a_dropped_connection_gets_no_answer_and_the_server_goes_on(
    uvloop_server: MockServer, e2e_data: E2EData
) -> None:
    request = (
        b"GET /number/search?country=GB HTTP/1.1\r\nHost: x\r\n"
        + f"Authorization: {_auth(e2e_data)}\r\n".encode()
        + b"X-Mock-Fault: drop\r\n\r\n"
    )

    assert exchange(uvloop_server.http_port, request) == b""
    assert _search(uvloop_server.http_url, e2e_data)
