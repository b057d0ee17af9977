"""Who may call, and how often, against real server processes: `--rate-limit vonage` as each
official client surfaces its 429, and `--admin-token` on the control API.

The limits are set to 1 call per second (`--rate-limit-per-second 1
--rate-limit-list-per-second 1`) so that a burst of 10 back-to-back calls exceeds them on any
machine; no assertion depends on timing beyond that.

What each client makes of a 429:
- vonage 4.x raises `vonage_http_client.RateLimitedError` on a POST. On a GET it raises nothing:
  urllib3's `Retry(total=3)` in the SDK's adapter honours `Retry-After` on GETs, sleeps, retries.
- nexmo 2.5 raises `nexmo.ClientError("429 response from HOST")`.
- the Node SDK rejects with "Request failed with status code 429", the response attached.
"""

import base64
from collections.abc import Iterator
from typing import Any

import nexmo
import pytest
import requests
from support.data import E2EData
from support.sdks import SdkClients, run_node_calls
from support.servers import MockServer, mock_client, start_mock_server, stop_mock_server
from vonage_http_client import HttpRequestError, RateLimitedError
from vonage_numbers import NumberParams, SearchAvailableNumbersFilter

from mock_server.domain import messages
from mock_server.testing.client import MockApiError, MockClient

pytestmark = pytest.mark.e2e

BURST = 10
RATE_LIMITED_BODY = {
    "error-code": "429",
    "error-code-label": messages.RATE_LIMITED,
}
ADMIN_TOKEN = "e2e-admin-token-5f1c"


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    server = start_mock_server(
        tmp_path_factory.mktemp("rate-limited"),
        extra_args=[
            "--rate-limit", "vonage",
            "--rate-limit-per-second", "1",
            "--rate-limit-list-per-second", "1",
        ],
    )  # fmt: skip
    try:
        yield server
    finally:
        stop_mock_server(server)


@pytest.fixture
def limited(limited_server: MockServer) -> MockClient:
    """The rate-limited server back to its fixtures, its counts of recent calls forgotten."""
    mock = mock_client(limited_server)
    mock.reset()
    return mock


def statuses(mock: MockClient, **query: Any) -> list[int | None]:
    return [entry["status"] for entry in mock.requests(**query)]


# -- 7. rate limits ----------------------------------------------------------------------------


def test_python_sdk_raises_rate_limited_error_with_retry_after(
    limited_server: MockServer, limited: MockClient, sdks: SdkClients, e2e_data: E2EData
) -> None:
    vonage = sdks.vonage(limited_server, e2e_data.primary)
    bought, refused = [], []
    for msisdn in e2e_data.gb_available[:BURST]:
        try:
            vonage.numbers.buy_number(NumberParams(country="GB", msisdn=msisdn))
        except RateLimitedError as error:
            refused.append((msisdn, error))
        else:
            bought.append(msisdn)

    assert refused, "a burst of 10 buys at 1/s was never limited"
    for _, error in refused:
        assert type(error) is RateLimitedError
        assert isinstance(error, HttpRequestError)
        assert error.response.status_code == 429
        assert error.response.json() == RATE_LIMITED_BODY
        retry_after = error.response.headers["Retry-After"]
        assert retry_after.isdigit()
        assert int(retry_after) >= 1
    # One journal entry per buy (no retry of a POST); a refused buy bought nothing.
    assert statuses(limited, operation="buy") == [
        200 if msisdn in bought else 429 for msisdn in e2e_data.gb_available[:BURST]
    ]
    owned = {o["msisdn"] for o in limited.state()["owned"]}
    assert owned >= set(bought)
    assert not owned & {msisdn for msisdn, _ in refused}


def test_python_sdk_retries_a_rate_limited_get_after_retry_after(
    limited_server: MockServer, limited: MockClient, sdks: SdkClients, e2e_data: E2EData
) -> None:
    """Not an error the application sees: the adapter's urllib3 Retry waits and tries again."""
    vonage = sdks.vonage(limited_server, e2e_data.primary)
    search = SearchAvailableNumbersFilter(country="GB", pattern="447700900", search_pattern=0)
    for _ in range(2):  # back to back, at 1/s
        _, count, _ = vonage.numbers.search_available_numbers(search)
        assert count == len(e2e_data.gb_available)

    answered = statuses(limited, operation="search")
    assert answered.count(200) == 2
    assert 429 in answered, answered
    assert answered[-1] == 200


def test_nexmo_raises_client_error_429(
    limited_server: MockServer, limited: MockClient, sdks: SdkClients, e2e_data: E2EData
) -> None:
    nx = sdks.legacy(limited_server, e2e_data.primary)
    errors: list[nexmo.ClientError] = []
    for _ in range(BURST):
        try:
            nx.get_available_numbers("GB", pattern="447700900", search_pattern=0)
        except nexmo.ClientError as error:
            errors.append(error)

    assert errors, "a burst of 10 searches at 1/s was never limited"
    for error in errors:
        assert type(error) is nexmo.ClientError
        assert str(error) == f"429 response from {limited_server.https_hostport}"
    answered = statuses(limited, operation="search")
    assert len(answered) == BURST  # no retries
    assert answered.count(429) == len(errors)

    # The same answer on the wire carries Retry-After (nexmo does not expose the response).
    wire = requests.get(
        f"{limited_server.http_url}/number/search",
        params={"api_key": e2e_data.primary.api_key, "api_secret": e2e_data.primary.api_secret,
                "country": "GB"},
        timeout=10,
    )  # fmt: skip
    assert wire.status_code == 429
    assert int(wire.headers["Retry-After"]) >= 1


