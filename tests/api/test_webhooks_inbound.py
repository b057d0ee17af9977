"""Simulated inbound traffic: `POST /_mock/inbound/sms` and `/_mock/inbound/call` deliver the
number's webhooks as Vonage would, report what the receiver did, and journal it."""

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support.accounts import MASTER, SUB
from support.webhooks import Receiver, refusing_url, running_receiver

from mock_server.domain import messages
from mock_server.vonage.rendering import PROBLEM_JSON

SMS_NUMBER = "447700900500"  # master01's, VOICE and SMS
SUB_NUMBER = "447700900600"  # sub00001's, SMS only, no moHttpUrl
VOICE_ONLY = "12015550150"  # master01's, voiceCallbackType tel
SENDER = "447700900123"
SMS_FIELDS = {
    "api-key", "msisdn", "to", "messageId", "text", "type", "keyword", "message-timestamp",
}  # fmt: skip
EVENT_FIELDS = {"from", "to", "uuid", "conversation_uuid", "status", "direction", "timestamp"}
TOKEN = "inbound-token"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as started:
        yield started


def configure(client: TestClient, msisdn: str, country: str, **fields: str) -> None:
    response = client.post(
        "/number/update", data={"country": country, "msisdn": msisdn, **fields}, auth=MASTER
    )
    assert response.status_code == 200, response.text


def sms(client: TestClient, **body: Any) -> Any:
    return client.post("/_mock/inbound/sms", json={"from": SENDER, "to": SMS_NUMBER} | body)


def call(client: TestClient, to: str = VOICE_ONLY, **body: Any) -> Any:
    return client.post("/_mock/inbound/call", json={"from": SENDER, "to": to} | body)


def journal(client: TestClient, operation: str) -> list[dict[str, Any]]:
    entries = client.get("/_mock/requests").json()["requests"]
    return [e for e in entries if e["operation"] == operation]


def assert_problem(response: Any, status: int, field: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert (body["status"], body["field"]) == (status, field)
    return body


def assert_recent(timestamp: str, pattern: str, fmt: str) -> None:
    assert re.fullmatch(pattern, timestamp), timestamp
    moment = datetime.strptime(timestamp, fmt).replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - moment) < timedelta(minutes=5)


# -- inbound SMS -------------------------------------------------------------------------------


def test_an_sms_is_posted_as_json_with_vonages_fields(
    client: TestClient, receiver: Receiver
) -> None:
    url = f"{receiver.url}/webhooks/inbound-sms"
    configure(client, SMS_NUMBER, "GB", moHttpUrl=url)

    response = sms(client, text="hello from the mock")

    assert response.status_code == 200
    [request] = receiver.requests
    assert (request.method, request.path, request.query) == ("POST", "/webhooks/inbound-sms", {})
    assert request.headers["content-type"] == "application/json"
    body = request.json()
    assert set(body) == SMS_FIELDS
    assert {k: v for k, v in body.items() if k not in ("messageId", "message-timestamp")} == {
        "api-key": MASTER[0],
        "msisdn": SENDER,
        "to": SMS_NUMBER,
        "text": "hello from the mock",
        "type": "text",
        "keyword": "HELLO",
    }
    assert re.fullmatch(r"[0-9A-F]{16}", body["messageId"])
    assert_recent(body["message-timestamp"], r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "%Y-%m-%d %H:%M:%S")
    report = response.json()
    assert report == {
        "delivered": True,
        "url": url,
        "method": "POST",
        "status": 200,
        "error": None,
        "duration_ms": report["duration_ms"],
        "payload": body,
        "response": "ok",
    }


def test_an_sms_goes_as_query_parameters_with_the_get_setting(
    make_client: Callable[..., TestClient], receiver: Receiver
) -> None:
    client = make_client(inbound_sms_method="GET")
    url = f"{receiver.url}/sms?secret=kept"
    configure(client, SMS_NUMBER, "GB", moHttpUrl=url)

    response = sms(client, text="Ünïcode ✓ works")

    [request] = receiver.requests
    assert (request.method, request.path, request.body) == ("GET", "/sms", b"")
    assert set(request.query) == SMS_FIELDS | {"secret"}
    assert request.query["secret"] == "kept"  # the URL's own query survives
    assert request.query["text"] == "Ünïcode ✓ works"
    assert request.query["type"] == "unicode"
    assert request.query["keyword"] == "ÜNÏCODE"
    report = response.json()
    assert (report["delivered"], report["method"], report["url"]) == (True, "GET", url)
    assert report["payload"] == {k: v for k, v in request.query.items() if k != "secret"}


