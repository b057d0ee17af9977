"""The webhook destination policy: every address judged, tricky spellings normalised by the
resolver and `ipaddress` (issue 15, item 9)."""

import asyncio
import ipaddress

import pytest

from mock_server.domain import messages
from mock_server.simulation.destinations import Policy, kind, refusal, resolve


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        pytest.param("127.0.0.1", "loopback", id="ipv4-loopback"),
        pytest.param("127.0.0.2", "loopback", id="all-of-127-is-loopback"),
        pytest.param("::1", "loopback", id="ipv6-loopback"),
        pytest.param("::ffff:127.0.0.1", "loopback", id="ipv4-mapped-loopback"),
        pytest.param("10.1.2.3", "private", id="ten"),
        pytest.param("172.18.0.5", "private", id="docker-bridge"),
        pytest.param("192.168.1.1", "private", id="home-lan"),
        pytest.param("fd12::1", "private", id="ipv6-unique-local"),
        pytest.param("8.8.8.8", "public", id="public-ipv4"),
        pytest.param("2606:4700::1111", "public", id="public-ipv6"),
        pytest.param("169.254.169.254", "link-local", id="cloud-metadata-is-link-local"),
        pytest.param("169.254.1.1", "link-local", id="ipv4-link-local"),
        pytest.param("fe80::1", "link-local", id="ipv6-link-local"),
        pytest.param("::ffff:169.254.169.254", "link-local", id="ipv4-mapped-link-local"),
        pytest.param("fd00:ec2::254", "metadata", id="aws-ipv6-metadata"),
        pytest.param("100.100.100.200", "metadata", id="alibaba-metadata"),
        pytest.param("0.0.0.0", "unspecified", id="unspecified-ipv4"),
        pytest.param("::", "unspecified", id="unspecified-ipv6"),
        pytest.param("224.0.0.1", "multicast", id="multicast"),
    ],
)
def test_kind(address: str, expected: str) -> None:
    assert kind(ipaddress.ip_address(address)) == expected


@pytest.mark.parametrize(
    ("policy", "allowed"),
    [
        pytest.param("loopback", {"loopback"}, id="loopback"),
        pytest.param("private", {"loopback", "private"}, id="private"),
        pytest.param("public", {"loopback", "private", "public"}, id="public"),
    ],
)
def test_each_policy_allows_its_kinds_and_never_link_local(
    policy: Policy, allowed: set[str]
) -> None:
    samples = {"loopback": "127.0.0.1", "private": "10.0.0.1", "public": "8.8.8.8",
               "link-local": "169.254.169.254", "metadata": "fd00:ec2::254",
               "unspecified": "0.0.0.0"}  # fmt: skip
    judged = {k for k, a in samples.items() if refusal(ipaddress.ip_address(a), policy) is None}
    assert judged == allowed


def test_the_refusals_name_the_address_and_the_setting() -> None:
    public = refusal(ipaddress.ip_address("8.8.8.8"), "private")
    assert public == messages.WEBHOOK_DESTINATION_POLICY.format(
        address="8.8.8.8", kind="public", policy="private"
    )
    assert "--webhook-destinations" in public
    never = refusal(ipaddress.ip_address("169.254.169.254"), "public")
    assert never == messages.WEBHOOK_DESTINATION_NEVER.format(
        address="169.254.169.254", kind="link-local"
    )


@pytest.mark.parametrize(
    ("host", "address"),
    [
        pytest.param("0x7f.1", "127.0.0.1", id="hexadecimal-and-short"),
        pytest.param("2130706433", "127.0.0.1", id="a-decimal-integer"),
        pytest.param("0177.0.0.1", "127.0.0.1", id="octal"),
        pytest.param("::ffff:127.0.0.1", "127.0.0.1", id="ipv4-mapped"),
        pytest.param("127.0.0.2", "127.0.0.2", id="another-loopback"),
    ],
)
def test_tricky_spellings_resolve_to_the_address_they_are(host: str, address: str) -> None:
    found = asyncio.run(resolve(host, 80, "loopback"))
    assert found.allowed == (address,)
    assert found.refused is None


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        pytest.param("0xa9.0xfe.0xa9.0xfe", "169.254.169.254", id="hexadecimal-metadata"),
        pytest.param("2852039166", "169.254.169.254", id="decimal-metadata"),
        pytest.param("::ffff:169.254.169.254", "169.254.169.254", id="mapped-metadata"),
        pytest.param("fe80::1", "fe80::1", id="ipv6-link-local"),
        pytest.param("0", "0.0.0.0", id="zero-is-unspecified"),
    ],
)
def test_tricky_spellings_of_forbidden_addresses_are_refused(host: str, shown: str) -> None:
    found = asyncio.run(resolve(host, 80, "public"))
    assert found.allowed == ()
    assert found.refused is not None
    assert found.refused.startswith(shown + " (")
    assert found.refused.endswith("webhooks never go there")


def test_a_name_resolves_to_loopback() -> None:
    found = asyncio.run(resolve("localhost", 80, "loopback"))
    assert found.allowed
    assert all(ipaddress.ip_address(a).is_loopback for a in found.allowed)
