#!/usr/bin/env python3
"""Smoke test of a running mock container through the official Python SDK (vonage 4.x).

Run by ../shared/tools/container-check with MOCK_URL set to the container's published port. That
port is the HTTPS one when only one is published (the image EXPOSEs 8443 first); with compose it
may be the HTTP one, and then HTTPS is MOCK_HTTPS_HOSTPORT (default: the same host, port 8443).
"""

import os
import socket
import ssl
import sys
import tempfile
import urllib.parse
import urllib.request

from vonage import Auth, HttpClientOptions, Vonage
from vonage_http_client import AuthenticationError, HttpRequestError
from vonage_numbers import (
    ListOwnedNumbersFilter,
    NumberParams,
    SearchAvailableNumbersFilter,
    UpdateNumberParams,
)

KEY, SECRET = "1a2b3c4d", "MockSecret123456"


def speaks_tls(host: str, port: int) -> bool:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    try:
        with (
            socket.create_connection((host, port), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname=host),
        ):
            return True
    except (ssl.SSLError, OSError):
        return False


def locate() -> tuple[str, bytes]:
    """The HTTPS host:port, and the CA certificate fetched from the mock itself."""
    url = urllib.parse.urlsplit(os.environ["MOCK_URL"])
    host, port = url.hostname or "127.0.0.1", url.port or 80
    if speaks_tls(host, port):
        # Trust on first use: the CA comes over the very connection it will then verify.
        unverified = ssl._create_unverified_context()  # noqa: S323
        ca = urllib.request.urlopen(f"https://{host}:{port}/_mock/tls/ca.pem", context=unverified)
        return f"{host}:{port}", ca.read()
    ca = urllib.request.urlopen(f"http://{host}:{port}/_mock/tls/ca.pem").read()
    return os.environ.get("MOCK_HTTPS_HOSTPORT", f"{host}:8443"), ca


def main() -> int:
    hostport, ca = locate()
    with tempfile.NamedTemporaryFile("wb", suffix=".pem", delete=False) as ca_file:
        ca_file.write(ca)
    os.environ["REQUESTS_CA_BUNDLE"] = ca_file.name
    options = HttpClientOptions(rest_host=hostport, timeout=10)
    numbers = Vonage(Auth(api_key=KEY, api_secret=SECRET), options).numbers

    found, _, _ = numbers.search_available_numbers(
        SearchAvailableNumbersFilter(country="GB", pattern="447700900", search_pattern=0, size=5)
    )
    assert found, "no GB numbers for sale"
    msisdn = found[0].msisdn
    assert numbers.buy_number(NumberParams(country="GB", msisdn=msisdn)).error_code == "200"
    numbers.update_number(UpdateNumberParams(country="GB", msisdn=msisdn, app_id="smoke-app"))
    mine = ListOwnedNumbersFilter(pattern=msisdn, search_pattern=0)
    owned, _, _ = numbers.list_owned_numbers(mine)
    assert [(n.msisdn, n.app_id) for n in owned] == [(msisdn, "smoke-app")], owned
    try:
        numbers.buy_number(NumberParams(country="GB", msisdn=msisdn))
        raise AssertionError("buying an owned number succeeded")
    except HttpRequestError as error:
        status = error.response.status_code
    assert status == 420, status
    assert numbers.cancel_number(NumberParams(country="GB", msisdn=msisdn)).error_code == "200"
    intruder = Vonage(Auth(api_key=KEY, api_secret=SECRET + "-wrong"), options).numbers
    try:
        intruder.list_owned_numbers()
        raise AssertionError("wrong credentials were accepted")
    except AuthenticationError:
        pass
    print(
        f"container smoke: OK over https://{hostport} (bought, updated, cancelled {msisdn}; "
        "420 and 401 as the SDK reports them)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