@pytest.mark.parametrize(
    ("text", "given", "expected"),
    [
        pytest.param("Price: 5€ [ok]", None, "text", id="gsm-extension-is-text"),
        pytest.param("Привет", None, "unicode", id="cyrillic-is-unicode"),
        pytest.param("see you 🙂", None, "unicode", id="emoji-is-unicode"),
        pytest.param("plain", "unicode", "unicode", id="given-type-wins"),
    ],
)
def test_the_type_is_detected_unless_given(
    client: TestClient, receiver: Receiver, text: str, given: str | None, expected: str
) -> None:
    configure(client, SMS_NUMBER, "GB", moHttpUrl=receiver.url)

    sms(client, text=text, **({"type": given} if given else {}))

    assert receiver.requests[0].json()["type"] == expected


def test_the_api_key_is_the_owners(client: TestClient, receiver: Receiver) -> None:
    sub_update = {"country": "GB", "msisdn": SUB_NUMBER, "moHttpUrl": receiver.url}
    assert client.post("/number/update", data=sub_update, auth=SUB).status_code == 200

    sms(client, to=SUB_NUMBER, text="to the subaccount")

    assert receiver.requests[0].json()["api-key"] == SUB[0]
    [entry] = journal(client, "inbound-sms")
    assert entry["api_key"] == SUB[0]


def test_each_sms_has_a_new_message_id(client: TestClient, receiver: Receiver) -> None:
    configure(client, SMS_NUMBER, "GB", moHttpUrl=receiver.url)

    sms(client, text="one")
    sms(client, text="two")

    first, second = (r.json()["messageId"] for r in receiver.requests)
    assert first != second


def test_a_delivery_is_journaled_with_the_receivers_answer(
    client: TestClient, receiver: Receiver
) -> None:
    receiver.body = b"thanks"
    configure(client, SMS_NUMBER, "GB", moHttpUrl=receiver.url)

    report = sms(client, text="journal me").json()

    [entry] = journal(client, "inbound-sms")
    assert {k: entry[k] for k in ("method", "path", "api_key", "status", "response")} == {
        "method": "POST",
        "path": receiver.url,
        "api_key": MASTER[0],
        "status": 200,
        "response": "thanks",
    }
    assert entry["params"] == report["payload"]


@pytest.mark.parametrize(
    ("status", "delivered"),
    [
        pytest.param(204, True, id="204-counts"),
        pytest.param(201, False, id="201-does-not"),
        pytest.param(404, False, id="404"),
        pytest.param(500, False, id="500"),
    ],
)
def test_only_200_or_204_count_as_delivered(
    client: TestClient, receiver: Receiver, status: int, delivered: bool
) -> None:
    receiver.status = status
    configure(client, SMS_NUMBER, "GB", moHttpUrl=receiver.url)

    response = sms(client, text="status?")

    assert response.status_code == 200
    report = response.json()
    assert (report["delivered"], report["status"]) == (delivered, status)
    expected = messages.WEBHOOK_STATUS.format(status=status, expected="200 or 204")
    assert report["error"] == (None if delivered else expected)
    [entry] = journal(client, "inbound-sms")
    assert entry["status"] == status


def test_a_receiver_that_is_down_is_reported_not_raised(client: TestClient) -> None:
    with refusing_url() as url:
        configure(client, SMS_NUMBER, "GB", moHttpUrl=url)
        response = sms(client, text="anyone there?")

    assert response.status_code == 200
    report = response.json()
    assert (report["delivered"], report["status"], report["url"]) == (False, None, url)
    assert report["error"] == messages.WEBHOOK_CONNECT.format(reason="Connection refused")
    [entry] = journal(client, "inbound-sms")
    assert (entry["status"], entry["response"]) == (None, report["error"])


