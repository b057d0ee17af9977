"""What the server says on its console: the start block once, the shutdown once, and with
--log-requests one line per call made by the official SDK, with no secret in any of it."""

import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from support.data import REPO_ROOT, E2EData
from support.sdks import SdkClients
from support.servers import (
    MockServer,
    mock_client,
    server_env,
    start_mock_server,
    stop_mock_server,
    stop_process,
)
from vonage_http_client import HttpRequestError
from vonage_numbers import NumberParams, SearchAvailableNumbersFilter, UpdateNumberParams

from mock_server import __version__
from mock_server.settings import default_fixtures_path
from mock_server.testing.client import MockClient

pytestmark = pytest.mark.e2e

SCRIPT = Path(sys.executable).parent / "vonage-numbers-mock"  # the console script
PREFIX = "INFO:     "
READY = f"vonage-numbers-mock {__version__} ready"
UVICORN_REPEATS = ("Started server process", "Finished server process", "Application startup")
REQUEST_LINE = re.compile(
    r"(?P<method>GET|POST) (?P<path>/\S+) operation=(?P<operation>\w+) api_key=(?P<api_key>\S+)"
    r" status=(?P<status>\S+) fault=(?P<fault>-|\"[^\"]*\") duration_ms=(?P<ms>[\d.]+)"
    r" params=(?P<params>\{.*\})$"
)


def messages(stderr: str) -> list[str]:
    """The log's lines without uvicorn's level prefix."""
    return [line.removeprefix(PREFIX) for line in stderr.splitlines()]


