"""Where webhooks may go: a policy judged on the addresses a URL's host resolves to.

The mock sends requests to URLs anyone with the control API (or an account on the Vonage API,
through `moHttpUrl`) can set. So it resolves the host once, judges each address with `ipaddress`
(which also normalises the tricky spellings `0x7f.1`, `2130706433`, `[::ffff:127.0.0.1]`: the
resolver turns them into plain addresses first), and connects to an address it judged, never to
the name again: a name that resolves elsewhere on a second lookup cannot slip past.

Link-local addresses (169.254.0.0/16, fe80::/10) and the clouds' metadata services are refused
whatever the policy: they hand out credentials to whoever asks from inside the machine.
"""

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Literal

from mock_server.domain import messages

Policy = Literal["loopback", "private", "public"]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Metadata services outside the link-local ranges (those are refused anyway): AWS over IPv6,
# Alibaba Cloud, Oracle Cloud's legacy address.
METADATA = frozenset(
    ipaddress.ip_address(a) for a in ("fd00:ec2::254", "100.100.100.200", "192.0.0.192")
)
# What each policy lets through, by kind of address.
ALLOWED: dict[Policy, frozenset[str]] = {
    "loopback": frozenset({"loopback"}),
    "private": frozenset({"loopback", "private"}),
    "public": frozenset({"loopback", "private", "public"}),
}


def plain(address: Address) -> Address:
    """An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) as the IPv4 address it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def kind(address: Address) -> str:
    """`loopback`, `private`, `public`, or what is never allowed: `link-local`, `metadata`,
    `unspecified` (0.0.0.0 reaches this machine), `multicast`."""
    address = plain(address)
    if address in METADATA:
        return "metadata"
    if address.is_link_local:
        return "link-local"
    if address.is_unspecified:
        return "unspecified"
    if address.is_multicast:
        return "multicast"
    if address.is_loopback:
        return "loopback"
    return "public" if address.is_global else "private"


def refusal(address: Address, policy: Policy) -> str | None:
    """Why `policy` forbids connecting to `address`, or None when it allows it."""
    found = kind(address)
    if found in ALLOWED[policy]:
        return None
    if found in ALLOWED["public"]:
        return messages.WEBHOOK_DESTINATION_POLICY.format(
            address=address, kind=found, policy=policy
        )
    return messages.WEBHOOK_DESTINATION_NEVER.format(address=address, kind=found)


@dataclass(frozen=True, slots=True)
class Destinations:
    """A host's addresses this policy allows, in the resolver's order; `refused` says why
    there are none."""

    allowed: tuple[str, ...]
    refused: str | None


async def resolve(host: str, port: int, policy: Policy) -> Destinations:
    """Resolves `host` once and judges every address; raises socket.gaierror as the resolver
    does for a name it cannot resolve."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = dict.fromkeys(plain(ipaddress.ip_address(info[4][0])) for info in infos)
    allowed, refusals = [], []
    for address in addresses:
        reason = refusal(address, policy)
        if reason is None:
            allowed.append(str(address))
        else:
            refusals.append(reason)
    if allowed or not refusals:
        return Destinations(tuple(allowed), None)
    return Destinations((), refusals[0])
