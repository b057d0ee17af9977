"""GET /account/numbers through the app: the caller's numbers only, filtered and paged."""

import pytest
from fastapi.testclient import TestClient
from support.accounts import MASTER, SUB

APP = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"
MESSAGES_APP = "bbbbbbbb-cccc-dddd-eeee-0123456789ab"


def owned(client: TestClient, auth: tuple[str, str] = MASTER, **params: str | int) -> dict:
    response = client.get("/account/numbers", params=params, auth=auth)
    assert response.status_code == 200, response.text
    return response.json()


def msisdns(body: dict) -> list[str]:
    return [n["msisdn"] for n in body["numbers"]]


def test_lists_only_the_callers_numbers_with_their_configuration(client: TestClient) -> None:
    body = owned(client)
    assert body["count"] == 3
    assert msisdns(body) == ["12015550150", "447700900010", "447700900500"]
    assert body["numbers"][2] == {
        "country": "GB",
        "msisdn": "447700900500",
        "type": "mobile-lvn",
        "features": ["VOICE", "SMS"],
        "moHttpUrl": "https://example.com/webhooks/inbound-sms",
        "app_id": APP,
    }
    assert body["numbers"][0]["voiceCallbackType"] == "tel"
    assert body["numbers"][0]["voiceCallbackValue"] == "12015550123"
    assert msisdns(owned(client, auth=SUB)) == ["447700900600"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"country": "GB"}, ["447700900010", "447700900500"], id="country"),
        pytest.param({"country": "FR"}, [], id="country-none"),
        pytest.param({"pattern": "1201", "search_pattern": 0}, ["12015550150"], id="starts"),
        pytest.param(
            {"pattern": "0900", "search_pattern": 1},
            ["447700900010", "447700900500"],
            id="contains",
        ),
        pytest.param({"pattern": "500", "search_pattern": 2}, ["447700900500"], id="ends"),
        pytest.param({"has_application": "true"}, ["447700900010", "447700900500"], id="has-app"),
        pytest.param({"has_application": "True"}, ["447700900010", "447700900500"], id="True"),
        pytest.param({"has_application": "FALSE"}, ["12015550150"], id="no-app"),
        pytest.param({"application_id": APP}, ["447700900500"], id="app-id"),
        pytest.param({"application_id": MESSAGES_APP}, ["447700900010"], id="deprecated-app"),
        pytest.param({"application_id": "unknown"}, [], id="unknown-app"),
        pytest.param({"size": 1, "index": 2}, ["447700900010"], id="page"),
    ],
)
def test_filters(client: TestClient, params: dict[str, str | int], expected: list[str]) -> None:
    body = owned(client, **params)
    assert msisdns(body) == expected
    if "size" not in params:
        assert body["count"] == len(expected)


def test_count_is_the_total_when_paging(client: TestClient) -> None:
    body = owned(client, size=2, index=2)
    assert body["count"] == 3
    assert msisdns(body) == ["447700900500"]


def test_empty_list_still_has_numbers_key(client: TestClient) -> None:
    assert owned(client, country="FR") == {"count": 0, "numbers": []}


def test_the_python_sdk_paging_call_is_accepted(client: TestClient) -> None:
    # vonage 4.x always sends size=100; the CLI sends neither size nor index.
    assert owned(client, size=100)["count"] == 3
    assert owned(client)["count"] == 3


STATUS_URL = "https://example.com/voice/events?x=1&y=2"


def test_the_voice_status_callback_is_listed_under_its_live_name_in_json_and_xml(
    client: TestClient,
) -> None:
    # Vonage/vonage-php-sdk-core#329 quotes a live listing: voiceCallbackType,
    # voiceCallbackValue, then voiceStatusCallbackUrl (the update's voiceStatusCallback).
    data = {
        "country": "US",
        "msisdn": "12015550150",
        "voiceCallbackType": "tel",
        "voiceCallbackValue": "12015550123",
        "voiceStatusCallback": STATUS_URL,
    }
    assert client.post("/number/update", data=data, auth=MASTER).status_code == 200
    (number,) = owned(client, country="US")["numbers"]
    keys = list(number)
    assert number["voiceStatusCallbackUrl"] == STATUS_URL
    assert keys.index("voiceCallbackValue") + 1 == keys.index("voiceStatusCallbackUrl")
    assert "voiceStatusCallback" not in number
    xml = client.get(
        "/account/numbers", params={"country": "US"}, auth=MASTER, headers={"Accept": "text/xml"}
    )
    assert xml.status_code == 200
    assert (
        "<voice-status-callback-url>https://example.com/voice/events?x=1&amp;y=2"
        "</voice-status-callback-url>" in xml.text
    )


def test_a_number_without_a_status_callback_lists_none(client: TestClient) -> None:
    for number in owned(client)["numbers"]:
        assert "voiceStatusCallbackUrl" not in number


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"pattern": "*500", "search_pattern": "2"}, ["447700900500"], id="ends"),
        pytest.param({"pattern": "1201*"}, ["12015550150"], id="starts"),
        pytest.param(
            {"pattern": "*0*5*0*", "search_pattern": "1"},
            ["12015550150", "447700900500"],
            id="contains",
        ),
        pytest.param({"pattern": "44*1*", "search_pattern": "0"}, ["447700900010"], id="interior"),
    ],
)
def test_owned_numbers_match_wildcard_patterns(
    client: TestClient, params: dict[str, str], expected: list[str]
) -> None:
    body = owned(client, **params)
    assert (body["count"], msisdns(body)) == (len(expected), expected)
