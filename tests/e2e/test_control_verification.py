"""Verification against a real server driven by the official SDK: the journal's count, the
client's assert_called / assert_not_called, and requests that match no route."""

import re

import pytest
from support.data import E2EData
from support.sdks import SdkClients
from support.servers import MockServer
from support.waiting import wait_for
from vonage_http_client import HttpRequestError, NotFoundError
from vonage_numbers import NumberParams, SearchAvailableNumbersFilter

from mock_server.domain import messages
from mock_server.testing.client import MockClient

pytestmark = pytest.mark.e2e


@pytest.fixture
def bought(
    mock_server: MockServer, mock: MockClient, sdks: SdkClients, e2e_data: E2EData
) -> tuple[str, str]:
    """Two buys by the official SDK: one that succeeds, one refused (not for sale)."""
    vonage = sdks.vonage(mock_server, e2e_data.primary)
    msisdn = e2e_data.gb_available[0]
    vonage.numbers.buy_number(NumberParams(country="GB", msisdn=msisdn))
    with pytest.raises(HttpRequestError):
        vonage.numbers.buy_number(NumberParams(country="GB", msisdn=e2e_data.not_for_sale))
    return msisdn, e2e_data.not_for_sale


def test_the_helpers_pass_on_the_calls_the_sdk_made(
    mock: MockClient, bought: tuple[str, str], e2e_data: E2EData
) -> None:
    msisdn, refused = bought
    mock.assert_called("buy", msisdn=msisdn, times=1)
    mock.assert_called("buy", msisdn=msisdn, country="GB", status=200)
    mock.assert_called("buy", msisdn=refused, status=420, api_key=e2e_data.primary.api_key)
    mock.assert_called("buy", times=2)
    mock.assert_not_called("cancel")
    mock.assert_not_called("buy", msisdn=e2e_data.gb_available[1])
    assert mock.count_requests(operation="buy") == 2
    assert mock.count_requests(operation="buy", msisdn=msisdn) == 1
    assert mock.count_requests(country="GB", status=200) == 1


def test_assert_called_fails_listing_the_closest_calls(
    mock: MockClient, bought: tuple[str, str], e2e_data: E2EData
) -> None:
    msisdn, refused = bought
    other = e2e_data.gb_available[1]

    with pytest.raises(AssertionError) as failure:
        mock.assert_called("buy", msisdn=other, times=1)

    lines = str(failure.value).splitlines()
    what = f"buy with msisdn={other!r}"
    assert lines[0] == messages.VERIFY_EXPECTED.format(expected="1 call", what=what, found=0)
    assert lines[1] == messages.VERIFY_CLOSEST
    # Both buys differ by their msisdn only; the latest comes first.
    closest = r"  #\d+ POST /number/buy .*msisdn='{}'.* -> {} \(differs: msisdn\)"
    assert re.fullmatch(closest.format(refused, 420), lines[2])
    assert re.fullmatch(closest.format(msisdn, 200), lines[3])
    assert len(lines) == 4


def test_assert_called_fails_on_a_wrong_count(mock: MockClient, bought: tuple[str, str]) -> None:
    msisdn, _ = bought
    with pytest.raises(AssertionError) as failure:
        mock.assert_called("buy", msisdn=msisdn, times=2)
    first, header, listed = str(failure.value).splitlines()
    what = f"buy with msisdn={msisdn!r}"
    assert first == messages.VERIFY_EXPECTED.format(expected="2 calls", what=what, found=1)
    assert header == messages.VERIFY_MATCHING
    assert f"msisdn='{msisdn}'" in listed
    assert listed.endswith("-> 200")


def test_assert_not_called_fails_listing_the_calls(
    mock: MockClient, bought: tuple[str, str]
) -> None:
    msisdn, _ = bought
    with pytest.raises(AssertionError) as failure:
        mock.assert_not_called("buy", status=200)
    first, header, listed = str(failure.value).splitlines()
    assert first == messages.VERIFY_EXPECTED.format(
        expected="0 calls", what="buy with status=200", found=1
    )
    assert header == messages.VERIFY_MATCHING
    assert f"msisdn='{msisdn}'" in listed


def test_assert_called_with_no_call_of_the_operation(mock: MockClient) -> None:
    with pytest.raises(AssertionError) as failure:
        mock.assert_called("update")
    assert str(failure.value).splitlines() == [
        messages.VERIFY_EXPECTED.format(expected="a call", what="update", found=0),
        messages.VERIFY_NONE_CLOSE,
    ]


def test_a_mistyped_base_url_is_journaled_with_a_hint_and_logged_once(
    mock_server: MockServer, mock: MockClient, sdks: SdkClients, e2e_data: E2EData
) -> None:
    typo = sdks.vonage(mock_server, e2e_data.primary, path_prefix="/v1")
    for _ in range(2):
        with pytest.raises(NotFoundError):
            typo.numbers.search_available_numbers(SearchAvailableNumbersFilter(country="GB"))

    assert mock.count_requests(operation="unmatched") == 2
    entry = mock.requests(operation="unmatched")[-1]
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/v1/number/search", 404)
    assert entry["hint"] == messages.UNMATCHED_HINT.format(route="GET /number/search")
    assert entry["params"]["country"] == "GB"
    mock.assert_called("unmatched", country="GB", times=2)
    mock.assert_not_called("search")
    warning = messages.UNMATCHED_WARNING % ("GET", "/v1/number/search", entry["hint"])

    def log() -> str:
        return mock_server.stderr_path.read_text(encoding="utf-8")

    wait_for(lambda: warning in log(), "the warning in the server's log")
    assert log().count(warning) == 1
