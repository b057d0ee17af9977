"""The official Python SDK (`vonage` 4.x, `vonage-numbers`) against a real mock server over HTTPS.

The SDK hard-codes the https scheme (`url = f'https://{host}{request_path}'`) and takes the host
from `HttpClientOptions(rest_host="127.0.0.1:PORT")`. Its `requests.Session` keeps `verify=True`
and `trust_env`, so `REQUESTS_CA_BUNDLE` pointing at the mock's CA is what makes it trust the mock.
"""

from collections.abc import Callable, Iterator

import pytest
from support.accounts import Account
from support.data import E2EData
from support.servers import MockServer
from vonage import Auth, HttpClientOptions, Vonage
from vonage_http_client import AuthenticationError, HttpRequestError
from vonage_numbers import (
    ListOwnedNumbersFilter,
    NumberParams,
    NumbersStatus,
    OwnedNumber,
    SearchAvailableNumbersFilter,
    UpdateNumberParams,
)

pytestmark = pytest.mark.e2e

APP_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
MO_HTTP_URL = "https://example.com/e2e/python-vonage/inbound-sms"
SUCCESS = NumbersStatus(**{"error-code": "200", "error-code-label": "success"})
AUTH_FAILED_BODY = {"error-code": "401", "error-code-label": "authentication failed"}
METHOD_FAILED_BODY = {"error-code": "420", "error-code-label": "method failed"}

Client = Callable[..., Vonage]


@pytest.fixture
def client(mock_server: MockServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    """Builds SDK clients pointed at the mock, trusting its CA (for this test only).

    Their keep-alive connections are closed after the test, as an application would on exit.
    """
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(mock_server.ca_file))
    made: list[Vonage] = []

    def make(account: Account, *, api_secret: str | None = None) -> Vonage:
        vonage = Vonage(
            Auth(api_key=account.api_key, api_secret=api_secret or account.api_secret),
            HttpClientOptions(rest_host=mock_server.https_hostport, timeout=10),
        )
        made.append(vonage)
        return vonage

    yield make
    for vonage in made:
        vonage.http_client._session.close()  # the SDK offers no public close()


def owned_by_msisdn(numbers: list[OwnedNumber]) -> dict[str, OwnedNumber]:
    return {n.msisdn: n for n in numbers if n.msisdn is not None}


def gb_search() -> SearchAvailableNumbersFilter:
    return SearchAvailableNumbersFilter(country="GB", pattern="447700900", search_pattern=0)


def test_search_buy_list_update_cancel_cycle(client: Client, e2e_data: E2EData) -> None:
    vonage = client(e2e_data.primary)
    preowned = e2e_data.preowned["msisdn"]

    # Owned at the start: the fixture's number, with its configuration.
    owned, owned_count, next_page = vonage.numbers.list_owned_numbers()
    by_msisdn = owned_by_msisdn(owned)
    assert owned_count == len(owned) >= 1
    assert next_page is None
    assert by_msisdn[preowned].country == "GB"
    assert by_msisdn[preowned].type == "mobile-lvn"
    assert set(by_msisdn[preowned].features or []) == {"VOICE", "SMS"}
    assert by_msisdn[preowned].app_id == e2e_data.preowned["app_id"]
    assert by_msisdn[preowned].mo_http_url == e2e_data.preowned["moHttpUrl"]

    # Search: every GB number for sale (20 < the SDK's size=100), none of them owned.
    found, found_count, next_page = vonage.numbers.search_available_numbers(gb_search())
    found_msisdns = [n.msisdn for n in found]
    assert found_count == len(e2e_data.gb_available)
    assert sorted(found_msisdns) == sorted(e2e_data.gb_available)
    assert next_page is None
    assert preowned not in found_msisdns
    for number in found:
        assert (number.country, number.type, number.cost) == ("GB", "mobile-lvn", "1.25")
        assert set(number.features or []) == {"VOICE", "SMS"}

    # Buy one of the results (this module's own number: no other test here buys GB numbers).
    msisdn = e2e_data.gb_available[3]
    assert msisdn in found_msisdns
    assert vonage.numbers.buy_number(NumberParams(country="GB", msisdn=msisdn)) == SUCCESS

    owned, count, _ = vonage.numbers.list_owned_numbers()
    bought = owned_by_msisdn(owned)[msisdn]
    assert count == owned_count + 1
    assert (bought.country, bought.type) == ("GB", "mobile-lvn")
    assert set(bought.features or []) == {"VOICE", "SMS"}
    assert bought.app_id is None
    assert bought.mo_http_url is None

    found, count, _ = vonage.numbers.search_available_numbers(gb_search())
    assert count == found_count - 1
    assert msisdn not in [n.msisdn for n in found]

    # Update: link an application and set the inbound SMS webhook.
    status = vonage.numbers.update_number(
        UpdateNumberParams(country="GB", msisdn=msisdn, app_id=APP_ID, mo_http_url=MO_HTTP_URL)
    )
    assert status == SUCCESS

    owned, count, _ = vonage.numbers.list_owned_numbers()
    updated = owned_by_msisdn(owned)[msisdn]
    assert count == owned_count + 1
    assert updated.app_id == APP_ID
    assert updated.mo_http_url == MO_HTTP_URL
    # The other owned number is untouched.
    assert owned_by_msisdn(owned)[preowned].app_id == e2e_data.preowned["app_id"]

    # The list filters see the new configuration.
    linked, linked_count, _ = vonage.numbers.list_owned_numbers(
        ListOwnedNumbersFilter(application_id=APP_ID)
    )
    assert [n.msisdn for n in linked] == [msisdn]
    assert linked_count == 1
    exact, exact_count, _ = vonage.numbers.list_owned_numbers(
        ListOwnedNumbersFilter(pattern=msisdn, search_pattern=0)
    )
    assert [n.msisdn for n in exact] == [msisdn]
    assert exact_count == 1

    # Cancel: gone from the account, for sale again.
    assert vonage.numbers.cancel_number(NumberParams(country="GB", msisdn=msisdn)) == SUCCESS

    owned, count, _ = vonage.numbers.list_owned_numbers()
    assert count == owned_count
    assert msisdn not in owned_by_msisdn(owned)
    assert preowned in owned_by_msisdn(owned)

    found, count, _ = vonage.numbers.search_available_numbers(gb_search())
    assert count == found_count
    assert msisdn in [n.msisdn for n in found]


