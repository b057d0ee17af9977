"""The server process itself, as the client modules rely on it: health, TLS material, stopping."""

import ipaddress
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
from support.servers import MockServer, health, start_mock_server, stop_mock_server

from mock_server import __version__

pytestmark = pytest.mark.e2e

CERTIFICATE_NAMES = ("localhost", "127.0.0.1", "rest.nexmo.com", "api.nexmo.com")


def test_health_counts_the_loaded_fixtures(mock_server: MockServer, e2e_data: E2EData) -> None:
    assert health(mock_server) == {
        "status": "ok",
        "version": __version__,
        "accounts": len(e2e_data.raw["accounts"]),
        "available": len(e2e_data.gb_available) + len(e2e_data.us_available),
        "owned": len(e2e_data.raw["owned"]),
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


def test_sigterm_stops_promptly_after_a_keep_alive_https_client(
    tmp_path: Path, e2e_data: E2EData
) -> None:
    server = start_mock_server(tmp_path)
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
