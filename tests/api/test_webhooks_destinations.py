"""Where webhooks may go (--webhook-destinations) and how much of an answer is read (issue 15,
items 7 and 9): a refused destination is reported, or a 420 on update, and sent nothing; a
tricky spelling of 127.0.0.1 reaches the receiver as itself; a receiver that floods or drips its
answer costs at most what is kept, within the webhook timeout."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support.accounts import MASTER
from support.webhooks import Receiver, flooding_url, running_receiver, tls_server_names

from mock_server.domain import messages
from mock_server.simulation.webhooks import ANSWER_BYTES, ANSWER_EXCERPT

SMS_NUMBER = "447700900500"  # master01's, VOICE and SMS
SENDER = "447700900123"
TIMEOUT = 1.0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as started:
        yield started


def configure(client: TestClient, url: str) -> None:
    update = {"country": "GB", "msisdn": SMS_NUMBER, "moHttpUrl": url}
    response = client.post("/number/update", data=update, auth=MASTER)
    assert response.status_code == 200, response.text


def sms(client: TestClient) -> dict[str, Any]:
    response = client.post(
        "/_mock/inbound/sms", json={"from": SENDER, "to": SMS_NUMBER, "text": "hi"}
    )
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def _port(receiver: Receiver) -> str:
    return receiver.url.rsplit(":", 1)[1]


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        pytest.param("169.254.169.254", "169.254.169.254 (link-local)", id="cloud-metadata"),
        pytest.param("[fe80::1]", "fe80::1 (link-local)", id="ipv6-link-local"),
        pytest.param("0xa9fea9fe", "169.254.169.254 (link-local)", id="hex-metadata"),
        pytest.param("0.0.0.0", "0.0.0.0 (unspecified)", id="unspecified-reaches-this-machine"),
    ],
)
def test_a_forbidden_destination_is_reported_and_sent_nothing(
    make_client: Callable[..., TestClient], receiver: Receiver, host: str, reason: str
) -> None:
    client = make_client(webhook_destinations="public", webhook_timeout=TIMEOUT)
    configure(client, f"http://{host}:{_port(receiver)}/inbound")

    report = sms(client)

    assert report["delivered"] is False
    assert report["status"] is None
    never = f"{reason}: webhooks never go there"
    assert report["error"] == messages.WEBHOOK_REFUSED.format(reason=never)
    assert receiver.requests == []  # 0.0.0.0 would have reached it
    [entry] = [e for e in client.get("/_mock/requests").json()["requests"]
               if e["operation"] == "inbound-sms"]  # fmt: skip
    assert entry["response"] == report["error"]


def test_a_public_address_is_refused_by_default(make_client: Callable[..., TestClient]) -> None:
    client = make_client(webhook_timeout=TIMEOUT)
    configure(client, "http://8.8.8.8/inbound")
    report = sms(client)
    reason = messages.WEBHOOK_DESTINATION_POLICY.format(
        address="8.8.8.8", kind="public", policy="private"
    )
    assert report["error"] == messages.WEBHOOK_REFUSED.format(reason=reason)


def test_loopback_only_refuses_a_private_address(make_client: Callable[..., TestClient]) -> None:
    client = make_client(webhook_destinations="loopback", webhook_timeout=TIMEOUT)
    configure(client, "http://10.0.0.1/inbound")
    assert sms(client)["error"] == messages.WEBHOOK_REFUSED.format(
        reason=messages.WEBHOOK_DESTINATION_POLICY.format(
            address="10.0.0.1", kind="private", policy="loopback"
        )
    )


@pytest.mark.parametrize(
    "host",
    [
        pytest.param("0x7f.1", id="hexadecimal"),
        pytest.param("2130706433", id="decimal"),
        pytest.param("[::ffff:127.0.0.1]", id="ipv4-mapped"),
        pytest.param("localhost", id="a-name"),
    ],
)
def test_spellings_of_loopback_reach_the_receiver_with_their_host_header(
    make_client: Callable[..., TestClient], receiver: Receiver, host: str
) -> None:
    client = make_client(webhook_destinations="loopback", webhook_timeout=TIMEOUT)
    configure(client, f"http://{host}:{_port(receiver)}/inbound")

    report = sms(client)

    assert report["delivered"] is True, report
    [request] = receiver.requests
    assert request.headers["host"] == f"{host}:{_port(receiver)}"
    assert request.path == "/inbound"


def test_an_https_receiver_by_name_gets_its_name_as_the_tls_server_name(
    make_client: Callable[..., TestClient],
) -> None:
    """The connection goes to the address judged; TLS still asks for (and checks) the name."""
    client = make_client(webhook_destinations="loopback", webhook_timeout=5.0)
    port: list[int] = []
    with tls_server_names(port) as names:
        configure(client, f"https://localhost:{port[0]}/inbound")
        report = sms(client)
    assert names == ["localhost"]
    assert report["delivered"] is False  # the listener's certificate is trusted by no one
    expected = messages.WEBHOOK_CONNECT.format(reason="certificate verify failed: ")
    assert report["error"].startswith(expected), report["error"]


def test_verify_webhooks_refuses_a_forbidden_moHttpUrl_with_a_420(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(verify_webhooks=True, webhook_timeout=TIMEOUT)
    update = {"country": "GB", "msisdn": SMS_NUMBER, "moHttpUrl": "http://169.254.169.254/x"}
    before = client.get("/_mock/state").json()

    response = client.post("/number/update", data=update, auth=MASTER)

    assert response.status_code == 420
    reason = messages.WEBHOOK_DESTINATION_NEVER.format(address="169.254.169.254", kind="link-local")
    assert response.json() == {
        "error-code": "420",
        "error-code-label": messages.WEBHOOK_NOT_ALLOWED.format(reason=reason),
    }
    assert client.get("/_mock/state").json() == before


# -- item 7: the receiver's answer ---------------------------------------------------------------


def test_a_1_gib_answer_is_read_only_as_far_as_it_is_kept(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(webhook_timeout=5.0)
    with flooding_url() as (url, flood):
        configure(client, url)
        report = sms(client)
        assert flood.done.wait(15), "the receiver is still sending: the mock did not close"
    assert report["delivered"] is True
    assert report["response"] == "y" * ANSWER_EXCERPT
    # What was sent before the mock closed: what it read, plus what the sockets' buffers took.
    assert flood.sent < 16 * 1024 * 1024, flood.sent
    assert ANSWER_BYTES < 16 * 1024 * 1024


def test_an_answer_that_drips_is_given_up_at_the_webhook_timeout(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(webhook_timeout=TIMEOUT)
    with flooding_url(declared=1_000_000, pause=0.05) as (url, flood):
        configure(client, url)
        report = sms(client)
        assert flood.done.wait(15), "the receiver is still sending: the mock did not close"
    assert report["delivered"] is False
    assert report["error"] == messages.WEBHOOK_TIMEOUT.format(seconds=TIMEOUT)
    assert flood.sent < ANSWER_BYTES
