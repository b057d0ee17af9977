"""The server process itself, as the client modules rely on it: health, TLS material, stopping."""

import ipaddress
import json
import signal
import socket
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import requests
from support.data import E2EData
from support.servers import (
    MockServer,
    health,
    mock_client,
    start_mock_server,
    stop_mock_server,
)
from support.sockets import parse_http
from support.waiting import wait_for

from mock_server import __version__
from mock_server.domain import messages

pytestmark = pytest.mark.e2e

CERTIFICATE_NAMES = ("localhost", "127.0.0.1", "rest.nexmo.com", "api.nexmo.com")
# Stopping is the protocols' work too (closing idle TLS connections, the 503 of `interrupt`).
PARSERS = pytest.mark.parametrize("parser", ["httptools", "h11"])


def test_health_counts_the_loaded_fixtures(mock_server: MockServer, e2e_data: E2EData) -> None:
    assert health(mock_server) == {
        "status": "ok",
        "version": __version__,
        "accounts": len(e2e_data.raw["accounts"]),
        "available": len(e2e_data.gb_available) + len(e2e_data.us_available),
        "owned": len(e2e_data.raw["owned"]),
        "worlds": 0,
    }


def test_ca_is_served_and_written_to_the_tls_dir(mock_server: MockServer) -> None:
    with urllib.request.urlopen(f"{mock_server.http_url}/_mock/tls/ca.pem", timeout=5) as answer:
        served = answer.read()
    assert served.startswith(b"-----BEGIN CERTIFICATE-----")
    assert served == mock_server.ca_file.read_bytes()


@pytest.mark.parametrize("name", CERTIFICATE_NAMES)
def test_certificate_is_valid_for(mock_server: MockServer, name: str) -> None:
    context = ssl.create_default_context(cafile=str(mock_server.ca_file))
    address = (mock_server.host, mock_server.https_port)
    with (
        socket.create_connection(address, timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=name) as tls,
    ):
        certificate = tls.getpeercert()
    assert certificate is not None
    ips = {ipaddress.ip_address(v) for k, v in certificate["subjectAltName"] if k == "IP Address"}
    assert ipaddress.ip_address("::1") in ips


@PARSERS
def test_sigterm_stops_promptly_after_a_keep_alive_https_client(
    tmp_path: Path, e2e_data: E2EData, parser: str
) -> None:
    server = start_mock_server(tmp_path, extra_args=["--http-parser", parser])
    try:
        with requests.Session() as session:  # a client that keeps its connection alive, then closes
            answer = session.get(
                f"{server.https_url}/account/numbers",
                auth=(e2e_data.primary.api_key, e2e_data.primary.api_secret),
                verify=str(server.ca_file),
                timeout=5,
            )
            assert answer.status_code == 200
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        try:
            # Liveness, not speed: the bug was asyncio's 30 s wait for a TLS close_notify.
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            pytest.fail(f"still running {time.monotonic() - started:.1f} s after SIGTERM")
        assert server.process.returncode == 0, server.stderr()
    finally:
        stop_mock_server(server)


def _slow_list_at_sigterm(server: MockServer, latency_ms: int, e2e_data: E2EData) -> bytes:
    """A list call held `latency_ms` by a fault rule, SIGTERM once it is running: all it got."""
    client = mock_client(server)
    client.add_fault("list", latency_ms=latency_ms)
    key, secret = e2e_data.primary.api_key, e2e_data.primary.api_secret
    request = (
        f"GET /account/numbers?api_key={key}&api_secret={secret} HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.http_port), timeout=10) as sock:
        sock.sendall(request)
        wait_for(lambda: client.faults()[0]["fired"] == 1, "the call held by the rule")
        server.process.send_signal(signal.SIGTERM)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    server.process.wait(timeout=10)
    return received


@PARSERS
def test_a_request_still_running_when_the_grace_ends_gets_a_clean_503(
    tmp_path: Path, e2e_data: E2EData, parser: str
) -> None:
    """Not uvicorn's plain-text 500 and a stack trace in the log: Vonage's 503, and the
    connection closed; the process exits cleanly."""
    server = start_mock_server(tmp_path, https=False, extra_args=["--http-parser", parser])
    try:
        answer = parse_http(_slow_list_at_sigterm(server, 20_000, e2e_data))
    finally:
        stop_mock_server(server)
    assert answer.status_code == 503
    assert answer.headers["connection"] == "close"
    assert json.loads(answer.content) == {
        "error-code": "503",
        "error-code-label": messages.SERVICE_UNAVAILABLE,
    }
    assert server.process.returncode == 0
    log = server.stderr()
    assert "Traceback" not in log
    assert "Answered 503 to 1 request(s) still running" in log


@PARSERS
def test_a_request_that_ends_within_the_grace_gets_its_answer(
    tmp_path: Path, e2e_data: E2EData, parser: str
) -> None:
    server = start_mock_server(tmp_path, https=False, extra_args=["--http-parser", parser])
    try:
        answer = parse_http(_slow_list_at_sigterm(server, 300, e2e_data))
    finally:
        stop_mock_server(server)
    assert answer.status_code == 200
    assert "count" in json.loads(answer.content)
    assert server.process.returncode == 0
    assert "Traceback" not in server.stderr()
