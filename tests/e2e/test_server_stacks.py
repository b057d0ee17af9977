"""The server on each stack it can run on: asyncio's loop with each HTTP parser
(`--http-parser httptools`, the default, and `h11`), and uvloop (`--event-loop uvloop`) with
httptools. The same answers over HTTP and HTTPS, the same transport guards, a dropped connection,
from a real process. (tests/hostile/test_connections.py runs every guard with both parsers; the
shutdown tests of test_server_process.py do too.)"""

import base64
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from support.data import E2EData
from support.servers import MockServer, start_mock_server, stop_mock_server
from support.sockets import exchange, parse_http

pytestmark = pytest.mark.e2e

# (event loop, HTTP parser)
STACKS = [("asyncio", "httptools"), ("asyncio", "h11"), ("uvloop", "httptools")]


@pytest.fixture(scope="module", params=STACKS, ids=["-".join(stack) for stack in STACKS])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MockServer]:
    loop, parser = request.param
    started = start_mock_server(
        tmp_path_factory.mktemp(f"{loop}-{parser}"),
        extra_args=[
            *("--event-loop", loop, "--http-parser", parser),
            *("--max-head-bytes", "2048"),
        ],
    )
    try:
        yield started
    finally:
        stop_mock_server(started)


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


def _search_head(data: E2EData, extra: bytes = b"") -> bytes:
    return (
        b"GET /number/search?country=GB HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        + f"Authorization: {_auth(data)}\r\n".encode()
        + extra
        + b"\r\n"
    )


def test_searches_answer_alike_over_http_and_https(server: MockServer, e2e_data: E2EData) -> None:
    context = ssl.create_default_context(cafile=str(server.ca_file))

    plain = _search(server.http_url, e2e_data)
    secure = _search(server.https_url, e2e_data, context)

    assert plain == secure
    assert e2e_data.gb_available[0].encode() in plain


def test_the_wire_answer_is_the_same_on_every_stack(server: MockServer, e2e_data: E2EData) -> None:
    """Status line and headers (but the date; h11 writes its own `Connection` capitalised):
    what uvicorn writes does not depend on the loop or the parser that read the request."""
    answer = exchange(server.http_port, _search_head(e2e_data))
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = [line.lower() for line in head.split(b"\r\n") if not line.startswith(b"date:")]
    assert lines == [
        b"http/1.1 200 ok",
        b"server: uvicorn",
        b"content-length: %d" % len(body),
        b"content-type: application/json",
        b"connection: close",
    ]


def test_a_head_over_the_cap_is_a_413_and_the_server_goes_on(
    server: MockServer, e2e_data: E2EData
) -> None:
    answer = parse_http(
        exchange(server.http_port, _search_head(e2e_data, b"X-Big: " + b"a" * 4096 + b"\r\n"))
    )

    assert answer.status_code == 413
    assert answer.headers["connection"] == "close"
    assert _search(server.http_url, e2e_data)


def test_a_head_over_the_cap_over_https_too(server: MockServer, e2e_data: E2EData) -> None:
    context = ssl.create_default_context(cafile=str(server.ca_file))
    request = urllib.request.Request(
        f"{server.https_url}/number/search?country=GB",
        headers={"Authorization": _auth(e2e_data), "X-Big": "a" * 4096},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10, context=context)
    refused.value.close()
    assert refused.value.code == 413
    assert _search(server.https_url, e2e_data, context)


def test_a_dropped_connection_gets_no_answer_and_the_server_goes_on(
    server: MockServer, e2e_data: E2EData
) -> None:
    assert exchange(server.http_port, _search_head(e2e_data, b"X-Mock-Fault: drop\r\n")) == b""
    assert _search(server.http_url, e2e_data)
