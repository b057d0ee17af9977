"""The control API's door, against a real server on raw sockets: the Host and Origin a web page
would send are refused (403), the admin token is checked before any body is read (401), and a
body over its bound is a 413 before it is read. Each answer comes while the client has sent the
head only: a server that waited for the body would never answer these."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from support.data import SMALL
from support.servers import MockServer, start_mock_server, stop_mock_server
from support.sockets import HttpAnswer, exchange, parse_http

from mock_server.domain import messages

pytestmark = pytest.mark.e2e

TOKEN = "s3cret-token"
STATE_LIMIT = 64 * 1024
BODY_LIMIT = 4 * 1024
HUGE = 600 * 1024 * 1024  # declared, never sent
EXTRA_HOST = "numbers-mock"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    args = ["--admin-token", TOKEN, "--max-state-bytes", str(STATE_LIMIT),
            "--max-control-body-bytes", str(BODY_LIMIT), "--allowed-hosts", EXTRA_HOST]  # fmt: skip
    started = start_mock_server(
        tmp_path_factory.mktemp("guard"), fixtures=SMALL, https=False, extra_args=args
    )
    try:
        yield started
    finally:
        stop_mock_server(started)


def _head(method: str, path: str, host: str, *headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _ask(server: MockServer, data: bytes) -> HttpAnswer:
    # The socket gives up after 10 s: a server that waits for a body never sent fails the test.
    return parse_http(exchange(server.http_port, data, timeout=10))


def _problem(answer: HttpAnswer, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.content[:300]
    assert answer.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = json.loads(answer.content)
    assert body["status"] == status
    return body


def _state(server: MockServer) -> Any:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    answer = requests.get(f"{server.http_url}/_mock/state", headers=auth, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _local(server: MockServer) -> str:
    return f"127.0.0.1:{server.http_port}"


BEARER = f"Authorization: Bearer {TOKEN}"


# -- item 6: the token before the body, and bounded bodies ------------------------------------


def test_an_unauthenticated_600_mib_state_is_a_401_before_its_body(server: MockServer) -> None:
    before = _state(server)
    head = _head("PUT", "/_mock/state", _local(server), f"Content-Length: {HUGE}",
                 "Content-Type: application/json")  # fmt: skip
    answer = _ask(server, head)
    _problem(answer, 401)
    assert answer.headers["www-authenticate"] == "Bearer"
    assert _state(server) == before


def test_a_state_over_max_state_bytes_is_a_413_before_its_body(server: MockServer) -> None:
    before = _state(server)
    head = _head("PUT", "/_mock/state", _local(server), BEARER, f"Content-Length: {HUGE}",
                 "Content-Type: application/json")  # fmt: skip
    body = _problem(_ask(server, head), 413)
    assert body["detail"] == messages.BODY_TOO_LARGE.format(
        limit=STATE_LIMIT, flag="--max-state-bytes", variable="NUMBERS_MOCK_MAX_STATE_BYTES"
    )
    assert _state(server) == before


def test_a_chunked_state_over_the_limit_is_a_413(server: MockServer) -> None:
    before = _state(server)
    head = _head("PUT", "/_mock/state", _local(server), BEARER, "Transfer-Encoding: chunked",
                 "Content-Type: application/json")  # fmt: skip
    chunk = b"x" * 16384
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(8)) + b"0\r\n\r\n"
    body = _problem(_ask(server, head + chunks), 413)
    assert "--max-state-bytes" in body["detail"]
    assert _state(server) == before


def test_a_state_under_the_limit_is_read(server: MockServer) -> None:
    document = json.dumps(_state(server)).encode()
    assert len(document) < STATE_LIMIT
    head = _head("PUT", "/_mock/state", _local(server), BEARER, f"Content-Length: {len(document)}",
                 "Content-Type: application/json")  # fmt: skip
    answer = _ask(server, head + document)
    assert answer.status_code == 200, answer.content
    assert json.loads(answer.content)["status"] == "ok"


@pytest.mark.parametrize("path", ["/_mock/faults", "/_mock/numbers", "/_mock/accounts",
                                  "/_mock/inbound/sms"])  # fmt: skip
def test_other_control_bodies_over_their_limit_are_a_413(server: MockServer, path: str) -> None:
    before = _state(server)
    head = _head("POST", path, _local(server), BEARER, f"Content-Length: {BODY_LIMIT + 1}",
                 "Content-Type: application/json")  # fmt: skip
    body = _problem(_ask(server, head), 413)
    assert body["detail"] == messages.BODY_TOO_LARGE.format(
        limit=BODY_LIMIT, flag="--max-control-body-bytes",
        variable="NUMBERS_MOCK_MAX_CONTROL_BODY_BYTES",
    )  # fmt: skip
    assert _state(server) == before


# -- item 10: Host and Origin ------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        pytest.param("evil.example", id="a-foreign-name"),
        pytest.param("evil.example:{port}", id="a-foreign-name-with-port"),
        pytest.param("localhost.evil.example", id="a-name-that-starts-like-localhost"),
    ],
)
def test_a_foreign_host_is_a_403_before_the_token(server: MockServer, host: str) -> None:
    """What a page that rebinds its own name to 127.0.0.1 sends; no token is asked of it."""
    host = host.format(port=server.http_port)
    answer = _ask(server, _head("GET", "/_mock/state", host))
    body = _problem(answer, 403)
    assert body["field"] == "Host"
    assert body["detail"] == messages.UNKNOWN_HOST.format(host=host)


def test_a_foreign_host_cannot_write_even_with_the_token(server: MockServer) -> None:
    before = _state(server)
    answer = _ask(server, _head("POST", "/_mock/reset", "evil.example", BEARER))
    _problem(answer, 403)
    assert _state(server) == before


@pytest.mark.parametrize(
    "host",
    [
        pytest.param("localhost:{port}", id="localhost"),
        pytest.param("127.0.0.1:{port}", id="loopback-address"),
        pytest.param("[::1]:{port}", id="ipv6-loopback"),
        pytest.param("app.localhost", id="a-localhost-subdomain"),
        pytest.param("10.1.2.3:{port}", id="an-ip-literal"),
        pytest.param("rest.nexmo.com", id="a-certificate-name"),
        pytest.param(EXTRA_HOST + ":{port}", id="an-allowed-host"),
        pytest.param("NUMBERS-MOCK", id="an-allowed-host-in-capitals"),
    ],
)
def test_the_names_the_mock_serves_are_answered(server: MockServer, host: str) -> None:
    answer = _ask(server, _head("GET", "/_mock/faults", host.format(port=server.http_port), BEARER))
    assert answer.status_code == 200, answer.content


def test_a_foreign_origin_is_a_403(server: MockServer) -> None:
    before = _state(server)
    head = _head("POST", "/_mock/reset", _local(server), BEARER, "Origin: https://evil.example")
    body = _problem(_ask(server, head), 403)
    assert body["field"] == "Origin"
    assert body["detail"] == messages.FOREIGN_ORIGIN.format(origin="https://evil.example")
    assert _state(server) == before


@pytest.mark.parametrize(
    "origin",
    [
        pytest.param("null", id="null"),
        pytest.param("http://127.0.0.1:1", id="another-port"),
        pytest.param("https://127.0.0.1:{port}", id="another-scheme"),
    ],
)
def test_an_origin_that_is_not_the_mock_s_own_is_a_403(server: MockServer, origin: str) -> None:
    origin = origin.format(port=server.http_port)
    head = _head("GET", "/_mock/faults", _local(server), BEARER, f"Origin: {origin}")
    assert _problem(_ask(server, head), 403)["field"] == "Origin"


def test_the_mock_s_own_origin_is_answered(server: MockServer) -> None:
    """The dashboard's own fetches carry the page's origin: the mock's."""
    head = _head("GET", "/_mock/faults", _local(server), BEARER,
                 f"Origin: http://{_local(server)}")  # fmt: skip
    assert _ask(server, head).status_code == 200


def test_the_dashboard_page_is_served_whatever_the_host(server: MockServer) -> None:
    """A plain GET of the page: it holds no data, and its own fetches are checked."""
    head = _head("GET", "/_mock/ui/", "evil.example", "Origin: https://evil.example")
    answer = _ask(server, head)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")


def test_health_from_a_foreign_host_is_refused_too(server: MockServer) -> None:
    answer = _ask(server, _head("GET", "/_mock/health", "evil.example"))
    _problem(answer, 403)
