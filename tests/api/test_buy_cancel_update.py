"""The three POSTs through the app: real state changes, Vonage's failures, nothing half-applied."""

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from support.accounts import MASTER, POOR, STRANGER, SUB

from mock_server.domain import messages

SUCCESS = {"error-code": "200", "error-code-label": messages.SUCCESS}
METHOD_FAILED = {"error-code": "420", "error-code-label": messages.METHOD_FAILED}
ADDRESS = {"error-code": "420", "error-code-label": messages.ADDRESS_REQUIRED}


def post(client: TestClient, op: str, auth: tuple[str, str] = MASTER, **data: str):
    return client.post(f"/number/{op}", data=data, auth=auth)


def owned_msisdns(client: TestClient, auth: tuple[str, str] = MASTER) -> list[str]:
    body = client.get("/account/numbers", params={"size": 100}, auth=auth).json()
    return [n["msisdn"] for n in body["numbers"]]


def available(client: TestClient, country: str = "GB") -> list[str]:
    body = client.get("/number/search", params={"country": country, "size": 100}, auth=MASTER)
    return [n["msisdn"] for n in body.json()["numbers"]]


def snapshot(client: TestClient) -> tuple:
    accounts = (MASTER, SUB, POOR, STRANGER)
    return (
        tuple(tuple(owned_msisdns(client, a)) for a in accounts),
        tuple(tuple(available(client, c)) for c in ("GB", "US", "IT")),
    )


def test_buy_moves_the_number_to_the_account(client: TestClient) -> None:
    response = post(client, "buy", country="GB", msisdn="447700900003")
    assert (response.status_code, response.json()) == (200, SUCCESS)
    assert "447700900003" in owned_msisdns(client)
    assert "447700900003" not in available(client)


def test_cancel_returns_the_number_with_its_configuration_cleared(client: TestClient) -> None:
    post(client, "buy", country="GB", msisdn="447700900003")
    post(
        client,
        "update",
        country="GB",
        msisdn="447700900003",
        app_id="app-1",
        moHttpUrl="https://example.com/mo",
    )
    response = post(client, "cancel", country="GB", msisdn="447700900003")
    assert (response.status_code, response.json()) == (200, SUCCESS)
    assert "447700900003" not in owned_msisdns(client)
    assert "447700900003" in available(client)
    post(client, "buy", country="GB", msisdn="447700900003")
    number = next(
        n
        for n in client.get(
            "/account/numbers", params={"pattern": "447700900003"}, auth=MASTER
        ).json()["numbers"]
    )
    assert "app_id" not in number
    assert "moHttpUrl" not in number


def test_a_number_owned_at_start_can_be_cancelled_back_into_its_range(client: TestClient) -> None:
    assert "447700900010" not in available(client)
    assert post(client, "cancel", country="GB", msisdn="447700900010").status_code == 200
    assert "447700900010" in available(client)


def test_master_acts_on_its_subaccount_with_target_api_key(client: TestClient) -> None:
    response = post(client, "buy", country="US", msisdn="12015550101", target_api_key=SUB[0])
    assert response.json() == SUCCESS
    assert "12015550101" in owned_msisdns(client, SUB)
    assert "12015550101" not in owned_msisdns(client)
    response = post(client, "cancel", country="US", msisdn="12015550101", target_api_key=SUB[0])
    assert response.json() == SUCCESS
    assert "12015550101" not in owned_msisdns(client, SUB)


def test_buy_charges_setup_fee_and_first_month(client: TestClient) -> None:
    # POOR has 0.50: a 0.40 landline is affordable once, then the credit is gone.
    assert post(client, "buy", POOR, country="GB", msisdn="442079460001").json() == SUCCESS
    post(client, "cancel", POOR, country="GB", msisdn="442079460001")
    assert post(client, "buy", POOR, country="GB", msisdn="442079460001").json() == METHOD_FAILED