def wait_for_line(read: Callable[[], str], text: str) -> list[str]:
    """The log once a line containing `text` is in it (it follows readiness by milliseconds)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = messages(read())
        if any(text in line for line in lines):
            return lines
        time.sleep(0.05)
    pytest.fail(f"no line with {text!r} in:\n{read()}")


def test_the_start_block_says_where_it_is_once_and_the_stop_once(tmp_path: Path) -> None:
    server = start_mock_server(tmp_path, fixtures=None, extra_args=["--log-level", "info"])
    try:
        started = wait_for_line(server.stderr, "Accounts ")
        http = server.http_url
        ca_served = requests.get(f"{http}/_mock/tls/ca.pem", timeout=5).content
        dashboard = requests.get(f"{http}/_mock/ui", timeout=5)
    finally:
        assert stop_mock_server(server)
    assert started[:6] == [
        READY,
        f"HTTP       {http}",
        f"HTTPS      {server.https_url}",
        f"CA         {server.ca_file}  (also at {http}/_mock/tls/ca.pem)",
        f"Dashboard  {http}/_mock/ui",
        f"Accounts   {default_fixtures_path()}: primary api_key 1a2b3c4d, api_secret in that file",
    ]
    assert ca_served == server.ca_file.read_bytes()
    assert dashboard.status_code == 200
    log = messages(server.stderr())
    assert log == [*started[:6], "Shutting down", "Stopped"]
    assert not any(repeat in line for line in log for repeat in UVICORN_REPEATS)
    assert "MockSecret123456" not in server.stderr()


def test_the_start_block_reports_the_ports_the_system_picked(tmp_path: Path) -> None:
    stderr_path = tmp_path / "stderr.log"
    command = [
        str(SCRIPT), "--port", "0", "--https-port", "0",
        "--tls-dir", str(tmp_path / "tls"), "--state-file", str(tmp_path / "state.json"),
    ]  # fmt: skip
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=server_env(),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=stderr)  # fmt: skip
    try:
        lines = wait_for_line(lambda: stderr_path.read_text(encoding="utf-8"), "State file ")
        (http_line,) = [line for line in lines if line.startswith("HTTP ")]
        (https_line,) = [line for line in lines if line.startswith("HTTPS ")]
        http, https = http_line.split()[1], https_line.split()[1]
        health = requests.get(f"{http}/_mock/health", timeout=5).json()
        ca = str(tmp_path / "tls" / "ca.pem")
        secure = requests.get(f"{https}/_mock/health", verify=ca, timeout=5).json()
    finally:
        assert stop_process(process)
    assert http.startswith("http://127.0.0.1:")
    assert https.startswith("https://127.0.0.1:")
    assert not http.endswith(":0")
    assert not https.endswith(":0")
    assert health == secure
    assert health["version"] == __version__
    assert f"State file {tmp_path / 'state.json'}" in lines


# -- the request log ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def logging_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    """A server with the request log on (by its variable), at log level warning."""
    server = start_mock_server(
        tmp_path_factory.mktemp("request-log"), env={"NUMBERS_MOCK_LOG_REQUESTS": "true"}
    )
    try:
        yield server
    finally:
        stop_mock_server(server)


def request_lines(server: MockServer, since: int = 0) -> list[re.Match[str]]:
    lines = messages(server.stderr()[since:])
    found = [REQUEST_LINE.match(line) for line in lines if " operation=" in line]
    assert all(found), lines
    return [match for match in found if match is not None]


def test_one_line_per_sdk_call_with_status_fault_and_no_secret(
    logging_server: MockServer, sdks: SdkClients, e2e_data: E2EData
) -> None:
    control = mock_client(logging_server)
    control.reset()
    start = len(logging_server.stderr())
    vonage = sdks.vonage(logging_server, e2e_data.primary)
    msisdn = e2e_data.gb_available[0]
    number = NumberParams(country="GB", msisdn=msisdn)
    vonage.numbers.search_available_numbers(SearchAvailableNumbersFilter(country="GB"))
    control.add_fault("buy", status=420, times=1)
    with pytest.raises(HttpRequestError):
        vonage.numbers.buy_number(number)
    vonage.numbers.buy_number(number)
    update = UpdateNumberParams(country="GB", msisdn=msisdn, moHttpUrl="https://example.com/sms")
    vonage.numbers.update_number(update)
    vonage.numbers.list_owned_numbers()
    vonage.numbers.cancel_number(number)
    # The secret as a query parameter, as legacy clients send it.
    requests.get(f"{logging_server.http_url}/account/numbers", timeout=5,
                 params={"api_key": e2e_data.primary.api_key,
                         "api_secret": e2e_data.primary.api_secret})  # fmt: skip

    lines = request_lines(logging_server, start)
    journal = control.requests()
    assert len(lines) == len(journal) == 7
    for line, entry in zip(lines, journal, strict=True):
        assert (line["method"], line["path"], line["operation"], line["api_key"]) == (
            entry["method"], entry["path"], entry["operation"], entry["api_key"],
        )  # fmt: skip
        assert line["status"] == str(entry["status"])
        assert line["fault"] == ("-" if entry["fault"] is None else f'"{entry["fault"]}"')
    assert [line["operation"] for line in lines] == [
        "search", "buy", "buy", "update", "list", "cancel", "list",
    ]  # fmt: skip
    assert [line["status"] for line in lines] == ["200", "420", "200", "200", "200", "200", "200"]
    assert lines[1]["fault"] != "-"
    assert f'"msisdn":"{msisdn}"' in lines[2]["params"]
    assert '"api_secret":"***"' in lines[6]["params"]
    log = logging_server.stderr()
    for account in (e2e_data.primary, e2e_data.subaccount):
        assert account.api_secret not in log


def test_wrong_credentials_are_logged_with_the_key_they_carried(
    logging_server: MockServer, sdks: SdkClients, e2e_data: E2EData
) -> None:
    start = len(logging_server.stderr())
    vonage = sdks.vonage(logging_server, e2e_data.primary, api_secret="WrongSecret00000")
    with pytest.raises(HttpRequestError):
        vonage.numbers.list_owned_numbers()
    (line,) = request_lines(logging_server, start)
    assert (line["api_key"], line["status"]) == (e2e_data.primary.api_key, "401")
    assert "WrongSecret00000" not in logging_server.stderr()


def test_a_call_to_no_route_is_logged_as_unmatched(
    logging_server: MockServer, e2e_data: E2EData
) -> None:
    start = len(logging_server.stderr())
    answer = requests.get(f"{logging_server.http_url}/number/serch", timeout=5,
                          params={"country": "GB", "api_key": e2e_data.primary.api_key,
                                  "api_secret": e2e_data.primary.api_secret})  # fmt: skip
    assert answer.status_code == 404
    (line,) = request_lines(logging_server, start)
    assert (line["method"], line["path"], line["operation"], line["status"]) == (
        "GET", "/number/serch", "unmatched", "404",
    )  # fmt: skip
    assert line["api_key"] == e2e_data.primary.api_key
    assert e2e_data.primary.api_secret not in logging_server.stderr()


def test_off_by_default(mock_server: MockServer, mock: MockClient, e2e_data: E2EData) -> None:
    answer = requests.get(f"{mock_server.http_url}/account/numbers", timeout=5,
                          auth=(e2e_data.primary.api_key, e2e_data.primary.api_secret))  # fmt: skip
    assert answer.status_code == 200
    assert len(mock.requests()) == 1
    assert request_lines(mock_server) == []
