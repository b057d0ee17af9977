"""Where the mock follows the live API rather than the vendor's document, through the official
clients against real servers over HTTPS (README, Behaviour, with the public evidence):

- `POST /number/update` replaces the configuration: what a call leaves out is cleared;
- `GET /account/numbers` lists the voice status callback as `voiceStatusCallbackUrl`;
- `--empty-numbers empty` answers an empty page as `{}`;
- `*` in `pattern` stands for any digits.
"""

from collections.abc import Iterator
from typing import Any

import nexmo
import pytest
from support.data import E2EData
from support.sdks import SdkClients, run_node_calls
from support.servers import MockServer, start_mock_server, stop_mock_server
from vonage_numbers import (
    ListOwnedNumbersFilter,
    NumbersStatus,
    SearchAvailableNumbersFilter,
    UpdateNumberParams,
)

from mock_server.testing.client import MockClient

pytestmark = pytest.mark.e2e

SUCCESS = {"error-code": "200", "error-code-label": "success"}
NODE_SUCCESS = {"errorCode": "200", "errorCodeLabel": "success"}
SIP = "sip:desk@example.com"
EVENTS = "https://example.com/e2e/voice/events"
APP_ID = "bbbbbbbb-cccc-dddd-eeee-0123456789ab"


def by_msisdn(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["msisdn"]: n for n in document.get("numbers", [])}


def preowned_ref(e2e_data: E2EData) -> dict[str, str]:
    return {"country": "GB", "msisdn": e2e_data.preowned["msisdn"]}


def test_python_sdk_update_replaces_the_configuration(
    mock: MockClient, mock_server: MockServer, sdks: SdkClients, e2e_data: E2EData
) -> None:
    vonage = sdks.vonage(mock_server, e2e_data.primary)
    ref = preowned_ref(e2e_data)
    status = vonage.numbers.update_number(
        UpdateNumberParams(**ref, voice_callback_type="sip", voice_callback_value=SIP)
    )
    assert status == NumbersStatus(**SUCCESS)
    numbers, count, _ = vonage.numbers.list_owned_numbers(
        ListOwnedNumbersFilter(pattern=ref["msisdn"], search_pattern=0)
    )
    assert count == 1
    (number,) = numbers
    assert (number.voice_callback_type, number.voice_callback_value) == ("sip", SIP)
    # The fixture's webhook and application were left out, so they are gone (nexmo-cli#83).
    assert (number.mo_http_url, number.app_id) == (None, None)


def test_legacy_client_unlinks_by_sending_only_the_number_and_sees_the_status_url(
    mock: MockClient, mock_server: MockServer, sdks: SdkClients, e2e_data: E2EData
) -> None:
    nx = sdks.legacy(mock_server, e2e_data.primary)
    ref = preowned_ref(e2e_data)
    assert (
        by_msisdn(nx.get_account_numbers())[ref["msisdn"]]["app_id"] == e2e_data.preowned["app_id"]
    )
    # nexmo-cli's unlink:app: country and msisdn, nothing else.
    assert nx.update_number(dict(ref)) == SUCCESS
    number = by_msisdn(nx.get_account_numbers())[ref["msisdn"]]
    assert set(number) == {"country", "msisdn", "type", "features"}

    fields = {"voiceCallbackType": "sip", "voiceCallbackValue": SIP, "voiceStatusCallback": EVENTS}
    assert nx.update_number({**ref, **fields}) == SUCCESS
    number = by_msisdn(nx.get_account_numbers())[ref["msisdn"]]
    assert number["voiceStatusCallbackUrl"] == EVENTS
    assert "voiceStatusCallback" not in number
    xml = nx.session.get(
        f"https://{mock_server.https_hostport}/account/numbers",
        auth=(e2e_data.primary.api_key, e2e_data.primary.api_secret),
        headers={"Accept": "text/xml"},
        timeout=10,
    )
    assert f"<voice-status-callback-url>{EVENTS}</voice-status-callback-url>" in xml.text


def test_node_sdk_update_replaces_and_lists_the_status_callback_url(
    mock: MockClient, mock_server: MockServer, e2e_data: E2EData
) -> None:
    ref = preowned_ref(e2e_data)
    sip = {"voiceCallbackType": "sip", "voiceCallbackValue": SIP, "voiceStatusCallback": EVENTS}
    updated, listed, relinked, listed_again = run_node_calls(
        mock_server,
        e2e_data.primary,
        [
            {"op": "update", "params": {**ref, **sip}},
            {"op": "owned", "params": {"pattern": ref["msisdn"], "searchPattern": 0}},
            {"op": "update", "params": {**ref, "appId": APP_ID}},
            {"op": "owned", "params": {"pattern": ref["msisdn"], "searchPattern": 0}},
        ],
    )
    assert updated["result"] == relinked["result"] == NODE_SUCCESS
    (number,) = listed["result"]["numbers"]
    assert number["voiceStatusCallbackUrl"] == EVENTS
    assert number["voiceCallbackValue"] == SIP
    assert "moHttpUrl" not in number
    assert "app_id" not in number
    (number,) = listed_again["result"]["numbers"]
    assert number["app_id"] == APP_ID
    assert "voiceCallbackValue" not in number
    assert "voiceStatusCallbackUrl" not in number


