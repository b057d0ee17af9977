"""Every method of `MockClient` against a real server, each checked through an
official client: numbers put on sale are found and bought, an account opened authenticates,
rules removed stop applying, the journal empties, the CA served is the one on disk.

(state and load_state: test_control_state; the admin token: test_control_access.)
"""

import ssl

import nexmo
import pytest
from support.accounts import Account
from support.data import E2EData
from support.sdks import SdkClients, run_node_calls
from support.servers import MockServer
from vonage_http_client import HttpRequestError, ServerError
from vonage_numbers import NumberParams, NumbersStatus, SearchAvailableNumbersFilter

from mock_server import __version__
from mock_server.testing.client import MockApiError, MockClient

pytestmark = pytest.mark.e2e

SUCCESS = NumbersStatus(**{"error-code": "200", "error-code-label": "success"})
ADDED_PREFIX = "44770094"
ADDED_RANGE = {"start": "447700940000", "end": "447700940004"}
ADDED_SINGLE = "447700940100"
NEW_ACCOUNT = Account("c0ffee01", "CoffeeSecret0001", "10.00", None)
NEW_SUBACCOUNT = Account("c0ffee02", "CoffeeSubSecret1", "0.00", "c0ffee01")


def numbers_entry(**where: object) -> dict[str, object]:
    return {"country": "GB", "type": "mobile-lvn", "features": ["SMS", "VOICE"], "cost": "2.50",
            "initialPrice": "0.00", **where}  # fmt: skip


def test_health_and_reset(mock_server: MockServer, mock: MockClient, e2e_data: E2EData) -> None:
    start = mock.health()
    assert start == {
        "status": "ok",
        "version": __version__,
        "accounts": len(e2e_data.raw["accounts"]),
        "available": len(e2e_data.gb_available) + len(e2e_data.us_available),
        "owned": len(e2e_data.raw["owned"]),
        "worlds": 0,
    }
    msisdn = {"country": "GB", "msisdn": e2e_data.gb_available[0]}
    (bought,) = run_node_calls(mock_server, e2e_data.primary, [{"op": "buy", "params": msisdn}])
    assert bought["ok"], bought
    rule = mock.add_fault("cancel", status=500)
    assert mock.health()["owned"] == start["owned"] + 1

    # Keeping faults and journal: only the numbers go back.
    assert mock.reset(keep_faults=True, keep_journal=True) == start
    assert mock.faults() == [rule]
    assert [e["operation"] for e in mock.requests()] == ["buy"]
    # A plain reset clears them too.
    assert mock.reset() == start
    assert mock.faults() == []
    assert mock.requests() == []


def test_add_numbers_then_the_sdk_finds_and_buys_them(
    mock_server: MockServer, mock: MockClient, sdks: SdkClients, e2e_data: E2EData
) -> None:
    before = mock.health()
    added = mock.add_numbers(numbers_entry(range=ADDED_RANGE), numbers_entry(msisdn=ADDED_SINGLE))
    assert added == 6
    assert mock.health()["available"] == before["available"] + 6

    vonage = sdks.vonage(mock_server, e2e_data.primary)
    found, count, _ = vonage.numbers.search_available_numbers(
        SearchAvailableNumbersFilter(country="GB", pattern=ADDED_PREFIX, search_pattern=0)
    )
    expected = [str(n) for n in range(447700940000, 447700940005)] + [ADDED_SINGLE]
    assert sorted(n.msisdn for n in found) == expected
    assert count == 6
    assert {(n.cost, n.type) for n in found} == {("2.50", "mobile-lvn")}

    assert vonage.numbers.buy_number(NumberParams(country="GB", msisdn=ADDED_SINGLE)) == SUCCESS
    owned, _, _ = vonage.numbers.list_owned_numbers()
    assert ADDED_SINGLE in [n.msisdn for n in owned]

    # Numbers on sale or owned already cannot be added again; nothing is added then.
    for entry in (numbers_entry(msisdn=ADDED_SINGLE), numbers_entry(range=ADDED_RANGE)):
        with pytest.raises(MockApiError) as conflict:
            mock.add_numbers(entry)
        assert conflict.value.status == 409
    assert mock.health()["available"] == before["available"] + 5


