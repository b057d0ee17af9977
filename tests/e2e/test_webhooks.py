"""Webhooks against real server processes and a local receiver: the moHttpUrl check of
`--verify-webhooks` through the official Python SDK, and inbound SMS and calls simulated through
the control API, delivered over real sockets (POST JSON and GET), failures included."""

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from support.data import E2EData
from support.sdks import SdkClients
from support.servers import MockServer, mock_client, start_mock_server, stop_mock_server
from support.webhooks import Receiver, refusing_url, running_receiver
from vonage import Vonage
from vonage_http_client import HttpRequestError
from vonage_numbers import ListOwnedNumbersFilter, UpdateNumberParams

from mock_server.domain import messages
from mock_server.testing.client import MockClient

pytestmark = pytest.mark.e2e

TOKEN = "webhooks-admin-token"
TIMEOUT = "0.5"
SENDER = "447700900123"
FIXTURE_URL = "https://example.com/e2e/inbound-sms"
NOT_VERIFIED = {"error-code": "420", "error-code-label": messages.WEBHOOK_NOT_VERIFIED}
SMS_FIELDS = {
    "api-key", "msisdn", "to", "messageId", "text", "type", "keyword", "message-timestamp",
}  # fmt: skip


def _server(factory: pytest.TempPathFactory, name: str, *args: str) -> Iterator[MockServer]:
    server = start_mock_server(factory.mktemp(name), extra_args=args)
    try:
        yield server
    finally:
        stop_mock_server(server)


