"""The start warning of a control API open beyond this machine (issue 15, item 9)."""

import pytest
from support.data import SMALL

from mock_server.domain import messages
from mock_server.serving.server import exposure_warning, is_loopback
from mock_server.settings import Settings


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        pytest.param("127.0.0.1", True, id="ipv4-loopback"),
        pytest.param("127.0.0.2", True, id="another-ipv4-loopback"),
        pytest.param("::1", True, id="ipv6-loopback"),
        pytest.param("localhost", True, id="localhost"),
        pytest.param("0.0.0.0", False, id="all-ipv4"),
        pytest.param("::", False, id="all-ipv6"),
        pytest.param("", False, id="empty-is-all"),
        pytest.param("192.168.1.5", False, id="a-lan-address"),
        pytest.param("mock.internal", False, id="a-name"),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_listening_on_all_interfaces_without_a_token_warns() -> None:
    warning = exposure_warning(Settings(fixtures=SMALL, host="0.0.0.0"))
    assert warning == messages.OPEN_CONTROL_API % "0.0.0.0"
    assert "--admin-token" in warning


@pytest.mark.parametrize(
    ("host", "token"),
    [
        pytest.param("0.0.0.0", "s3cret", id="beyond-loopback-with-a-token"),
        pytest.param("127.0.0.1", None, id="loopback-without-a-token"),
    ],
)
def test_no_warning(host: str, token: str | None) -> None:
    assert exposure_warning(Settings(fixtures=SMALL, host=host, admin_token=token)) is None
