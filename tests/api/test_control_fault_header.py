"""The X-Mock-Fault request header: a fault for one call only, refused clearly when malformed."""

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from support.accounts import MASTER
from support.vendor_spec import validate

from mock_server.domain import messages
from mock_server.domain.operations import BY_PATH
from mock_server.simulation.faults import HEADER

SUCCESS = {"error-code": "200", "error-code-label": messages.SUCCESS}
UNAUTHORIZED = {"error-code": "401", "error-code-label": messages.AUTHENTICATION_FAILED}
INJECTED_ONLY = {500, 503}  # statuses the vendor's document never lists; injected on purpose


def check_spec_unless_injected(response: httpx.Response) -> None:
    """The conftest's spec check, minus the statuses only an injected fault answers."""
    path = response.request.url.path
    if path in BY_PATH and response.status_code not in INJECTED_ONLY:
        response.read()
        content_type = response.headers["content-type"]
        validate(
            path, response.request.method, response.status_code, content_type, response.content
        )


def buy(client: TestClient, msisdn: str, fault: str | None = None, auth: Any = MASTER):
    headers = {HEADER: fault} if fault is not None else {}
    data = {"country": "GB", "msisdn": msisdn}
    return client.post("/number/buy", data=data, auth=auth, headers=headers)


def journal(client: TestClient) -> list[dict[str, Any]]:
    return client.get("/_mock/requests").json()["requests"]


def state(client: TestClient) -> dict[str, Any]:
    return client.get("/_mock/state").json()


@pytest.mark.parametrize(
    ("header", "status", "body", "described"),
    [
        pytest.param(
            "420",
            420,
            {"error-code": "420", "error-code-label": messages.METHOD_FAILED},
            "header: 420 method failed",
            id="420",
        ),
        pytest.param(
            'status=420; label="custom text"',
            420,
            {"error-code": "420", "error-code-label": "custom text"},
            "header: 420 custom text",
            id="420-with-label",
        ),
        pytest.param(
            "503",
            503,
            {"error-code": "503", "error-code-label": messages.SERVICE_UNAVAILABLE},
            "header: 503 service unavailable",
            id="503",
        ),
        pytest.param(
            "401",
            401,
            UNAUTHORIZED,
            "header: 401 authentication failed",
            id="401",
        ),
        pytest.param(
            "status=429",
            429,
            {"error-code": "429", "error-code-label": messages.RATE_LIMITED},
            f"header: 429 {messages.RATE_LIMITED}",
            id="429",
        ),
        pytest.param(
            'label="a; b"; status=500',
            500,
            {"error-code": "500", "error-code-label": "a; b"},
            "header: 500 a; b",
            id="quoted-semicolon",
        ),
    ],
)
def test_a_header_fault_applies_to_that_call_only(
    client: TestClient, header: str, status: int, body: dict[str, str], described: str
) -> None:
    client.event_hooks["response"] = [check_spec_unless_injected]
    before = state(client)

    failed = buy(client, "447700900001", header)

    assert (failed.status_code, failed.json()) == (status, body)
    assert state(client) == before
    assert buy(client, "447700900001").json() == SUCCESS
    assert [entry["fault"] for entry in journal(client)] == [described, None]


def test_a_header_429_says_when_to_retry(client: TestClient) -> None:
    response = buy(client, "447700900001", "429")
    assert response.headers["retry-after"] == "1"


def test_a_header_latency_delays_that_call_only(client: TestClient) -> None:
    slow = buy(client, "447700900001", "latency_ms=20")
    normal = buy(client, "447700900002")

    assert (slow.json(), normal.json()) == (SUCCESS, SUCCESS)
    first, second = journal(client)
    assert first["duration_ms"] >= 20
    assert (first["fault"], second["fault"]) == ("header: latency 20 ms", None)


def test_a_header_drop_aborts_that_call_only(client: TestClient) -> None:
    before = state(client)

    with pytest.raises(ConnectionAbortedError):
        buy(client, "447700900001", "drop")

    assert state(client) == before
    assert buy(client, "447700900001").json() == SUCCESS
    assert [(e["status"], e["fault"]) for e in journal(client)] == [
        (None, "header: drop"),
        (200, None),
    ]


def test_a_header_fault_on_a_get_is_vonage_shaped_too(client: TestClient) -> None:
    response = client.get(
        "/account/numbers", auth=MASTER, headers={HEADER: "401", "Accept": "text/xml"}
    )
    assert response.status_code == 401
    assert b"<inbound-numbers><error-code>401</error-code>" in response.content


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("status=abc", {"status": messages.FAULT_HEADER_STATUS}, id="status-abc"),
        pytest.param("bogus=1", {"bogus": messages.FAULT_HEADER_UNKNOWN_KEY}, id="unknown-key"),
        pytest.param("teapot", {HEADER: messages.FAULT_HEADER_BARE_WORD}, id="bare-word"),
        pytest.param(" ; ", {HEADER: messages.FAULT_HEADER_EMPTY}, id="empty"),
        pytest.param(
            "status=420; status=503", {"status": messages.FAULT_HEADER_REPEATED}, id="repeated"
        ),
        pytest.param(
            "latency_ms=fast", {"latency_ms": messages.FAULT_HEADER_LATENCY}, id="latency"
        ),
        pytest.param("drop=maybe", {"drop": messages.FAULT_HEADER_BOOLEAN}, id="boolean"),
        pytest.param(
            'status=420; label="open', {HEADER: messages.FAULT_HEADER_QUOTES}, id="quotes"
        ),
        pytest.param(
            "drop; status=420", {"status": messages.FAULT_STATUS_AND_DROP}, id="drop-and-status"
        ),
        pytest.param("latency_ms=0", {"status": messages.FAULT_DOES_NOTHING}, id="does-nothing"),
    ],
)
def test_a_malformed_header_is_a_vonage_400_naming_the_field(
    client: TestClient, header: str, expected: dict[str, str]
) -> None:
    before = state(client)

    response = buy(client, "447700900001", header)

    assert (response.status_code, response.json()) == (400, expected)
    assert state(client) == before
    assert journal(client)[-1]["status"] == 400


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("503", id="503"),
        pytest.param("420", id="420"),
        pytest.param("drop", id="drop"),
        pytest.param("status=abc", id="malformed"),
    ],
)
def test_bad_credentials_beat_any_header_fault(client: TestClient, header: str) -> None:
    response = buy(client, "447700900001", header, auth=(MASTER[0], "WrongSecret0000"))
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert journal(client)[-1]["fault"] is None


def test_a_header_fault_neither_fires_nor_counts_plan_rules(client: TestClient) -> None:
    client.post("/_mock/faults", json={"operation": "buy", "status": 420, "times": 1})

    assert buy(client, "447700900001", "429").status_code == 429

    assert client.get("/_mock/faults").json()["faults"][0]["fired"] == 0
    assert buy(client, "447700900001").status_code == 420
