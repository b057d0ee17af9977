"""The legacy Python client (`nexmo` 2.5.2) against a real mock server over HTTPS.

nexmo builds every URL as `https://{host}{path}`, with the host kept in the name-mangled attribute
`Client.__host`. Its public setter `client.host(value)` only accepts a bare IPv4 address or a
dotted host name (a regular expression rejects `127.0.0.1:PORT` and `localhost`), so the tests set
`client._Client__host = "127.0.0.1:PORT"`. The other way, with an unmodified client, is name
resolution (`rest.nexmo.com` -> the mock), which the last test exercises. nexmo uses a plain
`requests.Session`: `REQUESTS_CA_BUNDLE` makes it trust the mock's CA.

On the wire nexmo sends the credentials in the query string on GET and in the form body on POST,
with `Accept: */*`; it returns the parsed JSON only when the response's content type is JSON.
"""

from collections.abc import Callable, Iterator
from typing import Any

import nexmo
import pytest
import urllib3.util.connection
from support.accounts import Account
from support.data import E2EData
from support.servers import MockServer

pytestmark = pytest.mark.e2e

APP_ID = "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
MO_HTTP_URL = "https://example.com/e2e/nexmo/inbound-sms"
SUCCESS = {"error-code": "200", "error-code-label": "success"}

Client = Callable[..., nexmo.Client]


@pytest.fixture
def client(mock_server: MockServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    """Builds nexmo clients pointed at the mock, trusting its CA (for this test only).

    Their keep-alive connections are closed after the test, as an application would on exit.
    """
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(mock_server.ca_file))
    made: list[nexmo.Client] = []

    def make(account: Account, *, secret: str | None = None) -> nexmo.Client:
        c = nexmo.Client(key=account.api_key, secret=secret or account.api_secret)
        # The public setter c.host(...) rejects a port: set the attribute it guards.
        c._Client__host = mock_server.https_hostport  # type: ignore[attr-defined]
        made.append(c)
        return c

    yield make
    for c in made:
        c.session.close()


def msisdns(document: dict[str, Any]) -> list[str]:
    return [n["msisdn"] for n in document.get("numbers", [])]


def by_msisdn(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["msisdn"]: n for n in document.get("numbers", [])}


def test_search_buy_list_update_cancel_cycle(client: Client, e2e_data: E2EData) -> None:
    nx = client(e2e_data.primary)
    preowned = e2e_data.preowned["msisdn"]

    owned = nx.get_account_numbers(size=100)
    assert isinstance(owned, dict), f"not parsed as JSON: {owned!r}"
    owned_count = owned["count"]
    assert owned_count == len(owned["numbers"]) >= 1
    start = by_msisdn(owned)[preowned]
    assert (start["country"], start["type"]) == ("GB", "mobile-lvn")
    assert start["app_id"] == e2e_data.preowned["app_id"]
    assert start["moHttpUrl"] == e2e_data.preowned["moHttpUrl"]

    # Without size, a page of 10 of the 20 matches; count is the total of matches.
    first_page = nx.get_available_numbers("GB", pattern=e2e_data.gb_pattern, search_pattern=0)
    assert first_page["count"] == len(e2e_data.gb_available) == 20
    assert len(first_page["numbers"]) == 10
    found = nx.get_available_numbers("GB", pattern=e2e_data.gb_pattern, search_pattern=0, size=100)
    assert found["count"] == 20
    assert sorted(msisdns(found)) == sorted(e2e_data.gb_available)
    assert set(msisdns(first_page)) <= set(msisdns(found))
    for number in found["numbers"]:
        assert number["country"] == "GB"
        assert number["type"] == "mobile-lvn"
        assert number["cost"] == "1.25"
        assert sorted(number["features"]) == ["SMS", "VOICE"]

    msisdn = e2e_data.gb_available[7]  # this module's cycle number
    assert msisdn in msisdns(found)
    assert nx.buy_number({"country": "GB", "msisdn": msisdn}) == SUCCESS

    owned = nx.get_account_numbers(size=100)
    assert owned["count"] == owned_count + 1
    bought = by_msisdn(owned)[msisdn]
    assert (bought["country"], bought["type"]) == ("GB", "mobile-lvn")
    assert sorted(bought["features"]) == ["SMS", "VOICE"]
    assert "app_id" not in bought or bought["app_id"] in (None, "")

    after_buy = nx.get_available_numbers(
        "GB", pattern=e2e_data.gb_pattern, search_pattern=0, size=100
    )
    assert after_buy["count"] == 19
    assert msisdn not in msisdns(after_buy)

    status = nx.update_number(
        {"country": "GB", "msisdn": msisdn, "app_id": APP_ID, "moHttpUrl": MO_HTTP_URL}
    )
    assert status == SUCCESS

    owned = nx.get_account_numbers(size=100)
    assert owned["count"] == owned_count + 1
    assert by_msisdn(owned)[msisdn]["app_id"] == APP_ID
    assert by_msisdn(owned)[msisdn]["moHttpUrl"] == MO_HTTP_URL
    assert by_msisdn(owned)[preowned]["app_id"] == e2e_data.preowned["app_id"]

    linked = nx.get_account_numbers(application_id=APP_ID)
    assert linked["count"] == 1
    assert msisdns(linked) == [msisdn]

    assert nx.cancel_number({"country": "GB", "msisdn": msisdn}) == SUCCESS

    owned = nx.get_account_numbers(size=100)
    assert owned["count"] == owned_count
    assert msisdn not in msisdns(owned)
    assert preowned in msisdns(owned)

    found = nx.get_available_numbers("GB", pattern=e2e_data.gb_pattern, search_pattern=0, size=100)
    assert found["count"] == 20
    assert msisdn in msisdns(found)