def test_add_account_then_the_sdks_authenticate_with_it(
    mock_server: MockServer, mock: MockClient, sdks: SdkClients, e2e_data: E2EData
) -> None:
    opened = mock.add_account(
        NEW_ACCOUNT.api_key, NEW_ACCOUNT.api_secret, NEW_ACCOUNT.balance, name="opened at run time"
    )
    assert opened["api_key"] == NEW_ACCOUNT.api_key
    assert opened["name"] == "opened at run time"
    assert NEW_SUBACCOUNT.parent is not None
    mock.add_account(
        NEW_SUBACCOUNT.api_key, NEW_SUBACCOUNT.api_secret, parent=NEW_SUBACCOUNT.parent
    )
    with pytest.raises(MockApiError) as taken:
        mock.add_account(NEW_ACCOUNT.api_key, "AnotherSecret001")
    assert (taken.value.status, taken.value.problem.get("field")) == (409, "api_key")

    vonage = sdks.vonage(mock_server, NEW_ACCOUNT)
    owned, count, _ = vonage.numbers.list_owned_numbers()
    assert (owned, count) == ([], 0)
    msisdn = e2e_data.gb_available[10]
    assert vonage.numbers.buy_number(NumberParams(country="GB", msisdn=msisdn)) == SUCCESS
    owned, count, _ = vonage.numbers.list_owned_numbers()
    assert ([n.msisdn for n in owned], count) == ([msisdn], 1)

    # nexmo with the subaccount's credentials (query string and form body).
    nx = sdks.legacy(mock_server, NEW_SUBACCOUNT)
    assert nx.get_account_numbers().get("count") == 0
    with pytest.raises(nexmo.AuthenticationError):
        sdks.legacy(mock_server, NEW_SUBACCOUNT, "WrongSecret00000").get_account_numbers()

    balances = {a["api_key"]: a["balance"] for a in mock.state()["accounts"]}
    assert balances[NEW_ACCOUNT.api_key] == "8.75"
    assert mock.requests(api_key=NEW_ACCOUNT.api_key)[-1]["status"] == 200


def test_remove_fault_and_clear_faults(
    mock_server: MockServer, mock: MockClient, sdks: SdkClients, e2e_data: E2EData
) -> None:
    vonage = sdks.vonage(mock_server, e2e_data.primary)

    rule = mock.add_fault("list", status=500)
    assert mock.faults() == [rule]
    with pytest.raises(ServerError):
        vonage.numbers.list_owned_numbers()
    (listed,) = mock.faults()
    assert listed["fired"] == 1

    mock.remove_fault(rule["id"])
    assert mock.faults() == []
    _, count, _ = vonage.numbers.list_owned_numbers()
    assert count == 1
    with pytest.raises(MockApiError) as gone:
        mock.remove_fault(rule["id"])
    assert (gone.value.status, gone.value.problem.get("field")) == (404, "rule_id")

    rules = [
        mock.add_fault("search", status=503),
        mock.add_fault("buy", status=420, match={"msisdn": e2e_data.gb_available[11]}),
        mock.add_fault("*", latency_ms=1),
    ]
    assert [r["id"] for r in mock.faults()] == [r["id"] for r in rules]
    assert len({r["id"] for r in rules} | {rule["id"]}) == 4  # ids are never reused
    with pytest.raises(HttpRequestError):
        vonage.numbers.search_available_numbers(SearchAvailableNumbersFilter(country="GB"))

    mock.clear_faults()
    assert mock.faults() == []
    _, count, _ = vonage.numbers.search_available_numbers(
        SearchAvailableNumbersFilter(country="GB", pattern="447700900", search_pattern=0)
    )
    assert count == len(e2e_data.gb_available)
    msisdn = e2e_data.gb_available[11]
    assert vonage.numbers.buy_number(NumberParams(country="GB", msisdn=msisdn)) == SUCCESS


def test_requests_and_clear_requests(
    mock_server: MockServer, mock: MockClient, sdks: SdkClients, e2e_data: E2EData
) -> None:
    nx = sdks.legacy(mock_server, e2e_data.primary)
    nx.get_account_numbers()
    nx.get_available_numbers("US", pattern=e2e_data.us_pattern, search_pattern=0)
    assert [e["operation"] for e in mock.requests()] == ["list", "search"]

    mock.clear_requests()
    assert mock.requests() == []
    nx.get_account_numbers()
    (only,) = mock.requests()
    assert (only["operation"], only["status"], only["api_key"]) == (
        "list", 200, e2e_data.primary.api_key,
    )  # fmt: skip


def test_ca_certificate_is_the_ca_on_disk(mock_server: MockServer, mock: MockClient) -> None:
    pem = mock.ca_certificate()
    assert pem.startswith(b"-----BEGIN CERTIFICATE-----")
    assert pem == mock_server.ca_file.read_bytes()

    # The certificate is the one to trust for the HTTPS listener: a client trusting it only.
    context = ssl.create_default_context(cadata=pem.decode("ascii"))
    secure = MockClient(mock_server.https_url, ssl_context=context)
    assert secure.ca_certificate() == pem
    assert secure.health() == mock.health()
