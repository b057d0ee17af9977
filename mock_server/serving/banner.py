"""The block the server logs once both listeners answer: where it is, and how to talk to it."""

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from mock_server import __version__
from mock_server.settings import APP_NAME

CA_ROUTE = "/_mock/tls/ca.pem"
DASHBOARD_ROUTE = "/_mock/ui"
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104 (shown, not bound)


@dataclass(frozen=True)
class Listening:
    """What the start block reports, read from the running server."""

    host: str
    http_port: int
    https_port: int | None
    ca_cert: Path | None
    certificate: Path | None
    accounts_from: Path
    primary_api_key: str | None
    state_file: Path | None = None
    admin_token: bool = False


def url(scheme: str, host: str, port: int) -> str:
    """A URL a client on this machine can use: a wildcard address becomes the loopback one."""
    shown = _WILDCARDS.get(host, host)
    try:
        bracketed = ipaddress.ip_address(shown).version == 6
    except ValueError:
        bracketed = False
    return f"{scheme}://[{shown}]:{port}" if bracketed else f"{scheme}://{shown}:{port}"


def start_lines(listening: Listening) -> list[str]:
    """One line per fact; no secret (the api_secret is in the file the accounts come from)."""
    http = url("http", listening.host, listening.http_port)
    lines = [f"{APP_NAME} {__version__} ready", f"HTTP       {http}"]
    if listening.host in _WILDCARDS:
        lines[-1] += f"  (listening on {listening.host or 'all interfaces'})"
    if listening.https_port is None:
        lines.append("HTTPS      off (--no-https)")
    else:
        lines.append(f"HTTPS      {url('https', listening.host, listening.https_port)}")
    if listening.ca_cert is not None:
        lines.append(f"CA         {listening.ca_cert}  (also at {http}{CA_ROUTE})")
    elif listening.certificate is not None:
        lines.append(f"Certificate {listening.certificate}  (yours: no local CA)")
    lines.append(f"Dashboard  {http}{DASHBOARD_ROUTE}")
    key = listening.primary_api_key or "none (no primary account)"
    lines.append(
        f"Accounts   {listening.accounts_from}: primary api_key {key}, api_secret in that file"
    )
    if listening.state_file is not None:
        lines.append(f"State file {listening.state_file}")
    if listening.admin_token:
        lines.append("Control    /_mock/ needs 'Authorization: Bearer <admin token>'")
    return lines
