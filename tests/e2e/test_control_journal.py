"""The request journal of the control plane, against a real server, filled by the official clients:
what each call was (operation, parameters, status), and that no secret is ever recorded, whether
the client sent it in `Authorization: Basic` (vonage, Node), the query string or the form (nexmo).
"""

import base64
import json
from pathlib import Path
from typing import Any

import nexmo
import pytest
import requests
from support.accounts import Account
from support.data import E2EData
from support.sdks import SdkClients, run_node_calls
from support.servers import MockServer, mock_client, start_mock_server, stop_mock_server
from vonage_http_client import AuthenticationError, HttpRequestError
from vonage_numbers import (
    ListOwnedNumbersFilter,
    NumberParams,
    SearchAvailableNumbersFilter,
    UpdateNumberParams,
)

from mock_server.testing.client import JournalEntry, MockClient

pytestmark = pytest.mark.e2e

APP_ID = "3d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a"
MO_HTTP_URL = "https://example.com/e2e/journal/inbound-sms"
WRONG_SECRET = "WrongSecret0J0J0"
# An account of this test's own, opened at run time, for the Node SDK's calls.
NODE_ACCOUNT = Account("0d0e0a01", "NodeSecret00J001", "50.00", None)


def calls(entries: list[JournalEntry]) -> list[tuple[str, str, int | None]]:
    return [(e["method"], e["operation"], e["status"]) for e in entries]


def test_the_journal_records_every_clients_calls_and_no_secret(
    mock_server: MockServer, mock: MockClient, sdks: SdkClients, e2e_data: E2EData
) -> None:
    primary, sub = e2e_data.primary, e2e_data.subaccount
    mock.add_account(NODE_ACCOUNT.api_key, NODE_ACCOUNT.api_secret, NODE_ACCOUNT.balance)

    # vonage 4.x, over Basic auth: a cycle, a refused buy, and a wrong secret.
    vonage = sdks.vonage(mock_server, primary)
    v_msisdn = e2e_data.gb_available[1]
    vonage.numbers.search_available_numbers(
        SearchAvailableNumbersFilter(country="GB", pattern=e2e_data.gb_pattern, search_pattern=0)
    )
    vonage.numbers.buy_number(NumberParams(country="GB", msisdn=v_msisdn))
    vonage.numbers.update_number(
        UpdateNumberParams(country="GB", msisdn=v_msisdn, app_id=APP_ID, mo_http_url=MO_HTTP_URL)
    )
    vonage.numbers.list_owned_numbers(ListOwnedNumbersFilter(country="GB"))
    vonage.numbers.cancel_number(NumberParams(country="GB", msisdn=v_msisdn))
    with pytest.raises(HttpRequestError):
        vonage.numbers.buy_number(NumberParams(country="GB", msisdn=e2e_data.not_for_sale))
    with pytest.raises(AuthenticationError):
        sdks.vonage(mock_server, primary, WRONG_SECRET).numbers.list_owned_numbers()

    # nexmo 2.5, with the credentials in the query string (GET) and the form body (POST).
    nx = sdks.legacy(mock_server, sub)
    n_msisdn = e2e_data.us_available[3]
    nx.get_available_numbers("US", pattern=n_msisdn, search_pattern=0)
    nx.buy_number({"country": "US", "msisdn": n_msisdn})
    nx.update_number({"country": "US", "msisdn": n_msisdn, "moHttpUrl": MO_HTTP_URL})
    nx.get_account_numbers(size=10)
    nx.cancel_number({"country": "US", "msisdn": n_msisdn})
    with pytest.raises(nexmo.AuthenticationError):
        sdks.legacy(mock_server, sub, WRONG_SECRET).buy_number(
            {"country": "US", "msisdn": n_msisdn}
        )

    # The Node SDK (Basic auth), with the account opened above.
    js_msisdn = e2e_data.gb_available[2]
    js_number = {"country": "GB", "msisdn": js_msisdn}
    outcomes = run_node_calls(
        mock_server,
        NODE_ACCOUNT,
        [
            {"op": "search", "params": {"country": "GB", "pattern": js_msisdn, "searchPattern": 0}},
            {"op": "buy", "params": js_number},
            {"op": "update", "params": {**js_number, "appId": APP_ID}},
            {"op": "owned", "params": {}},
            {"op": "cancel", "params": js_number},
        ],
    )
    assert all(outcome["ok"] for outcome in outcomes), outcomes
    (wrong,) = run_node_calls(mock_server, NODE_ACCOUNT, [{"op": "owned"}], WRONG_SECRET)
    assert wrong["error"]["status"] == 401

    by_key = {key: mock.requests(api_key=key) for key in (primary.api_key, sub.api_key)}
    by_key[NODE_ACCOUNT.api_key] = mock.requests(api_key=NODE_ACCOUNT.api_key)
    assert sum(map(len, by_key.values())) == len(mock.requests())

    python = by_key[primary.api_key]
    assert calls(python) == [
        ("GET", "search", 200),
        ("POST", "buy", 200),
        ("POST", "update", 200),
        ("GET", "list", 200),
        ("POST", "cancel", 200),
        ("POST", "buy", 420),
        ("GET", "list", 401),
    ]
    search, buy, update, listing, cancel, refused, _ = (e["params"] for e in python)
    assert search["country"] == "GB"
    assert search["pattern"] == e2e_data.gb_pattern
    assert search["search_pattern"] == "0"
    assert buy == {"country": "GB", "msisdn": v_msisdn}
    assert update["msisdn"] == v_msisdn
    assert update["app_id"] == APP_ID
    assert update["moHttpUrl"] == MO_HTTP_URL
    assert listing["country"] == "GB"
    assert cancel == {"country": "GB", "msisdn": v_msisdn}
    assert refused == {"country": "GB", "msisdn": e2e_data.not_for_sale}
    assert [e["path"] for e in python[:2]] == ["/number/search", "/number/buy"]
    assert json.loads(python[5]["response"] or "") == {
        "error-code": "420",
        "error-code-label": "method failed",
    }

    legacy = by_key[sub.api_key]
    assert calls(legacy) == [
        ("GET", "search", 200),
        ("POST", "buy", 200),
        ("POST", "update", 200),
        ("GET", "list", 200),
        ("POST", "cancel", 200),
        ("POST", "buy", 401),
    ]
    for entry in legacy:  # nexmo sends the credentials as parameters: the secret is masked
        assert entry["params"]["api_key"] == sub.api_key
        assert entry["params"]["api_secret"] == "***"
    assert legacy[1]["params"] == {
        "api_key": sub.api_key,
        "api_secret": "***",
        "country": "US",
        "msisdn": n_msisdn,
    }
    assert legacy[2]["params"]["moHttpUrl"] == MO_HTTP_URL

    node = by_key[NODE_ACCOUNT.api_key]
    assert calls(node) == [
        ("GET", "search", 200),
        ("POST", "buy", 200),
        ("POST", "update", 200),
        ("GET", "list", 200),
        ("POST", "cancel", 200),
        ("GET", "list", 401),
    ]
    assert node[1]["params"] == js_number
    assert node[2]["params"]["app_id"] == APP_ID
    assert node[4]["params"] == js_number

    # No secret, no Authorization value, in the journal as the API serves it.
    served = requests.get(f"{mock_server.http_url}/_mock/requests", timeout=10).text
    recorded = json.dumps(mock.requests())
    secrets = [primary.api_secret, sub.api_secret, NODE_ACCOUNT.api_secret, WRONG_SECRET]
    keys = [primary.api_key, sub.api_key, NODE_ACCOUNT.api_key]
    basic = [
        base64.b64encode(f"{key}:{secret}".encode()).decode() for key in keys for secret in secrets
    ]
    for text in (served, recorded):
        for secret in secrets:
            assert secret not in text
        for encoded in basic:
            assert encoded not in text
        assert "basic " not in text.lower()
        assert "authorization" not in text.lower()
    # Nor in what the server wrote to its logs.
    logs = mock_server.stderr() + mock_server.stdout()
    assert not [s for s in secrets + basic if s in logs]