def test_empty_result_has_count_zero_and_empty_list(client: Client, e2e_data: E2EData) -> None:
    nx = client(e2e_data.primary)
    assert nx.get_available_numbers("GB", pattern="447700900888", search_pattern=0) == {
        "count": 0,
        "numbers": [],
    }
    assert nx.get_account_numbers(pattern="12015550", search_pattern=0) == {
        "count": 0,
        "numbers": [],
    }


def test_bad_credentials_raise_authentication_error(client: Client, e2e_data: E2EData) -> None:
    nx = client(e2e_data.primary, secret="WrongSecret00000")

    with pytest.raises(nexmo.AuthenticationError):  # GET: credentials in the query string
        nx.get_account_numbers()
    with pytest.raises(nexmo.AuthenticationError):  # POST: credentials in the form body
        nx.buy_number({"country": "US", "msisdn": e2e_data.us_available[1]})

    found = client(e2e_data.primary).get_available_numbers(
        "US", pattern=e2e_data.us_available[1], search_pattern=0
    )
    assert msisdns(found) == [e2e_data.us_available[1]]


def test_failing_operations_raise_client_error(
    client: Client, e2e_data: E2EData, mock_server: MockServer
) -> None:
    nx = client(e2e_data.primary)
    before = nx.get_account_numbers(size=100)
    expected_message = f"420 response from {mock_server.https_hostport}"
    attempts: list[Callable[[], Any]] = [
        lambda: nx.buy_number({"country": "GB", "msisdn": e2e_data.preowned["msisdn"]}),
        lambda: nx.buy_number({"country": "GB", "msisdn": e2e_data.not_for_sale}),
        lambda: nx.buy_number({"country": "US", "msisdn": e2e_data.gb_available[9]}),
        lambda: nx.cancel_number({"country": "GB", "msisdn": e2e_data.gb_available[9]}),
        lambda: nx.update_number(
            {"country": "GB", "msisdn": e2e_data.gb_available[9], "app_id": APP_ID}
        ),
    ]
    for attempt in attempts:
        with pytest.raises(nexmo.ClientError) as error:
            attempt()
        # nexmo has no class for 420: a ClientError (not its AuthenticationError subclass)
        # whose message is only the status and host.
        assert type(error.value) is nexmo.ClientError
        assert str(error.value) == expected_message

    after = nx.get_account_numbers(size=100)
    assert after == before


def test_unmodified_client_reaches_the_mock_by_name_resolution(
    mock_server: MockServer, e2e_data: E2EData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client keeps its default host, rest.nexmo.com; only the connection goes to the mock.

    This is what a compose network alias or /etc/hosts does: TLS still checks the certificate
    against rest.nexmo.com, which the mock's certificate covers.
    """
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(mock_server.ca_file))
    real_create_connection = urllib3.util.connection.create_connection
    resolved: list[tuple[str, int]] = []

    def resolve_to_mock(address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
        if tuple(address) != ("rest.nexmo.com", 443):
            raise OSError(f"e2e: refusing to connect to {address!r}")
        resolved.append(address)
        return real_create_connection((mock_server.host, mock_server.https_port), *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", resolve_to_mock)

    nx = nexmo.Client(key=e2e_data.primary.api_key, secret=e2e_data.primary.api_secret)
    assert nx.host() == "rest.nexmo.com"
    with nx.session:
        owned = nx.get_account_numbers()
    assert e2e_data.preowned["msisdn"] in msisdns(owned)
    assert resolved