def test_node_sdk_rejects_with_status_429(
    limited_server: MockServer, limited: MockClient, e2e_data: E2EData
) -> None:
    search = {"op": "search", "params": {"country": "GB", "pattern": "447700900"}}
    outcomes = run_node_calls(limited_server, e2e_data.primary, [search] * BURST)

    limited_calls = [outcome["error"] for outcome in outcomes if not outcome["ok"]]
    assert limited_calls, "a burst of 10 searches at 1/s was never limited"
    for error in limited_calls:
        assert error["status"] == 429, error
        assert error["message"] == "Request failed with status code 429"
        assert error["body"] == RATE_LIMITED_BODY
    answered = statuses(limited, operation="search")
    assert len(answered) == BURST  # no retries
    assert answered.count(429) == len(limited_calls)


def test_limits_are_per_account(
    limited_server: MockServer, limited: MockClient, sdks: SdkClients, e2e_data: E2EData
) -> None:
    nx = sdks.legacy(limited_server, e2e_data.subaccount)
    errors = []
    for _ in range(BURST):
        try:
            nx.get_account_numbers()
        except nexmo.ClientError as error:
            errors.append(str(error))
    assert errors, "a burst of 10 listings at 1/s was never limited"
    assert set(errors) == {f"429 response from {limited_server.https_hostport}"}

    # The primary account's window is its own: its first call right after is answered.
    limited.clear_requests()
    _, count, _ = sdks.vonage(limited_server, e2e_data.primary).numbers.list_owned_numbers()
    assert count == 1
    assert statuses(limited) == [200]


# -- 8. admin token ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def guarded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    server = start_mock_server(
        tmp_path_factory.mktemp("admin-token"), extra_args=["--admin-token", ADMIN_TOKEN]
    )
    try:
        yield server
    finally:
        stop_mock_server(server)


def test_the_control_api_needs_the_admin_token(
    guarded_server: MockServer, sdks: SdkClients, e2e_data: E2EData
) -> None:
    anonymous = mock_client(guarded_server)
    wrong = mock_client(guarded_server, admin_token="not-the-token")
    admin = mock_client(guarded_server, admin_token=ADMIN_TOKEN)

    # Open to all: health and the CA.
    assert anonymous.health()["status"] == "ok"
    assert anonymous.ca_certificate() == guarded_server.ca_file.read_bytes()
    assert wrong.health() == anonymous.health()

    for client in (anonymous, wrong):
        attempts = [
            client.state,
            client.reset,
            client.faults,
            client.requests,
            client.clear_requests,
            client.clear_faults,
            lambda c=client: c.add_fault("buy", status=420),
            lambda c=client: c.add_account("0b0e0a01", "ShouldNotExist01"),
            lambda c=client: c.load_state(admin.state()),
        ]
        for attempt in attempts:
            with pytest.raises(MockApiError) as refused:
                attempt()
            assert refused.value.status == 401
            assert refused.value.problem["title"] == "Unauthorized"
            assert ADMIN_TOKEN not in str(refused.value.problem)

    raw = requests.get(f"{guarded_server.http_url}/_mock/state", timeout=10)
    assert raw.status_code == 401
    assert raw.headers["WWW-Authenticate"] == "Bearer"
    assert raw.headers["Content-Type"].startswith("application/problem+json")
    # A Basic header with the token is not a Bearer token.
    basic = base64.b64encode(f"admin:{ADMIN_TOKEN}".encode()).decode()
    assert (
        requests.get(
            f"{guarded_server.http_url}/_mock/state",
            headers={"Authorization": f"Basic {basic}"},
            timeout=10,
        ).status_code
        == 401
    )

    # With the token: everything works, and nothing the others tried got through.
    assert admin.faults() == []
    assert "0b0e0a01" not in [a["api_key"] for a in admin.state()["accounts"]]
    rule = admin.add_fault("list", status=503, times=1)
    assert admin.faults() == [rule]

    # The Vonage API itself needs no admin token, and the rule added by the admin applies.
    vonage = sdks.vonage(guarded_server, e2e_data.primary)
    with pytest.raises(HttpRequestError) as unavailable:
        vonage.numbers.list_owned_numbers()
    assert unavailable.value.response.status_code == 503
    _, count, _ = vonage.numbers.list_owned_numbers()
    assert count == 1
    assert [e["status"] for e in admin.requests()] == [503, 200]
    assert admin.reset()["status"] == "ok"
    admin.clear_requests()
    assert admin.requests() == []