def test_journal_filters(
    mock_server: MockServer, mock: MockClient, sdks: SdkClients, e2e_data: E2EData
) -> None:
    vonage = sdks.vonage(mock_server, e2e_data.primary)
    bought = e2e_data.gb_available[4]
    vonage.numbers.buy_number(NumberParams(country="GB", msisdn=bought))
    with pytest.raises(HttpRequestError):
        vonage.numbers.buy_number(NumberParams(country="GB", msisdn=e2e_data.not_for_sale))
    vonage.numbers.list_owned_numbers()
    sdks.legacy(mock_server, e2e_data.subaccount).get_account_numbers()

    everything = mock.requests()
    assert calls(everything) == [
        ("POST", "buy", 200),
        ("POST", "buy", 420),
        ("GET", "list", 200),
        ("GET", "list", 200),
    ]
    ids = [e["id"] for e in everything]
    assert ids == sorted(set(ids))
    assert mock.requests(operation="buy") == everything[:2]
    assert mock.requests(operation="cancel") == []
    assert mock.requests(status=420) == [everything[1]]
    assert mock.requests(msisdn=bought) == [everything[0]]
    assert mock.requests(api_key=e2e_data.subaccount.api_key) == [everything[3]]
    assert mock.requests(operation="list", api_key=e2e_data.primary.api_key) == [everything[2]]
    assert mock.requests(limit=2) == everything[2:]
    assert mock.requests(since=everything[2]["time"]) == everything[2:]
    assert mock.requests(since="2000-01-01T00:00:00+00:00") == everything


@pytest.mark.parametrize("since", ["2000-01-01T00:00:00", "2000-01-01"])
def test_journal_since_without_a_utc_offset(
    mock_server: MockServer, mock: MockClient, sdks: SdkClients, e2e_data: E2EData, since: str
) -> None:
    """ISO 8601 without an offset (or a bare date) is read as UTC."""
    sdks.vonage(mock_server, e2e_data.primary).numbers.list_owned_numbers()

    entries = mock.requests(since=since)

    assert calls(entries) == [("GET", "list", 200)]


def test_the_journal_keeps_the_last_journal_size_calls(
    tmp_path: Path, sdks: SdkClients, e2e_data: E2EData
) -> None:
    server = start_mock_server(tmp_path, extra_args=["--journal-size", "3"], https=True)
    try:
        nx = sdks.legacy(server, e2e_data.primary)
        sizes = [1, 2, 3, 4, 5]
        for size in sizes:
            nx.get_account_numbers(size=size)
        mock = mock_client(server)
        kept = mock.requests()
        assert [e["params"]["size"] for e in kept] == ["3", "4", "5"]
        assert [e["id"] for e in kept] == [3, 4, 5]
        served: dict[str, Any] = requests.get(
            f"{server.http_url}/_mock/requests", timeout=10
        ).json()
        assert served["capacity"] == 3
        mock.clear_requests()
        assert mock.requests() == []
    finally:
        sdks.close()
        stop_mock_server(server)