@pytest.fixture(scope="module")
def verifying(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    """Probes with a short timeout, POSTs inbound SMS, and guards /_mock/ with a token."""
    yield from _server(
        tmp_path_factory,
        "verifying",
        "--verify-webhooks",
        "--webhook-timeout", TIMEOUT,
        "--admin-token", TOKEN,
    )  # fmt: skip


@pytest.fixture(scope="module")
def by_get(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    """Delivers inbound SMS as GET query parameters, and gives receivers a long timeout."""
    yield from _server(
        tmp_path_factory,
        "by-get",
        "--verify-webhooks",
        "--inbound-sms-method", "GET",
        "--webhook-timeout", "10",
    )  # fmt: skip


@pytest.fixture
def mock(verifying: MockServer) -> MockClient:
    client = mock_client(verifying, admin_token=TOKEN)
    client.reset()
    return client


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as started:
        yield started


@pytest.fixture
def control(verifying: MockServer) -> Iterator[httpx.Client]:
    """Plain HTTP to the guarded control API, with the token (the inbound routes' own calls)."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=verifying.http_url, headers=headers, timeout=20) as client:
        yield client


def owned(mock: MockClient, msisdn: str) -> dict[str, Any]:
    [number] = [n for n in mock.state()["owned"] if n["msisdn"] == msisdn]
    return number


def set_mo_http_url(vonage: Vonage, msisdn: str, url: str) -> None:
    vonage.numbers.update_number(UpdateNumberParams(country="GB", msisdn=msisdn, mo_http_url=url))


def assert_not_verified(error: pytest.ExceptionInfo[HttpRequestError]) -> None:
    assert error.value.response.status_code == 420
    assert error.value.response.json() == NOT_VERIFIED


# -- --verify-webhooks, through the official SDK -----------------------------------------------


def test_an_update_to_a_url_answering_200_is_probed_and_saved(
    verifying: MockServer, mock: MockClient, sdks: SdkClients, e2e_data: E2EData, receiver: Receiver
) -> None:
    vonage = sdks.vonage(verifying, e2e_data.primary)
    msisdn = e2e_data.preowned["msisdn"]
    url = f"{receiver.url}/inbound-sms"

    status = vonage.numbers.update_number(
        UpdateNumberParams(country="GB", msisdn=msisdn, mo_http_url=url)
    )

    assert status.error_code == "200"
    [probe] = receiver.requests
    assert (probe.method, probe.path) == ("GET", "/inbound-sms")
    numbers, _, _ = vonage.numbers.list_owned_numbers(
        ListOwnedNumbersFilter(pattern=msisdn, search_pattern=0)
    )
    assert numbers[0].mo_http_url == url
    journaled = mock.requests()
    assert [(e["operation"], e["method"], e["path"], e["status"]) for e in journaled] == [
        ("webhook-probe", "GET", url, 200),
        ("update", "POST", "/number/update", 200),
        ("list", "GET", "/account/numbers", 200),
    ]
    assert journaled[0]["params"]["msisdn"] == msisdn


@pytest.mark.parametrize("status", [404, 500])
def test_an_update_to_a_url_answering_an_error_fails_and_changes_nothing(
    verifying: MockServer,
    mock: MockClient,
    sdks: SdkClients,
    e2e_data: E2EData,
    receiver: Receiver,
    status: int,
) -> None:
    vonage = sdks.vonage(verifying, e2e_data.primary)
    msisdn = e2e_data.preowned["msisdn"]
    receiver.status = status

    with pytest.raises(HttpRequestError) as refused:
        set_mo_http_url(vonage, msisdn, f"{receiver.url}/inbound-sms")

    assert_not_verified(refused)
    assert owned(mock, msisdn)["moHttpUrl"] == FIXTURE_URL
    probe, update = mock.requests()
    assert (probe["operation"], probe["status"]) == ("webhook-probe", status)
    assert (update["operation"], update["status"]) == ("update", 420)


def test_an_update_to_a_refusing_url_fails(
    verifying: MockServer, mock: MockClient, sdks: SdkClients, e2e_data: E2EData
) -> None:
    vonage = sdks.vonage(verifying, e2e_data.primary)
    msisdn = e2e_data.preowned["msisdn"]

    with refusing_url() as url, pytest.raises(HttpRequestError) as refused:
        set_mo_http_url(vonage, msisdn, url)

    assert_not_verified(refused)
    assert owned(mock, msisdn)["moHttpUrl"] == FIXTURE_URL
    probe, _ = mock.requests()
    assert (probe["path"], probe["status"]) == (url, None)
    assert probe["response"] == messages.WEBHOOK_CONNECT.format(reason="Connection refused")


def test_an_update_to_a_url_slower_than_the_timeout_fails(
    verifying: MockServer, mock: MockClient, sdks: SdkClients, e2e_data: E2EData, receiver: Receiver
) -> None:
    vonage = sdks.vonage(verifying, e2e_data.primary)
    msisdn = e2e_data.preowned["msisdn"]
    receiver.hold = True  # answers only when the test ends: far past --webhook-timeout 0.5

    with pytest.raises(HttpRequestError) as refused:
        set_mo_http_url(vonage, msisdn, f"{receiver.url}/slow")

    assert_not_verified(refused)
    assert owned(mock, msisdn)["moHttpUrl"] == FIXTURE_URL
    probe, _ = mock.requests()
    assert probe["status"] is None
    assert probe["response"] == messages.WEBHOOK_TIMEOUT.format(seconds=float(TIMEOUT))


def test_the_server_keeps_answering_while_a_probe_is_in_flight(
    by_get: MockServer, sdks: SdkClients, e2e_data: E2EData, receiver: Receiver
) -> None:
    mock = mock_client(by_get)
    mock.reset()
    msisdn = e2e_data.preowned["msisdn"]
    url = f"{receiver.url}/held"
    receiver.hold = True
    outcome: list[object] = []

    def update() -> None:
        try:
            outcome.append(set_mo_http_url(sdks.vonage(by_get, e2e_data.primary), msisdn, url))
        except Exception as error:  # reported by the assertions below
            outcome.append(error)

    updater = threading.Thread(target=update)
    updater.start()
    try:
        assert receiver.arrived.wait(10), f"no probe: {outcome}; stderr: {by_get.stderr()}"
        # The probe is held by the receiver: the update cannot have finished...
        numbers, count, _ = sdks.vonage(by_get, e2e_data.primary).numbers.list_owned_numbers()
        health = mock.health()
        # ...and the server answered other calls meanwhile: its event loop was not blocked.
        assert updater.is_alive(), f"the update ended while its probe was held: {outcome}"
    finally:
        receiver.release()
        updater.join(timeout=20)

    assert count >= 1
    assert numbers
    assert health["status"] == "ok"
    assert outcome == [None]
    assert owned(mock, msisdn)["moHttpUrl"] == url


# -- inbound SMS -------------------------------------------------------------------------------


def test_an_inbound_sms_is_posted_as_json(
    verifying: MockServer,
    mock: MockClient,
    sdks: SdkClients,
    e2e_data: E2EData,
    receiver: Receiver,
    control: httpx.Client,
) -> None:
    msisdn = e2e_data.preowned["msisdn"]
    set_mo_http_url(sdks.vonage(verifying, e2e_data.primary), msisdn, f"{receiver.url}/sms")
    receiver.requests.clear()  # the probe

    response = control.post(
        "/_mock/inbound/sms", json={"from": SENDER, "to": msisdn, "text": "Hello there"}
    )

    assert response.status_code == 200
    [delivered] = receiver.requests
    assert (delivered.method, delivered.path) == ("POST", "/sms")
    assert delivered.headers["content-type"] == "application/json"
    body = delivered.json()
    assert set(body) == SMS_FIELDS
    assert (body["msisdn"], body["to"]) == (SENDER, msisdn)
    assert body["api-key"] == e2e_data.primary.api_key
    assert (body["text"], body["type"], body["keyword"]) == ("Hello there", "text", "HELLO")
    report = response.json()
    assert (report["delivered"], report["status"], report["payload"]) == (True, 200, body)
    [entry] = [e for e in mock.requests() if e["operation"] == "inbound-sms"]
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", f"{receiver.url}/sms", 200)


def test_an_inbound_sms_goes_by_get_with_the_get_setting(
    by_get: MockServer, sdks: SdkClients, e2e_data: E2EData, receiver: Receiver
) -> None:
    mock_client(by_get).reset()
    msisdn = e2e_data.preowned["msisdn"]
    set_mo_http_url(sdks.vonage(by_get, e2e_data.primary), msisdn, f"{receiver.url}/sms")
    receiver.requests.clear()  # the probe

    response = httpx.post(
        f"{by_get.http_url}/_mock/inbound/sms",
        json={"from": SENDER, "to": msisdn, "text": "Ça va? Привет"},
        timeout=20,
    )

    assert response.status_code == 200
    [delivered] = receiver.requests
    assert (delivered.method, delivered.path, delivered.body) == ("GET", "/sms", b"")
    assert set(delivered.query) == SMS_FIELDS
    assert (delivered.query["text"], delivered.query["type"]) == ("Ça va? Привет", "unicode")
    assert delivered.query["keyword"] == "ÇA"
    assert response.json()["payload"] == delivered.query


def test_an_inbound_sms_to_a_receiver_that_is_down_is_reported(
    verifying: MockServer, mock: MockClient, e2e_data: E2EData, control: httpx.Client
) -> None:
    msisdn = e2e_data.preowned["msisdn"]
    with refusing_url() as url:
        # Loaded as state: the probe of an update would refuse this URL.
        document = mock.state()
        [number] = [n for n in document["owned"] if n["msisdn"] == msisdn]
        number["moHttpUrl"] = url
        mock.load_state(document)

        response = control.post(
            "/_mock/inbound/sms", json={"from": SENDER, "to": msisdn, "text": "anyone?"}
        )

    assert response.status_code == 200
    report = response.json()
    assert (report["delivered"], report["status"], report["url"]) == (False, None, url)
    assert report["error"] == messages.WEBHOOK_CONNECT.format(reason="Connection refused")


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        pytest.param({"to": "447700900000", "text": "x"}, 404, "to", id="not-owned"),
        pytest.param({"to": "447700900999"}, 400, "text", id="no-text"),
        pytest.param({"to": "12345", "text": "x"}, 400, "to", id="bad-to"),
    ],
)
def test_an_inbound_sms_that_cannot_be_simulated_is_a_problem(
    mock: MockClient, control: httpx.Client, body: dict[str, str], status: int, field: str
) -> None:
    response = control.post("/_mock/inbound/sms", json={"from": SENDER} | body)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == field


def test_an_inbound_sms_to_a_number_without_mo_http_url_is_a_409(
    mock: MockClient, sdks: SdkClients, verifying: MockServer, e2e_data: E2EData,
    control: httpx.Client,
) -> None:  # fmt: skip
    msisdn = e2e_data.preowned["msisdn"]
    set_mo_http_url(sdks.vonage(verifying, e2e_data.primary), msisdn, "")  # removes it: no probe

    response = control.post("/_mock/inbound/sms", json={"from": SENDER, "to": msisdn, "text": "x"})

    assert response.status_code == 409
    assert response.json()["field"] == "moHttpUrl"


@pytest.mark.parametrize("path", ["/_mock/inbound/sms", "/_mock/inbound/call"])
def test_the_inbound_routes_need_the_admin_token(
    verifying: MockServer, mock: MockClient, e2e_data: E2EData, path: str
) -> None:
    body = {"from": SENDER, "to": e2e_data.preowned["msisdn"], "text": "x"}

    response = httpx.post(f"{verifying.http_url}{path}", json=body, timeout=20)

    assert response.status_code == 401
    assert response.json()["field"] == "Authorization"
    assert mock.requests() == []


# -- inbound calls -----------------------------------------------------------------------------


def test_an_inbound_call_sends_the_answer_request_and_an_event(
    verifying: MockServer,
    mock: MockClient,
    e2e_data: E2EData,
    receiver: Receiver,
    control: httpx.Client,
) -> None:
    msisdn = e2e_data.preowned["msisdn"]
    receiver.body = b'[{"action": "talk", "text": "Welcome"}]'
    # A plain form post: the Python SDK insists on a voiceCallbackType of sip or tel beside a
    # voiceCallbackValue, and neither is an answer URL (the mock's rule takes any http(s) value).
    configured = httpx.post(
        f"{verifying.http_url}/number/update",
        data={
            "country": "GB",
            "msisdn": msisdn,
            "voiceCallbackValue": f"{receiver.url}/answer",
            "voiceStatusCallback": f"{receiver.url}/event",
        },
        auth=(e2e_data.primary.api_key, e2e_data.primary.api_secret),
        timeout=20,
    )
    assert configured.status_code == 200, configured.text

    response = control.post("/_mock/inbound/call", json={"from": SENDER, "to": msisdn})

    assert response.status_code == 200
    answer, event = receiver.requests
    assert (answer.method, answer.path) == ("GET", "/answer")
    assert (answer.query["to"], answer.query["from"]) == (msisdn, SENDER)
    assert (event.method, event.path) == ("POST", "/event")
    assert event.json()["status"] == "started"
    assert event.json()["direction"] == "inbound"
    assert event.json()["uuid"] == answer.query["uuid"]
    report = response.json()
    assert report["delivered"] is True
    assert report["answer"]["response"] == receiver.body.decode()
    calls = [e for e in mock.requests() if e["operation"] == "inbound-call"]
    assert [(e["method"], e["status"]) for e in calls] == [("GET", 200), ("POST", 200)]


def test_an_inbound_call_without_a_url_is_a_409(
    mock: MockClient, e2e_data: E2EData, control: httpx.Client
) -> None:
    response = control.post(
        "/_mock/inbound/call", json={"from": SENDER, "to": e2e_data.preowned["msisdn"]}
    )

    assert response.status_code == 409
    assert response.json()["field"] == "voiceCallbackValue"
