"""The request journal: what each Vonage call leaves behind, its filters, and its bounds."""

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support.accounts import MASTER, STRANGER

from mock_server.domain import messages
from mock_server.simulation.journal import REDACTED

SUCCESS = {"error-code": "200", "error-code-label": messages.SUCCESS}


def journal(client: TestClient, **filters: str) -> list[dict[str, Any]]:
    response = client.get("/_mock/requests", params=filters)
    assert response.status_code == 200, response.text
    return response.json()["requests"]


def basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def test_a_call_is_recorded_with_everything_a_reader_needs(client: TestClient) -> None:
    response = client.post(
        "/number/buy", data={"country": "GB", "msisdn": "447700900001"}, auth=MASTER
    )

    [entry] = journal(client)
    assert {k: v for k, v in entry.items() if k not in ("time", "duration_ms", "id")} == {
        "method": "POST",
        "path": "/number/buy",
        "operation": "buy",
        "api_key": MASTER[0],
        "params": {"country": "GB", "msisdn": "447700900001"},
        "status": 200,
        "response": response.text,
        "fault": None,
        "hint": None,
    }
    assert json.loads(entry["response"]) == SUCCESS
    assert isinstance(entry["duration_ms"], float)
    assert entry["duration_ms"] >= 0
    assert datetime.fromisoformat(entry["time"]).tzinfo is not None
    assert isinstance(entry["id"], int)


@pytest.mark.parametrize(
    ("method", "path", "params", "operation", "status"),
    [
        pytest.param("GET", "/account/numbers", {"size": "1"}, "list", 200, id="list"),
        pytest.param("GET", "/number/search", {"country": "US"}, "search", 200, id="search"),
        pytest.param("POST", "/number/buy", {"country": "IT"}, "buy", 400, id="buy-400"),
        pytest.param(
            "POST",
            "/number/cancel",
            {"country": "GB", "msisdn": "447700900700"},
            "cancel",
            420,
            id="cancel-420",
        ),
        pytest.param(
            "POST",
            "/number/update",
            {"country": "GB", "msisdn": "447700900500", "app_id": "x"},
            "update",
            200,
            id="update",
        ),
    ],
)
def test_every_operation_is_recorded(
    client: TestClient,
    method: str,
    path: str,
    params: dict[str, str],
    operation: str,
    status: int,
) -> None:
    response = client.request(method, path, params=params, auth=MASTER)

    [entry] = journal(client)
    assert (entry["method"], entry["path"], entry["operation"]) == (method, path, operation)
    assert (entry["status"], entry["response"]) == (status, response.text)
    assert entry["params"] == params


LIST = ("GET", "/account/numbers", {})
BUY = ("POST", "/number/buy", {"country": "GB", "msisdn": "447700900002"})
IN_HEADER = {"headers": {"Authorization": basic(*MASTER)}}
IN_QUERY = {"params": {"api_key": MASTER[0], "api_secret": MASTER[1]}}
IN_FORM = {"data": {"api_key": MASTER[0], "api_secret": MASTER[1]}}


@pytest.mark.parametrize(
    ("call", "credentials", "redacted"),
    [
        pytest.param(LIST, IN_HEADER, False, id="list-basic-header"),
        pytest.param(LIST, IN_QUERY, True, id="list-query"),
        pytest.param(BUY, IN_HEADER, False, id="buy-basic-header"),
        pytest.param(BUY, IN_QUERY, True, id="buy-query"),
        pytest.param(BUY, IN_FORM, True, id="buy-form-body"),
    ],
)
def test_no_secret_and_no_authorization_value_ever_reaches_the_journal(
    client: TestClient,
    call: tuple[str, str, dict[str, str]],
    credentials: dict[str, dict[str, str]],
    redacted: bool,
) -> None:
    method, path, params = call
    kwargs: dict[str, dict[str, str]] = {"params": params} if method == "GET" else {"data": params}
    for place, values in credentials.items():
        kwargs[place] = kwargs.get(place, {}) | values
    assert client.request(method, path, **kwargs).status_code == 200
    wrong = {"Authorization": basic(MASTER[0], "WrongSecret9999")}
    assert client.request(method, path, headers=wrong).status_code == 401

    text = client.get("/_mock/requests").text
    for secret in (
        MASTER[1],
        "WrongSecret9999",
        basic(*MASTER),
        basic(MASTER[0], "WrongSecret9999"),
    ):
        assert secret not in text
    assert "basic" not in text.lower()
    assert "authorization" not in text.lower()
    entries = journal(client)
    assert [(e["api_key"], e["status"]) for e in entries] == [(MASTER[0], 200), (MASTER[0], 401)]
    assert ("api_secret" in entries[0]["params"]) == redacted
    if redacted:
        assert entries[0]["params"]["api_secret"] == REDACTED


def test_a_failed_authentication_is_recorded_with_the_key_given(client: TestClient) -> None:
    client.get("/account/numbers", params={"api_key": "nobody00", "api_secret": "NotASecret000001"})
    client.get("/number/search", params={"country": "GB"}, auth=(MASTER[0], "Wrong"))
    client.get("/number/search", params={"country": "GB"})

    entries = journal(client)
    assert [(e["api_key"], e["status"]) for e in entries] == [
        ("nobody00", 401),
        (MASTER[0], 401),
        (None, 401),
    ]
    assert entries[0]["params"] == {"api_key": "nobody00", "api_secret": REDACTED}
    assert "NotASecret000001" not in client.get("/_mock/requests").text


# -- filters -----------------------------------------------------------------------------------


