"""The start block: URLs a client can use, the CA and where to get it, where accounts come from."""

from pathlib import Path

import pytest

from mock_server import __version__
from mock_server.serving.banner import CA_ROUTE, DASHBOARD_ROUTE, Listening, start_lines, url

TLS = Path("/tls")


def listening(**changes: object) -> Listening:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "http_port": 8080,
        "https_port": 8443,
        "ca_cert": TLS / "ca.pem",
        "certificate": TLS / "server.pem",
        "accounts_from": Path("/data/fixtures.json"),
        "primary_api_key": "1a2b3c4d",
    }
    return Listening(**(values | changes))  # type: ignore[arg-type]


def test_the_block_with_the_defaults() -> None:
    assert start_lines(listening()) == [
        f"vonage-numbers-mock {__version__} ready",
        "HTTP       http://127.0.0.1:8080",
        "HTTPS      https://127.0.0.1:8443",
        f"CA         /tls/ca.pem  (also at http://127.0.0.1:8080{CA_ROUTE})",
        f"Dashboard  http://127.0.0.1:8080{DASHBOARD_ROUTE}",
        "Accounts   /data/fixtures.json: primary api_key 1a2b3c4d, api_secret in that file",
    ]


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        pytest.param("127.0.0.1", "http://127.0.0.1:1", id="loopback"),
        pytest.param("0.0.0.0", "http://127.0.0.1:1", id="all-ipv4"),
        pytest.param("::", "http://[::1]:1", id="all-ipv6"),
        pytest.param("::1", "http://[::1]:1", id="ipv6-bracketed"),
        pytest.param("mock.internal", "http://mock.internal:1", id="name"),
    ],
)
def test_urls_a_client_can_use(host: str, expected: str) -> None:
    assert url("http", host, 1) == expected


def test_a_wildcard_host_says_so() -> None:
    lines = start_lines(listening(host="0.0.0.0"))
    assert lines[1] == "HTTP       http://127.0.0.1:8080  (listening on 0.0.0.0)"


def test_https_off_and_a_user_certificate() -> None:
    off = start_lines(listening(https_port=None, ca_cert=None, certificate=None))
    assert "HTTPS      off (--no-https)" in off
    assert not any(line.startswith("CA ") for line in off)
    yours = start_lines(listening(ca_cert=None, certificate=Path("/mine/chain.pem")))
    assert "Certificate /mine/chain.pem  (yours: no local CA)" in yours


def test_state_file_admin_token_and_no_primary() -> None:
    lines = start_lines(
        listening(state_file=Path("/s/state.json"), admin_token=True, primary_api_key=None)
    )
    assert "State file /s/state.json" in lines
    assert "Control    /_mock/ needs 'Authorization: Bearer <admin token>'" in lines
    assert any("primary api_key none (no primary account)" in line for line in lines)
