"""The control API's Host and Origin rules as pure predicates (issue 15, item 10); the raw-socket
tests in tests/hostile/test_control_guard.py send them to a real server."""

import pytest
from starlette.datastructures import Headers
from support.data import SMALL

from mock_server.control.guard import HostPolicy, foreign_denial, host_name
from mock_server.serving import flags
from mock_server.settings import Settings

POLICY = HostPolicy.of(["rest.nexmo.com", "Numbers-Mock", " "])


@pytest.mark.parametrize(
    ("header", "name"),
    [
        pytest.param("localhost:8080", "localhost", id="name-and-port"),
        pytest.param("LOCALHOST", "localhost", id="capitals"),
        pytest.param("[::1]:8080", "::1", id="ipv6-and-port"),
        pytest.param("[::1]", "::1", id="ipv6"),
        pytest.param("127.0.0.1", "127.0.0.1", id="ipv4"),
        pytest.param("evil.example:x", "evil.example:x", id="a-port-that-is-no-number"),
    ],
)
def test_host_name(header: str, name: str) -> None:
    assert host_name(header) == name


@pytest.mark.parametrize(
    ("header", "served"),
    [
        pytest.param("localhost:8080", True, id="localhost"),
        pytest.param("localhost.:8080", True, id="localhost-with-the-root-dot"),
        pytest.param("app.localhost", True, id="a-localhost-subdomain"),
        pytest.param("127.0.0.1:1", True, id="ipv4"),
        pytest.param("[::1]:1", True, id="ipv6"),
        pytest.param("172.18.0.4:8080", True, id="a-container-address"),
        pytest.param("rest.nexmo.com", True, id="a-certificate-name"),
        pytest.param("numbers-mock:8080", True, id="an-allowed-host-any-case"),
        pytest.param("evil.example", False, id="foreign"),
        pytest.param("localhost.evil.example", False, id="localhost-as-a-label"),
        pytest.param("evillocalhost", False, id="localhost-as-a-suffix"),
        pytest.param("", False, id="empty"),
    ],
)
def test_served_hosts(header: str, served: bool) -> None:
    assert POLICY.serves(header) is served


@pytest.mark.parametrize(
    ("headers", "field"),
    [
        pytest.param({"host": "localhost:8080"}, None, id="no-origin"),
        pytest.param({"host": "localhost:8080", "origin": "http://localhost:8080"}, None,
                     id="own-origin"),
        pytest.param({"host": "localhost:8080", "origin": "HTTP://LOCALHOST:8080"}, None,
                     id="own-origin-in-capitals"),
        pytest.param({"host": "localhost:8080", "origin": "http://localhost:9090"}, "Origin",
                     id="another-port"),
        pytest.param({"host": "localhost:8080", "origin": "https://localhost:8080"}, "Origin",
                     id="another-scheme"),
        pytest.param({"host": "localhost:8080", "origin": "null"}, "Origin", id="null"),
        pytest.param({"origin": "http://localhost:8080"}, "Origin", id="origin-without-host"),
        pytest.param({"host": "evil.example", "origin": "http://evil.example"}, "Host",
                     id="rebound-name"),
        pytest.param({}, None, id="http-1.0-without-host"),
    ],
)  # fmt: skip
def test_foreign_denial(headers: dict[str, str], field: str | None) -> None:
    denial = foreign_denial({"scheme": "http"}, Headers(headers), POLICY)
    assert (denial.field if denial else None) == field
    if denial is not None:
        assert denial.status == 403


def test_allowed_hosts_from_the_command_line_and_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    given = flags.parse(["--allowed-hosts", "numbers-mock, mock.internal"])
    assert Settings(fixtures=SMALL, **given).allowed_hosts == ["numbers-mock", "mock.internal"]
    monkeypatch.setenv("NUMBERS_MOCK_ALLOWED_HOSTS", '["numbers-mock"]')
    assert Settings(fixtures=SMALL).allowed_hosts == ["numbers-mock"]