def five_calls(client: TestClient) -> None:
    """1 search (master) 2 buy (master) 3 buy 420 (stranger) 4 list (master) 5 cancel (stranger)."""
    client.get("/number/search", params={"country": "GB"}, auth=MASTER)
    client.post("/number/buy", data={"country": "GB", "msisdn": "447700900001"}, auth=MASTER)
    client.post("/number/buy", data={"country": "GB", "msisdn": "447700900001"}, auth=STRANGER)
    client.get("/account/numbers", auth=MASTER)
    client.post("/number/cancel", data={"country": "GB", "msisdn": "447700900700"}, auth=STRANGER)


CALLS = {
    1: ("search", "master01", 200),
    2: ("buy", "master01", 200),
    3: ("buy", "stranger", 420),
    4: ("list", "master01", 200),
    5: ("cancel", "stranger", 200),
}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        pytest.param({}, [1, 2, 3, 4, 5], id="none"),
        pytest.param({"operation": "buy"}, [2, 3], id="operation"),
        pytest.param({"api_key": "stranger"}, [3, 5], id="api-key"),
        pytest.param({"msisdn": "447700900001"}, [2, 3], id="msisdn"),
        pytest.param({"status": "420"}, [3], id="status"),
        pytest.param({"status": "200"}, [1, 2, 4, 5], id="status-200"),
        pytest.param({"limit": "2"}, [4, 5], id="limit-keeps-the-most-recent"),
        pytest.param({"limit": "99"}, [1, 2, 3, 4, 5], id="limit-above-count"),
        pytest.param({"operation": "buy", "limit": "1"}, [3], id="operation-and-limit"),
        pytest.param({"api_key": "master01", "operation": "buy"}, [2], id="key-and-operation"),
        pytest.param({"operation": "update"}, [], id="nothing-matches"),
        pytest.param({"since": "2000-01-01T00:00:00Z"}, [1, 2, 3, 4, 5], id="since-long-ago"),
        pytest.param({"since": "2999-01-01T00:00:00Z"}, [], id="since-the-future"),
    ],
)
def test_journal_filters(client: TestClient, filters: dict[str, str], expected: list[int]) -> None:
    five_calls(client)
    entries = journal(client, **filters)
    assert [(e["operation"], e["api_key"], e["status"]) for e in entries] == [
        CALLS[n] for n in expected
    ]


def test_since_keeps_the_calls_from_that_time_on(client: TestClient) -> None:
    five_calls(client)
    third = journal(client)[2]

    entries = journal(client, since=third["time"])

    assert [e["id"] for e in entries] == [third["id"], third["id"] + 1, third["id"] + 2]


def test_since_without_a_time_zone_is_read_as_utc(client: TestClient) -> None:
    # A time without an offset is what people type: the journal's times are UTC, and so is it
    # (README, "Control API"), rather than a 400 or a failed comparison with aware times.
    five_calls(client)
    third = journal(client)[2]
    naive = datetime.fromisoformat(third["time"]).astimezone(UTC).replace(tzinfo=None)

    long_ago = client.get("/_mock/requests", params={"since": "2000-01-01T00:00:00"})
    from_third = client.get("/_mock/requests", params={"since": naive.isoformat()})

    assert long_ago.status_code == 200, long_ago.text
    assert len(long_ago.json()["requests"]) == 5
    assert from_third.status_code == 200, from_third.text
    assert [e["id"] for e in from_third.json()["requests"]] == [third["id"] + i for i in range(3)]


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        pytest.param({"limit": "0"}, "limit", id="limit-0"),
        pytest.param({"limit": "many"}, "limit", id="limit-text"),
        pytest.param({"status": "ok"}, "status", id="status-text"),
        pytest.param({"operation": "delete"}, "operation", id="operation"),
        pytest.param({"since": "yesterday"}, "since", id="since"),
    ],
)
def test_a_bad_filter_is_a_problem_naming_it(
    client: TestClient, filters: dict[str, str], field: str
) -> None:
    response = client.get("/_mock/requests", params=filters)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == field


# -- clearing and bounds -----------------------------------------------------------------------


def test_delete_empties_the_journal(client: TestClient) -> None:
    five_calls(client)
    response = client.delete("/_mock/requests")
    assert (response.status_code, response.content) == (204, b"")
    assert journal(client) == []
    client.get("/account/numbers", auth=MASTER)
    assert [e["operation"] for e in journal(client)] == ["list"]


def test_the_journal_is_a_ring_buffer(make_client: Callable[..., TestClient]) -> None:
    client = make_client(journal_size=3)
    five_calls(client)

    body = client.get("/_mock/requests").json()

    assert body["capacity"] == 3
    assert [e["id"] for e in body["requests"]] == [3, 4, 5]
    assert [e["operation"] for e in body["requests"]] == ["buy", "list", "cancel"]
    client.get("/number/search", params={"country": "US"}, auth=MASTER)
    assert [e["id"] for e in journal(client)] == [4, 5, 6]


def test_ids_keep_increasing_after_a_clear(client: TestClient) -> None:
    five_calls(client)
    client.delete("/_mock/requests")
    client.get("/account/numbers", auth=MASTER)
    assert [e["id"] for e in journal(client)] == [6]


def test_control_routes_and_health_are_not_journaled(client: TestClient) -> None:
    client.get("/_mock/health")
    client.get("/_mock/state")
    client.get("/_mock/faults")
    client.post("/_mock/faults", json={"operation": "list", "status": 503})
    client.delete("/_mock/faults")
    client.post("/_mock/accounts", json={"api_key": "k", "api_secret": "s"})
    client.get("/_mock/requests")
    client.get("/_mock/openapi.json")
    client.get("/_mock/tls/ca.pem")
    assert journal(client) == []