@pytest.mark.parametrize(
    ("op", "auth", "data", "expected"),
    [
        pytest.param(
            "buy",
            MASTER,
            {"country": "GB", "msisdn": "447799999999"},
            METHOD_FAILED,
            id="buy-unknown",
        ),
        pytest.param(
            "buy", MASTER, {"country": "GB", "msisdn": "447700900500"}, METHOD_FAILED, id="buy-own"
        ),
        pytest.param(
            "buy",
            MASTER,
            {"country": "GB", "msisdn": "447700900700"},
            METHOD_FAILED,
            id="buy-someone-elses",
        ),
        pytest.param(
            "buy",
            MASTER,
            {"country": "US", "msisdn": "447700900001"},
            METHOD_FAILED,
            id="buy-wrong-country",
        ),
        pytest.param(
            "buy",
            POOR,
            {"country": "GB", "msisdn": "447700900001"},
            METHOD_FAILED,
            id="buy-no-credit",
        ),
        pytest.param(
            "buy",
            MASTER,
            {"country": "IT", "msisdn": "390612345678"},
            ADDRESS,
            id="buy-address-country",
        ),
        pytest.param(
            "buy",
            MASTER,
            {"country": "GB", "msisdn": "447700900001", "target_api_key": STRANGER[0]},
            METHOD_FAILED,
            id="target-not-a-subaccount",
        ),
        pytest.param(
            "buy",
            SUB,
            {"country": "GB", "msisdn": "447700900001", "target_api_key": MASTER[0]},
            METHOD_FAILED,
            id="sub-targets-master",
        ),
        pytest.param(
            "cancel",
            MASTER,
            {"country": "GB", "msisdn": "447700900001"},
            METHOD_FAILED,
            id="cancel-available",
        ),
        pytest.param(
            "cancel",
            MASTER,
            {"country": "GB", "msisdn": "447700900700"},
            METHOD_FAILED,
            id="cancel-someone-elses",
        ),
        pytest.param(
            "cancel",
            MASTER,
            {"country": "US", "msisdn": "447700900500"},
            METHOD_FAILED,
            id="cancel-wrong-country",
        ),
        pytest.param(
            "cancel",
            SUB,
            {"country": "GB", "msisdn": "447700900500", "target_api_key": MASTER[0]},
            METHOD_FAILED,
            id="cancel-sub-targets-master",
        ),
        pytest.param(
            "update",
            MASTER,
            {"country": "GB", "msisdn": "447700900600", "app_id": "x"},
            METHOD_FAILED,
            id="update-subs-number",
        ),
        pytest.param(
            "update",
            SUB,
            {"country": "GB", "msisdn": "447700900500", "app_id": "x"},
            METHOD_FAILED,
            id="update-masters-number",
        ),
        pytest.param(
            "buy",
            MASTER,
            {"msisdn": "447700900001"},
            {"country": messages.FIELD_REQUIRED},
            id="missing-country",
        ),
        pytest.param(
            "buy",
            MASTER,
            {},
            {"country": messages.FIELD_REQUIRED, "msisdn": messages.FIELD_REQUIRED},
            id="missing-both",
        ),
        pytest.param(
            "cancel",
            MASTER,
            {"country": "GB", "msisdn": "+447700900500"},
            {"msisdn": messages.FIELD_INVALID},
            id="msisdn-with-plus",
        ),
        pytest.param(
            "update",
            MASTER,
            {"country": "GB", "msisdn": "447700900500", "voiceCallbackType": "pigeon"},
            {"voiceCallbackType": messages.FIELD_INVALID},
            id="bad-callback-type",
        ),
    ],
)
def test_failures_answer_vonage_errors_and_change_nothing(
    client: TestClient, op: str, auth: tuple[str, str], data: dict[str, str], expected: dict
) -> None:
    before = snapshot(client)
    response = post(client, op, auth, **data)
    expected_status = 420 if expected.get("error-code") == "420" else 400
    assert (response.status_code, response.json()) == (expected_status, expected)
    assert snapshot(client) == before


NUMBER_500 = "447700900500"
MO_500 = "https://example.com/webhooks/inbound-sms"
APP_500 = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"
SIP = {"voiceCallbackType": "sip", "voiceCallbackValue": "sip:desk@example.com"}


def listed_500(client: TestClient) -> dict:
    body = client.get("/account/numbers", params={"pattern": NUMBER_500}, auth=MASTER).json()
    return body["numbers"][0]


def test_update_replaces_the_configuration_by_default(client: TestClient) -> None:
    # The live API clears what a call leaves out: setting a voice link removed the number's SMS
    # webhook (Nexmo/nexmo-cli#83), and the CLIs unlink an app by leaving `app_id` out.
    assert {"moHttpUrl": MO_500, "app_id": APP_500}.items() <= listed_500(client).items()
    assert post(client, "update", country="GB", msisdn=NUMBER_500, **SIP).json() == SUCCESS
    number = listed_500(client)
    assert {k: number.get(k) for k in (*SIP, "moHttpUrl", "app_id")} == {
        **SIP,
        "moHttpUrl": None,
        "app_id": None,
    }
    # Only the number: every field cleared (nexmo-cli's unlink:app sends exactly this).
    assert post(client, "update", country="GB", msisdn=NUMBER_500).json() == SUCCESS
    assert set(listed_500(client)) == {"country", "msisdn", "type", "features"}


