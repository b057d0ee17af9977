"""The three POSTs through the app: real state changes, Vonage's failures, nothing half-applied."""

from collections.abc import Callable

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


def test_update_sets_keeps_and_clears_fields(client: TestClient) -> None:
    number = "447700900500"

    def current() -> dict:
        body = client.get("/account/numbers", params={"pattern": number}, auth=MASTER).json()
        return body["numbers"][0]

    assert (
        post(
            client,
            "update",
            country="GB",
            msisdn=number,
            voiceCallbackType="sip",
            voiceCallbackValue="sip:desk@example.com",
        ).json()
        == SUCCESS
    )
    assert current()["voiceCallbackType"] == "sip"
    assert current()["moHttpUrl"] == "https://example.com/webhooks/inbound-sms"  # kept
    assert post(client, "update", country="GB", msisdn=number, moHttpUrl="").json() == SUCCESS
    assert "moHttpUrl" not in current()  # an empty value removes the webhook
    assert current()["app_id"] == "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"


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