def test_paging_count_is_the_total_of_matches(client: Client, e2e_data: E2EData) -> None:
    vonage = client(e2e_data.primary)
    page, count, next_page = vonage.numbers.search_available_numbers(
        SearchAvailableNumbersFilter(
            country="US", pattern=e2e_data.us_pattern, search_pattern=0, size=7, index=2
        )
    )
    assert count == len(e2e_data.us_available) == 20
    assert [n.msisdn for n in page] == list(e2e_data.us_available[7:14])
    assert next_page == 3


def test_bad_credentials_raise_authentication_error(client: Client, e2e_data: E2EData) -> None:
    vonage = client(e2e_data.primary, api_secret="WrongSecret00000")

    with pytest.raises(AuthenticationError) as listing:
        vonage.numbers.list_owned_numbers()
    assert listing.value.response.status_code == 401
    assert listing.value.response.json() == AUTH_FAILED_BODY

    with pytest.raises(AuthenticationError) as buying:
        vonage.numbers.buy_number(NumberParams(country="US", msisdn=e2e_data.us_available[0]))
    assert buying.value.response.status_code == 401
    assert buying.value.response.json() == AUTH_FAILED_BODY

    # Nothing was bought with the bad credentials.
    unbought = SearchAvailableNumbersFilter(
        country="US", pattern=e2e_data.us_available[0], search_pattern=0
    )
    found, _, _ = client(e2e_data.primary).numbers.search_available_numbers(unbought)
    assert [n.msisdn for n in found] == [e2e_data.us_available[0]]


def assert_method_failed(error: pytest.ExceptionInfo[HttpRequestError]) -> None:
    # _parse_response maps 401/403/404/429/500 to subclasses; 420 is the plain HttpRequestError.
    assert type(error.value) is HttpRequestError
    assert error.value.response.status_code == 420
    assert error.value.response.json() == METHOD_FAILED_BODY


def test_failing_operations_raise_http_request_error_420(client: Client, e2e_data: E2EData) -> None:
    vonage = client(e2e_data.primary)
    preowned = e2e_data.preowned["msisdn"]
    owned_before, count_before, _ = vonage.numbers.list_owned_numbers()

    with pytest.raises(HttpRequestError) as already_owned:
        vonage.numbers.buy_number(NumberParams(country="GB", msisdn=preowned))
    assert_method_failed(already_owned)

    with pytest.raises(HttpRequestError) as not_for_sale:
        vonage.numbers.buy_number(NumberParams(country="GB", msisdn=e2e_data.not_for_sale))
    assert_method_failed(not_for_sale)

    with pytest.raises(HttpRequestError) as wrong_country:
        vonage.numbers.buy_number(NumberParams(country="US", msisdn=e2e_data.gb_available[5]))
    assert_method_failed(wrong_country)

    with pytest.raises(HttpRequestError) as cancel_not_owned:
        vonage.numbers.cancel_number(NumberParams(country="GB", msisdn=e2e_data.gb_available[5]))
    assert_method_failed(cancel_not_owned)

    with pytest.raises(HttpRequestError) as update_not_owned:
        vonage.numbers.update_number(
            UpdateNumberParams(country="GB", msisdn=e2e_data.gb_available[5], app_id=APP_ID)
        )
    assert_method_failed(update_not_owned)

    # None of it changed the account.
    owned_after, count_after, _ = vonage.numbers.list_owned_numbers()
    assert count_after == count_before
    assert owned_by_msisdn(owned_after) == owned_by_msisdn(owned_before)


def test_subaccount_cannot_touch_the_primary_accounts_number(
    client: Client, e2e_data: E2EData
) -> None:
    sub = client(e2e_data.subaccount)
    preowned = e2e_data.preowned["msisdn"]

    owned, count, _ = sub.numbers.list_owned_numbers()
    assert preowned not in owned_by_msisdn(owned)
    assert count == len(owned)

    with pytest.raises(HttpRequestError) as cancel:
        sub.numbers.cancel_number(NumberParams(country="GB", msisdn=preowned))
    assert_method_failed(cancel)


def test_primary_buys_and_cancels_for_its_subaccount(client: Client, e2e_data: E2EData) -> None:
    primary, sub = client(e2e_data.primary), client(e2e_data.subaccount)
    msisdn = e2e_data.us_available[17]  # this test's own number
    params = NumberParams(country="US", msisdn=msisdn, target_api_key=e2e_data.subaccount.api_key)

    assert primary.numbers.buy_number(params) == SUCCESS
    sub_owned, _, _ = sub.numbers.list_owned_numbers()
    primary_owned, _, _ = primary.numbers.list_owned_numbers()
    assert owned_by_msisdn(sub_owned)[msisdn].country == "US"
    assert owned_by_msisdn(sub_owned)[msisdn].type == "landline"
    assert msisdn not in owned_by_msisdn(primary_owned)

    assert primary.numbers.cancel_number(params) == SUCCESS
    sub_owned, _, _ = sub.numbers.list_owned_numbers()
    assert msisdn not in owned_by_msisdn(sub_owned)