def test_update_merges_with_the_merge_mode(make_client: Callable[..., TestClient]) -> None:
    client = make_client(update_mode="merge")
    assert post(client, "update", country="GB", msisdn=NUMBER_500, **SIP).json() == SUCCESS
    assert listed_500(client)["voiceCallbackType"] == "sip"
    assert listed_500(client)["moHttpUrl"] == MO_500  # kept
    assert post(client, "update", country="GB", msisdn=NUMBER_500, moHttpUrl="").json() == SUCCESS
    assert "moHttpUrl" not in listed_500(client)  # an empty value removes the webhook
    assert listed_500(client)["app_id"] == APP_500


@pytest.mark.parametrize("mode", ["replace", "merge"])
def test_an_empty_value_clears_its_field_in_both_modes(
    make_client: Callable[..., TestClient], mode: str
) -> None:
    client = make_client(update_mode=mode)
    sent = {"moHttpUrl": "", "app_id": APP_500}
    assert post(client, "update", country="GB", msisdn=NUMBER_500, **sent).json() == SUCCESS
    number = listed_500(client)
    assert "moHttpUrl" not in number
    assert number["app_id"] == APP_500


@pytest.mark.parametrize("mode", ["replace", "merge"])
def test_a_refused_update_changes_nothing_in_either_mode(
    make_client: Callable[..., TestClient], mode: str
) -> None:
    client = make_client(update_mode=mode)
    before = listed_500(client)
    bad = post(client, "update", country="GB", msisdn=NUMBER_500, voiceCallbackType="fax")
    assert (bad.status_code, bad.json()) == (400, {"voiceCallbackType": "Is invalid."})
    not_owned = post(client, "update", country="GB", msisdn="447700900003", **SIP)
    assert (not_owned.status_code, not_owned.json()) == (420, METHOD_FAILED)
    assert listed_500(client) == before


def test_a_replacing_update_is_saved_and_replayed_as_made(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    state_file = tmp_path / "state.json"
    client = make_client(state_file=state_file)
    assert post(client, "update", country="GB", msisdn=NUMBER_500, **SIP).json() == SUCCESS
    exported = client.get("/_mock/state").json()
    (entry,) = [e for e in exported["owned"] if e["msisdn"] == NUMBER_500]
    assert "moHttpUrl" not in entry
    assert "app_id" not in entry
    assert entry["voiceCallbackValue"] == SIP["voiceCallbackValue"]
    # A restart in the other mode replays the change as it was made: the fields stay cleared.
    restarted = make_client(state_file=state_file, update_mode="merge")
    assert listed_500(restarted) == listed_500(client)
    assert "moHttpUrl" not in listed_500(restarted)


def test_an_sms_to_a_number_whose_webhook_was_replaced_away_is_refused(
    client: TestClient,
) -> None:
    sms = {"from": "447700900999", "to": NUMBER_500, "text": "hi"}
    assert post(client, "update", country="GB", msisdn=NUMBER_500, **SIP).json() == SUCCESS
    refused = client.post("/_mock/inbound/sms", json=sms)
    assert refused.status_code == 409
    assert refused.json()["field"] == "moHttpUrl"


def test_update_accepts_every_field_of_the_spec(client: TestClient) -> None:
    fields = {
        "app_id": "cccccccc-dddd-eeee-ffff-0123456789ab",
        "moHttpUrl": "https://example.com/inbound?x=1&y=2",
        "moSmppSysType": "inbound",
        "voiceCallbackType": "tel",
        "voiceCallbackValue": "447700900999",
        "voiceStatusCallback": "https://example.com/status",
        "messagesCallbackType": "app",
        "messagesCallbackValue": "dddddddd-eeee-ffff-0000-0123456789ab",
    }
    response = post(client, "update", country="US", msisdn="12015550150", **fields)
    assert response.json() == SUCCESS
    number = client.get("/account/numbers", params={"country": "US"}, auth=MASTER).json()
    listed = number["numbers"][0]
    for wire in (
        "app_id",
        "moHttpUrl",
        "voiceCallbackType",
        "voiceCallbackValue",
        "messagesCallbackType",
        "messagesCallbackValue",
    ):
        assert listed[wire] == fields[wire]
    # The listing names the status callback as the live API does, not as the update does.
    assert listed["voiceStatusCallbackUrl"] == fields["voiceStatusCallback"]
    assert "voiceStatusCallback" not in listed


@pytest.mark.parametrize(
    "status_setting",
    [pytest.param(420, id="420"), pytest.param(400, id="400"), pytest.param(200, id="200")],
)
def test_the_status_carrying_method_failed_is_a_setting(
    make_client: Callable[..., TestClient], status_setting: int
) -> None:
    client = make_client(method_failed_status=status_setting)
    response = post(client, "buy", country="GB", msisdn="447799999999")
    assert (response.status_code, response.json()) == (status_setting, METHOD_FAILED)