@pytest.fixture(scope="module")
def merging_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    server = start_mock_server(
        tmp_path_factory.mktemp("merging"), extra_args=["--update-mode", "merge"]
    )
    try:
        yield server
    finally:
        stop_mock_server(server)


def test_merge_mode_keeps_what_an_update_leaves_out(
    merging_server: MockServer, sdks: SdkClients, e2e_data: E2EData
) -> None:
    nx = sdks.legacy(merging_server, e2e_data.primary)
    ref = preowned_ref(e2e_data)
    assert nx.update_number({**ref, "voiceCallbackType": "sip", "voiceCallbackValue": SIP}) == (
        SUCCESS
    )
    number = by_msisdn(nx.get_account_numbers())[ref["msisdn"]]
    assert number["voiceCallbackValue"] == SIP
    assert number["moHttpUrl"] == e2e_data.preowned["moHttpUrl"]
    assert number["app_id"] == e2e_data.preowned["app_id"]


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    server = start_mock_server(
        tmp_path_factory.mktemp("empty"), extra_args=["--empty-numbers", "empty"]
    )
    try:
        yield server
    finally:
        stop_mock_server(server)


NO_MATCH = {"pattern": "999999", "search_pattern": "0"}


def test_python_sdk_reads_an_empty_object_as_no_numbers(
    empty_server: MockServer, sdks: SdkClients, e2e_data: E2EData
) -> None:
    vonage = sdks.vonage(empty_server, e2e_data.primary)
    assert vonage.numbers.search_available_numbers(
        SearchAvailableNumbersFilter(country="GB", pattern="999999", search_pattern=0)
    ) == ([], 0, None)
    assert vonage.numbers.list_owned_numbers(ListOwnedNumbersFilter(country="US")) == ([], 0, None)
    numbers, count, _ = vonage.numbers.list_owned_numbers(ListOwnedNumbersFilter(country="GB"))
    assert count == len(numbers) == 1


def test_legacy_client_and_node_sdk_hand_the_empty_object_over(
    empty_server: MockServer, sdks: SdkClients, e2e_data: E2EData
) -> None:
    nx = sdks.legacy(empty_server, e2e_data.primary)
    assert nx.get_available_numbers("GB", NO_MATCH) == {}
    assert nx.get_account_numbers(country="US") == {}
    assert nx.get_account_numbers(country="GB")["count"] == 1
    searched, listed = run_node_calls(
        empty_server,
        e2e_data.primary,
        [
            {"op": "search", "params": {"country": "GB", "pattern": "999999", "searchPattern": 0}},
            {"op": "owned", "params": {"country": "US"}},
        ],
    )
    assert searched == {"ok": True, "op": "search", "result": {}}
    assert listed == {"ok": True, "op": "owned", "result": {}}


def test_wildcard_patterns_through_every_client(
    mock: MockClient, mock_server: MockServer, sdks: SdkClients, e2e_data: E2EData
) -> None:
    # nexmo-cli's README: `number:search NL --pattern *007` sends pattern=*007&search_pattern=2.
    nx = sdks.legacy(mock_server, e2e_data.primary)
    found = nx.get_available_numbers("GB", {"pattern": "*007", "search_pattern": 2})
    assert found == nx.get_available_numbers("GB", {"pattern": "007", "search_pattern": 2})
    assert [n["msisdn"] for n in found["numbers"]] == ["447700900007"]

    # The Kotlin SDK's `1337*` starting with, through the Python SDK.
    vonage = sdks.vonage(mock_server, e2e_data.primary)
    numbers, count, _ = vonage.numbers.search_available_numbers(
        SearchAvailableNumbersFilter(country="US", pattern="1201*", search_pattern=0, size=100)
    )
    assert count == len(numbers) == len(e2e_data.us_available)
    owned, owned_count, _ = vonage.numbers.list_owned_numbers(
        ListOwnedNumbersFilter(pattern="*999", search_pattern=2)
    )
    assert owned_count == 1
    assert [n.msisdn for n in owned] == [e2e_data.preowned["msisdn"]]

    # The Java SDK's `*1337*` containing, and an interior wildcard, through the Node SDK.
    contains, interior = run_node_calls(
        mock_server,
        e2e_data.primary,
        [
            {"op": "search", "params": {"country": "US", "pattern": "*5011*", "searchPattern": 1}},
            {
                "op": "search",
                "params": {"country": "GB", "pattern": "4477*1*9", "searchPattern": 0},
            },
        ],
    )
    assert sorted(n["msisdn"] for n in contains["result"]["numbers"]) == [
        n for n in e2e_data.us_available if "5011" in n
    ]
    assert [n["msisdn"] for n in interior["result"]["numbers"]] == ["447700900019"]


def test_a_pattern_with_other_characters_is_still_refused(
    mock: MockClient, mock_server: MockServer, sdks: SdkClients, e2e_data: E2EData
) -> None:
    nx = sdks.legacy(mock_server, e2e_data.primary)
    with pytest.raises(nexmo.ClientError) as refused:
        nx.get_available_numbers("GB", {"pattern": "44?7", "search_pattern": 0})
    assert "400" in str(refused.value)
