"""Connections that would hold the server's resources, against real server processes with small
limits: connections that send nothing or a head byte by byte, more connections than allowed or
than the process can open files, unfinished heads over their caps; and the framing a server must
get right (both Transfer-Encoding and Content-Length, absolute-form targets, HEAD).

Each test runs once per HTTP parser (`--http-parser httptools` and `h11`): the guards are built
on each parser's own events."""

import json
import select
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from support.accounts import MASTER
from support.data import SMALL
from support.refusals import LIST, SEARCH, basic, refusal
from support.servers import MockServer, start_mock_server, stop_mock_server
from support.sockets import exchange, parse_http
from support.waiting import wait_for

from mock_server.domain import messages

pytestmark = pytest.mark.e2e

AUTHORIZATION = f"Authorization: {basic(*MASTER)}\r\n".encode()
HEAD_TIMEOUT = 0.5
MAX_CONNECTIONS = 4
MAX_HEAD = 32 * 1024
MAX_PENDING = 80 * 1024
BUSY = {"error-code": "503", "error-code-label": messages.SERVICE_UNAVAILABLE}
TOO_LARGE = {"error-code": "413", "error-code-label": messages.PAYLOAD_TOO_LARGE}
TIMEOUT = 10


@pytest.fixture(params=["httptools", "h11"])
def parser(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


def _start(tmp_path: Path, head_timeout: float, parser: str) -> MockServer:
    limits = (
        "--http-parser", parser,
        "--head-timeout", str(head_timeout),
        "--max-connections", str(MAX_CONNECTIONS),
        "--max-head-bytes", str(MAX_HEAD),
        "--max-pending-head-bytes", str(MAX_PENDING),
    )  # fmt: skip
    return start_mock_server(tmp_path, fixtures=SMALL, extra_args=limits, https=False)


@pytest.fixture
def server(tmp_path: Path, parser: str) -> Iterator[MockServer]:
    """A server with small limits, of its own (the tests hold its connections), and patient
    with request heads: held connections stay open through a test."""
    started = _start(tmp_path, head_timeout=60, parser=parser)
    try:
        yield started
    finally:
        stop_mock_server(started)


@pytest.fixture
def impatient(tmp_path: Path, parser: str) -> Iterator[MockServer]:
    """The same, with half a second for a request head."""
    started = _start(tmp_path, head_timeout=HEAD_TIMEOUT, parser=parser)
    try:
        yield started
    finally:
        stop_mock_server(started)


def _connect(server: MockServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.http_port), timeout=TIMEOUT)


