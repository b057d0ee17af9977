"""--verify-webhooks: `POST /number/update` GETs a new moHttpUrl, as Vonage does, and fails with
a 420 unless it answers 200 OK; a failed update changes nothing, and the probe is journaled."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support.accounts import MASTER, STRANGER
from support.webhooks import Receiver, refusing_url, running_receiver

from mock_server.domain import messages

NUMBER = {"country": "GB", "msisdn": "447700900500"}  # master01's, with a moHttpUrl already
FIXTURE_URL = "https://example.com/webhooks/inbound-sms"
NOT_VERIFIED = {"error-code": "420", "error-code-label": messages.WEBHOOK_NOT_VERIFIED}
SUCCESS = {"error-code": "200", "error-code-label": messages.SUCCESS}
TIMEOUT = 0.5


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as started:
        yield started


@pytest.fixture
def verifying(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(verify_webhooks=True, webhook_timeout=TIMEOUT)


def update(client: TestClient, **fields: str) -> Any:
    return client.post("/number/update", data=NUMBER | fields, auth=MASTER)


def configured(client: TestClient, msisdn: str = NUMBER["msisdn"]) -> dict[str, Any]:
    [number] = [n for n in client.get("/_mock/state").json()["owned"] if n["msisdn"] == msisdn]
    return number


def journal(client: TestClient) -> list[dict[str, Any]]:
    return client.get("/_mock/requests").json()["requests"]


def test_a_url_answering_200_is_probed_then_saved(
    verifying: TestClient, receiver: Receiver
) -> None:
    url = f"{receiver.url}/inbound-sms?token=abc"

    response = update(verifying, moHttpUrl=url)

    assert response.status_code == 200
    assert response.json() == SUCCESS
    [probe] = receiver.requests
    assert (probe.method, probe.path, probe.query) == ("GET", "/inbound-sms", {"token": "abc"})
    assert probe.body == b""
    assert configured(verifying)["moHttpUrl"] == url


def test_the_probe_is_journaled_before_the_update(
    verifying: TestClient, receiver: Receiver
) -> None:
    receiver.body = b"hello from the receiver"
    url = f"{receiver.url}/inbound-sms"

    update(verifying, moHttpUrl=url)

    probe, call = journal(verifying)
    shown = ("method", "path", "operation", "api_key", "status", "response")
    assert {k: probe[k] for k in shown} == {
        "method": "GET",
        "path": url,
        "operation": "webhook-probe",
        "api_key": MASTER[0],
        "status": 200,
        "response": "hello from the receiver",
    }
    assert probe["params"] == NUMBER | {"moHttpUrl": url}
    assert probe["duration_ms"] >= 0
    assert (call["operation"], call["status"]) == ("update", 200)
    assert probe["id"] < call["id"]


@pytest.mark.parametrize("status", [404, 500, 204, 201, 301])
def test_any_other_status_fails_the_update_and_changes_nothing(
    verifying: TestClient, receiver: Receiver, status: int
) -> None:
    receiver.status = status
    url = f"{receiver.url}/inbound-sms"

    response = update(verifying, moHttpUrl=url, app_id="ffffffff-0000-0000-0000-000000000000")

    assert response.status_code == 420
    assert response.json() == NOT_VERIFIED
    assert len(receiver.requests) == 1  # no retry, no redirect followed
    number = configured(verifying)
    assert number["moHttpUrl"] == FIXTURE_URL
    assert number["app_id"] == "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"
    probe, call = journal(verifying)
    assert (probe["operation"], probe["status"], probe["path"]) == ("webhook-probe", status, url)
    assert probe["response"] == messages.WEBHOOK_STATUS.format(status=status, expected="200")
    assert (call["operation"], call["status"]) == ("update", 420)


def test_a_refused_connection_fails_the_update(verifying: TestClient) -> None:
    with refusing_url() as url:
        response = update(verifying, moHttpUrl=url)

    assert response.status_code == 420
    assert response.json() == NOT_VERIFIED
    assert configured(verifying)["moHttpUrl"] == FIXTURE_URL
    probe, _ = journal(verifying)
    assert probe["status"] is None
    assert probe["response"] == messages.WEBHOOK_CONNECT.format(reason="Connection refused")


def test_a_receiver_slower_than_the_timeout_fails_the_update(
    verifying: TestClient, receiver: Receiver
) -> None:
    receiver.hold = True  # held until the test ends: well past the timeout

    response = update(verifying, moHttpUrl=f"{receiver.url}/slow")

    assert response.status_code == 420
    assert response.json() == NOT_VERIFIED
    assert configured(verifying)["moHttpUrl"] == FIXTURE_URL
    probe, _ = journal(verifying)
    assert probe["status"] is None
    assert probe["response"] == messages.WEBHOOK_TIMEOUT.format(seconds=TIMEOUT)


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("ftp://example.com/sms", id="ftp"),
        pytest.param("example.com/sms", id="no-scheme"),
        pytest.param("http://[::1/sms", id="broken-host"),
    ],
)
def test_a_url_that_cannot_be_requested_fails_the_update(verifying: TestClient, url: str) -> None:
    response = update(verifying, moHttpUrl=url)

    assert response.status_code == 420
    assert response.json() == NOT_VERIFIED
    probe, _ = journal(verifying)
    assert (probe["path"], probe["response"]) == (url, messages.WEBHOOK_NOT_HTTP)


def test_the_failure_follows_the_method_failed_status_setting(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(verify_webhooks=True, method_failed_status=400)

    with refusing_url() as url:
        response = update(client, moHttpUrl=url)

    assert response.status_code == 400
    assert response.json() == NOT_VERIFIED


def test_the_failure_is_rendered_in_xml_when_asked(verifying: TestClient) -> None:
    with refusing_url() as url:
        response = verifying.post(
            "/number/update",
            data=NUMBER | {"moHttpUrl": url},
            auth=MASTER,
            headers={"Accept": "application/xml"},
        )

    assert response.status_code == 420
    assert messages.WEBHOOK_NOT_VERIFIED in response.text
    assert response.headers["content-type"].startswith("application/xml")


def test_clearing_the_url_or_leaving_it_out_sends_no_probe(
    verifying: TestClient, receiver: Receiver
) -> None:
    assert update(verifying, moHttpUrl="").status_code == 200
    assert update(verifying, app_id="ffffffff-0000-0000-0000-000000000000").status_code == 200

    assert receiver.requests == []
    assert "moHttpUrl" not in configured(verifying)
    assert [e["operation"] for e in journal(verifying)] == ["update", "update"]


def test_without_the_setting_no_probe_is_sent(client: TestClient) -> None:
    with refusing_url() as url:
        response = update(client, moHttpUrl=url)

    assert response.json() == SUCCESS
    assert configured(client)["moHttpUrl"] == url
    assert [e["operation"] for e in journal(client)] == ["update"]


def test_an_invalid_update_is_refused_before_any_probe(
    verifying: TestClient, receiver: Receiver
) -> None:
    response = verifying.post(
        "/number/update", data={"msisdn": NUMBER["msisdn"], "moHttpUrl": receiver.url}, auth=MASTER
    )

    assert response.status_code == 400
    assert receiver.requests == []


def test_a_good_url_does_not_let_a_stranger_update_a_number(
    verifying: TestClient, receiver: Receiver
) -> None:
    response = verifying.post(
        "/number/update", data=NUMBER | {"moHttpUrl": receiver.url}, auth=STRANGER
    )

    assert response.status_code == 420
    assert response.json()["error-code-label"] == messages.METHOD_FAILED
    assert configured(verifying)["moHttpUrl"] == FIXTURE_URL


def test_a_failed_update_is_not_written_to_the_state_file(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    client = make_client(verify_webhooks=True, state_file=state)
    before = state.read_bytes()

    with refusing_url() as url:
        assert update(client, moHttpUrl=url).status_code == 420

    assert state.read_bytes() == before