def test_a_slow_receiver_times_out(
    make_client: Callable[..., TestClient], receiver: Receiver
) -> None:
    client = make_client(webhook_timeout=0.5)
    receiver.hold = True
    configure(client, SMS_NUMBER, "GB", moHttpUrl=receiver.url)

    report = sms(client, text="slow").json()

    assert (report["delivered"], report["status"]) == (False, None)
    assert report["error"] == messages.WEBHOOK_TIMEOUT.format(seconds=0.5)


def test_an_unusable_mo_http_url_is_reported(client: TestClient) -> None:
    configure(client, SMS_NUMBER, "GB", moHttpUrl="ftp://example.com/sms")

    report = sms(client, text="hi").json()

    assert (report["delivered"], report["error"]) == (False, messages.WEBHOOK_NOT_HTTP)


@pytest.mark.parametrize(
    ("to", "status", "field"),
    [
        pytest.param("447700900001", 404, "to", id="for-sale-not-owned"),
        pytest.param("449999999999", 404, "to", id="unknown"),
        pytest.param(SUB_NUMBER, 409, "moHttpUrl", id="no-mo-http-url"),
        pytest.param(VOICE_ONLY, 409, "to", id="no-sms-feature"),
    ],
)
def test_an_sms_that_cannot_be_simulated_is_a_problem(
    client: TestClient, to: str, status: int, field: str
) -> None:
    body = assert_problem(sms(client, to=to, text="hi"), status, field)
    assert to in body["detail"]
    assert journal(client, "inbound-sms") == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"from": SENDER, "to": SMS_NUMBER}, "text", id="no-text"),
        pytest.param({"from": SENDER, "to": SMS_NUMBER, "text": ""}, "text", id="empty-text"),
        pytest.param({"to": SMS_NUMBER, "text": "x"}, "from", id="no-from"),
        pytest.param({"from": "+4477", "to": SMS_NUMBER, "text": "x"}, "from", id="bad-from"),
        pytest.param({"from": SENDER, "to": "abc", "text": "x"}, "to", id="bad-to"),
        pytest.param({"from": SENDER, "to": SMS_NUMBER, "text": 5}, "text", id="text-not-string"),
        pytest.param(
            {"from": SENDER, "to": SMS_NUMBER, "text": "x", "type": "binary"}, "type", id="type"
        ),
        pytest.param(
            {"from": SENDER, "to": SMS_NUMBER, "text": "x", "sender": "x"}, "sender", id="extra"
        ),
        pytest.param(["not", "an", "object"], "document", id="not-an-object"),
    ],
)
def test_a_bad_sms_body_is_a_400_naming_the_field(
    client: TestClient, body: Any, field: str
) -> None:
    assert_problem(client.post("/_mock/inbound/sms", json=body), 400, field)


def test_a_body_that_is_not_json_is_a_400(client: TestClient) -> None:
    response = client.post(
        "/_mock/inbound/sms", content=b"from=1", headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400, "document")


# -- inbound calls -----------------------------------------------------------------------------


def test_a_call_sends_the_answer_request_then_the_event(
    client: TestClient, receiver: Receiver
) -> None:
    receiver.body = b'[{"action": "talk", "text": "hello"}]'
    configure(
        client,
        VOICE_ONLY,
        "US",
        voiceCallbackValue=f"{receiver.url}/answer",
        voiceStatusCallback=f"{receiver.url}/event",
    )

    response = call(client)

    assert response.status_code == 200
    answer, event = receiver.requests
    assert (answer.method, answer.path, answer.body) == ("GET", "/answer", b"")
    assert set(answer.query) == {"to", "from", "uuid", "conversation_uuid"}
    assert (answer.query["to"], answer.query["from"]) == (VOICE_ONLY, SENDER)
    assert answer.query["conversation_uuid"].startswith("CON-")
    assert (event.method, event.path) == ("POST", "/event")
    assert event.headers["content-type"] == "application/json"
    body = event.json()
    assert set(body) == EVENT_FIELDS
    assert {k: body[k] for k in ("from", "to", "status", "direction")} == {
        "from": SENDER,
        "to": VOICE_ONLY,
        "status": "started",
        "direction": "inbound",
    }
    assert (body["uuid"], body["conversation_uuid"]) == (
        answer.query["uuid"],
        answer.query["conversation_uuid"],
    )
    assert_recent(
        body["timestamp"], r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", "%Y-%m-%dT%H:%M:%S.%fZ"
    )
    report = response.json()
    assert report["delivered"] is True
    assert report["uuid"] == body["uuid"]
    assert report["conversation_uuid"] == body["conversation_uuid"]
    assert report["answer"]["payload"] == answer.query
    assert report["answer"]["response"] == receiver.body.decode()
    assert (report["answer"]["method"], report["answer"]["status"]) == ("GET", 200)
    assert report["event"]["payload"] == body
    assert (report["event"]["method"], report["event"]["url"]) == ("POST", f"{receiver.url}/event")
    entries = journal(client, "inbound-call")
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("GET", f"{receiver.url}/answer", 200),
        ("POST", f"{receiver.url}/event", 200),
    ]
    assert {e["api_key"] for e in entries} == {MASTER[0]}