def _read_all(sock: socket.socket) -> bytes:
    """What the server sends until it closes (a socket timeout fails the test)."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def _serving(server: MockServer) -> bool:
    try:
        return requests.get(f"{server.http_url}/_mock/health", timeout=TIMEOUT).status_code == 200
    except requests.ConnectionError:
        return False


def _json(raw: bytes) -> tuple[int, dict[str, str], object]:
    answer = parse_http(raw)
    return answer.status_code, answer.headers, json.loads(answer.content)


def test_a_connection_that_sends_nothing_is_closed(impatient: MockServer) -> None:
    with _connect(impatient) as idle:
        assert _read_all(idle) == b""  # closed without a word, well before the socket timeout
    assert _serving(impatient)


def test_a_head_sent_byte_by_byte_is_closed_at_its_deadline(impatient: MockServer) -> None:
    """Each byte comes well within any wait between reads, but the head never ends: the
    deadline counts from its first byte. (At most 200 bytes at one per 50 ms: 10 s.)"""
    head = b"GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 150
    sent = 0
    with _connect(impatient) as slow:
        for byte in head:
            try:
                slow.sendall(bytes([byte]))
            except OSError:  # closed by the server
                break
            sent += 1
            readable, _, _ = select.select([slow], [], [], HEAD_TIMEOUT / 10)
            if readable:
                assert _read_all(slow) == b""
                break
    assert 0 < sent < len(head)
    assert _serving(impatient)


def test_connections_over_the_limit_get_a_503_and_are_closed(server: MockServer) -> None:
    held = [_connect(server) for _ in range(MAX_CONNECTIONS)]
    try:
        # Each held connection has sent a byte, so each has surely been accepted and counted.
        for sock in held:
            sock.sendall(b"G")
        for _ in range(20):
            with _connect(server) as refused:
                status, headers, body = _json(_read_all(refused))
                assert (status, body) == (503, BUSY)
                assert headers["connection"] == "close"
    finally:
        for sock in held:
            sock.close()
    wait_for(lambda: _serving(server), "a place once the held connections close")
    refusals = [line for line in server.stderr().splitlines() if "Refused a connection" in line]
    assert len(refusals) == 1, refusals  # one line for the twenty: the log is rate-limited


@pytest.fixture
def few_files(tmp_path: Path, parser: str) -> Iterator[MockServer]:
    """A server that may open 64 files (so 16 connections), with the default 500 connections."""
    args = ("--http-parser", parser, "--head-timeout", "60")
    started = start_mock_server(
        tmp_path, fixtures=SMALL, extra_args=args, https=False, open_files=64
    )
    try:
        yield started
    finally:
        stop_mock_server(started)


def test_the_open_files_limit_bounds_the_connections(few_files: MockServer) -> None:
    """Past the open-files limit accepting fails (an error and a stack trace each time) and a
    new client waits unanswered: the server takes fewer connections than it can open files,
    and refuses the next ones clearly."""
    held: list[socket.socket] = []
    try:
        for _ in range(16):
            held.append(_connect(few_files))
            held[-1].sendall(b"G")
        for _ in range(64):
            with _connect(few_files) as refused:
                assert _json(_read_all(refused))[::2] == (503, BUSY)
    finally:
        for sock in held:
            sock.close()
    wait_for(lambda: _serving(few_files), "a place once the held connections close")
    log = few_files.stderr()
    assert "the open-files limit is 64" in log
    assert "out of system resource" not in log


def test_running_out_of_files_is_logged_once_per_interval(few_files: MockServer) -> None:
    """A burst of connections faster than the server can refuse them does run it out of files
    for a moment: it says so once, not once per failed accept, and serves again after."""
    burst: list[socket.socket] = []
    try:
        for _ in range(100):
            burst.append(_connect(few_files))
    finally:
        for sock in burst:
            sock.close()
    wait_for(lambda: _serving(few_files), "serving after the burst")
    log = few_files.stderr()
    assert log.count("out of system resource") <= 1, log[-2000:]


def test_a_head_over_its_cap_is_a_vonage_413(server: MockServer) -> None:
    line = b"GET /number/search?country=GB&pattern=" + b"4" * MAX_HEAD + b" HTTP/1.1"
    answer = exchange(server.http_port, line + b"\r\nHost: 127.0.0.1\r\n\r\n")
    status, headers, body = _json(answer)
    assert (status, body) == (413, TOO_LARGE)
    assert headers["connection"] == "close"
    assert _serving(server)


def test_an_unfinished_head_past_its_cap_is_a_vonage_413(server: MockServer) -> None:
    """A head that never ends, sent in pieces: refused once its bytes pass the cap, not left to
    grow until its deadline."""
    with _connect(server) as sock:
        sock.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ")
        sent = 0
        while sent <= 2 * MAX_HEAD:
            try:
                sock.sendall(b"a" * 4096)
            except OSError:  # closed by the server, its answer waiting to be read
                break
            sent += 4096
            if select.select([sock], [], [], 0.02)[0]:
                break
        status, headers, body = _json(_read_all(sock))
    assert (status, body) == (413, TOO_LARGE)
    assert headers["connection"] == "close"
    assert sent <= MAX_HEAD + 64 * 1024
    assert _serving(server)


def test_unfinished_heads_together_are_capped(server: MockServer) -> None:
    """Three heads of 30 KiB, each under its cap, never finished: together over 80 KiB, so one
    is refused (whichever the server reads last) and the others wait on."""
    part = b"GET /_mock/health HTTP/1.1\r\nX-Padding: " + b"a" * (30 * 1024)
    sockets = [_connect(server) for _ in range(3)]
    try:
        for sock in sockets:
            sock.sendall(part)
        # Once a later request has its answer, the server has read the three parts.
        assert _serving(server)
        readable, _, _ = select.select(sockets, [], [], 0)
        assert len(readable) == 1, readable
        assert _json(_read_all(readable[0]))[::2] == (503, BUSY)
    finally:
        for sock in sockets:
            sock.close()
    # Their bytes are given back once they close: a head as long as one of them is served.
    health = part + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    wait_for(lambda: parse_http(exchange(server.http_port, health)).status_code == 200, "served")


def test_transfer_encoding_with_content_length_closes_after_the_answer(
    server: MockServer, parser: str
) -> None:
    """One answer, then closed: a request pipelined behind it is not read, since the two
    framings may disagree about where it starts (RFC 9112 §6.1: the server may reject such a
    request or read it by its Transfer-Encoding, and must close the connection either way).
    h11 reads it by its chunked body; llhttp (httptools) rejects it with uvicorn's 400."""
    smuggler = (
        b"GET " + LIST.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTHORIZATION
        + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"
    )  # fmt: skip
    behind = b"GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    raw = exchange(server.http_port, smuggler + behind)
    first = parse_http(raw)
    assert first.status_code == {"h11": 200, "httptools": 400}[parser], raw[:300]
    assert first.headers["connection"] == "close"
    assert raw.count(b"HTTP/1.1 ") == 1, raw


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("http://127.0.0.1:{port}/number/search?country=GB&size=1", id="with port"),
        pytest.param("http://example.com/number/search?country=GB&size=1", id="other host"),
    ],
)
def test_an_absolute_form_target_is_served_as_its_path(server: MockServer, target: str) -> None:
    line = f"GET {target.format(port=server.http_port)} HTTP/1.1".encode()
    data = line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + AUTHORIZATION + b"\r\n"
    answer = parse_http(exchange(server.http_port, data))
    assert answer.status_code == 200, answer.content
    assert json.loads(answer.content)["count"] >= 1


def test_an_absolute_form_target_keeps_the_routes_answers(server: MockServer) -> None:
    line = f"GET http://127.0.0.1:{server.http_port}{SEARCH} HTTP/1.1".encode()
    data = line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + AUTHORIZATION + b"\r\n"
    assert refusal(parse_http(exchange(server.http_port, data)), SEARCH, 400)


@pytest.mark.parametrize("path", ["/_mock/health", "/_mock/state", "/_mock/requests"])
def test_head_on_the_control_planes_get_routes(server: MockServer, path: str) -> None:
    head = requests.head(f"{server.http_url}{path}", timeout=TIMEOUT)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == "application/json"
    raw = exchange(
        server.http_port, f"HEAD {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    )
    assert raw.endswith(b"\r\n\r\n")  # no body on the wire
