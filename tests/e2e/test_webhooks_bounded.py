"""A webhook receiver that floods or drips its answer, against a real server (issue 15, item 7):
the server goes on answering while the delivery is in flight, and the delivery ends, reporting
what it kept or the timeout."""

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from support.accounts import MASTER
from support.data import SMALL
from support.servers import MockServer, start_mock_server, stop_mock_server
from support.webhooks import flooding_url

from mock_server.domain import messages
from mock_server.simulation.webhooks import ANSWER_EXCERPT

pytestmark = pytest.mark.e2e

NUMBER = "447700900500"  # master01's, SMS
TIMEOUT = 3.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    started = start_mock_server(
        tmp_path_factory.mktemp("bounded-webhooks"), fixtures=SMALL, https=False,
        extra_args=["--webhook-timeout", str(TIMEOUT)],
    )  # fmt: skip
    try:
        yield started
    finally:
        stop_mock_server(started)


def _deliver_in_background(server: MockServer, url: str) -> tuple[threading.Thread, list[Any]]:
    update = {"country": "GB", "msisdn": NUMBER, "moHttpUrl": url}
    answer = requests.post(f"{server.http_url}/number/update", data=update, auth=MASTER, timeout=10)
    assert answer.status_code == 200, answer.text
    reports: list[Any] = []

    def deliver() -> None:
        body = {"from": "447700900123", "to": NUMBER, "text": "hi"}
        sent = requests.post(f"{server.http_url}/_mock/inbound/sms", json=body, timeout=30)
        reports.append(sent.json())

    thread = threading.Thread(target=deliver, daemon=True)
    thread.start()
    return thread, reports


def test_health_answers_while_a_receiver_drips_and_the_delivery_times_out(
    server: MockServer,
) -> None:
    with flooding_url(declared=1_000_000, pause=0.05) as (url, flood):
        thread, reports = _deliver_in_background(server, url)
        assert flood.answering.wait(15), "the mock never reached the receiver"
        health = requests.get(f"{server.http_url}/_mock/health", timeout=10)
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        thread.join(30)
    [report] = reports
    assert report["delivered"] is False
    assert report["error"] == messages.WEBHOOK_TIMEOUT.format(seconds=TIMEOUT)


def test_a_1_gib_answer_is_delivered_and_cut(server: MockServer) -> None:
    with flooding_url() as (url, flood):
        thread, reports = _deliver_in_background(server, url)
        thread.join(30)
        assert flood.done.wait(15), "the receiver is still sending: the mock did not close"
    [report] = reports
    assert report["delivered"] is True
    assert report["response"] == "y" * ANSWER_EXCERPT
    assert flood.sent < 16 * 1024 * 1024
    assert requests.get(f"{server.http_url}/_mock/health", timeout=10).status_code == 200