def test_a_call_with_only_an_event_url_sends_only_the_event(
    client: TestClient, receiver: Receiver
) -> None:
    # 12015550150 keeps its `tel` forwarding: no answer URL, but its events go to the webhook.
    configure(client, VOICE_ONLY, "US", voiceStatusCallback=f"{receiver.url}/event")

    report = call(client).json()

    assert report["answer"] is None
    assert (report["event"]["delivered"], report["delivered"]) == (True, True)
    assert [r.path for r in receiver.requests] == ["/event"]


def test_a_failing_answer_url_still_sends_the_event(client: TestClient, receiver: Receiver) -> None:
    with refusing_url() as down:
        configure(
            client, VOICE_ONLY, "US", voiceCallbackValue=down, voiceStatusCallback=receiver.url
        )
        report = call(client).json()

    assert report["delivered"] is False
    assert report["answer"]["delivered"] is False
    assert report["answer"]["error"] == messages.WEBHOOK_CONNECT.format(reason="Connection refused")
    assert report["event"]["delivered"] is True


def test_an_answer_url_must_answer_200(client: TestClient, receiver: Receiver) -> None:
    receiver.status = 204  # no NCCO: the Voice API cannot handle the call
    configure(client, VOICE_ONLY, "US", voiceCallbackValue=receiver.url)

    report = call(client).json()

    assert (report["delivered"], report["answer"]["status"]) == (False, 204)


@pytest.mark.parametrize(
    ("to", "status", "field"),
    [
        pytest.param(VOICE_ONLY, 409, "voiceCallbackValue", id="tel-forwarding-no-url"),
        pytest.param(SUB_NUMBER, 409, "to", id="no-voice-feature"),
        pytest.param("12015550100", 404, "to", id="for-sale-not-owned"),
    ],
)
def test_a_call_that_cannot_be_simulated_is_a_problem(
    client: TestClient, to: str, status: int, field: str
) -> None:
    body = assert_problem(call(client, to=to), status, field)
    assert to in body["detail"]


def test_a_bad_call_body_is_a_400_naming_the_field(client: TestClient) -> None:
    assert_problem(client.post("/_mock/inbound/call", json={"to": VOICE_ONLY}), 400, "from")


# -- the admin token ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/_mock/inbound/sms", "/_mock/inbound/call"])
def test_the_inbound_routes_need_the_admin_token(
    make_client: Callable[..., TestClient], receiver: Receiver, path: str
) -> None:
    client = make_client(admin_token=TOKEN)
    configure(client, SMS_NUMBER, "GB", moHttpUrl=receiver.url, voiceStatusCallback=receiver.url)
    body = {"from": SENDER, "to": SMS_NUMBER, "text": "hi"}
    if path.endswith("call"):
        del body["text"]

    denied = client.post(path, json=body)
    malformed = client.post(path, json={"text": 5})
    allowed = client.post(path, json=body, headers={"Authorization": f"Bearer {TOKEN}"})

    assert_problem(denied, 401, "Authorization")
    assert_problem(malformed, 401, "Authorization")
    assert len(receiver.requests) == 1
    assert allowed.status_code == 200
    assert allowed.json()["delivered"] is True


def test_the_inbound_routes_are_described_in_the_openapi_document(client: TestClient) -> None:
    document = client.get("/_mock/openapi.json").json()

    assert {"/_mock/inbound/sms", "/_mock/inbound/call"} <= set(document["paths"])
    assert {"from", "to", "text", "type"} == set(
        document["components"]["schemas"]["InboundSms"]["properties"]
    )
