"""Requests to no Numbers API route, and the journal's count (WireMock's requests/count)."""

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support.accounts import MASTER, SUB

from mock_server.domain import messages
from mock_server.simulation.journal import REDACTED, RESPONSE_EXCERPT_BYTES, TRUNCATED
from mock_server.vonage import unmatched


def journal(client: TestClient, **filters: str) -> list[dict[str, Any]]:
    response = client.get("/_mock/requests", params=filters)
    assert response.status_code == 200, response.text
    return response.json()["requests"]


def count(client: TestClient, **filters: str) -> int:
    response = client.get("/_mock/requests/count", params=filters)
    assert response.status_code == 200, response.text
    return int(response.json()["count"])


@pytest.mark.parametrize(
    ("method", "path", "status", "hint"),
    [
        pytest.param("GET", "/numbers/search", 404, "GET /number/search", id="typo-in-path"),
        pytest.param("GET", "/number/buy", 405, "POST /number/buy", id="wrong-method"),
        pytest.param("POST", "/account/number", 404, "GET /account/numbers", id="singular"),
        pytest.param("GET", "/favicon.ico", 404, None, id="nothing-close"),
    ],
)
def test_an_unmatched_request_is_journaled_with_a_hint(
    client: TestClient, method: str, path: str, status: int, hint: str | None
) -> None:
    response = client.request(method, path, params={"country": "GB"}, auth=MASTER)

    # The client gets the same Vonage-shaped error as before.
    assert response.status_code == status
    assert response.json()["error-code"] == str(status)
    [entry] = journal(client, operation="unmatched")
    assert entry["method"] == method
    assert entry["path"] == path
    assert entry["status"] == status
    assert entry["api_key"] == MASTER[0]
    assert entry["params"] == {"country": "GB"}
    assert entry["response"] == response.text
    expected = messages.UNMATCHED_HINT.format(route=hint) if hint else None
    assert entry["hint"] == expected


def test_the_control_planes_own_404s_are_not_unmatched_requests(client: TestClient) -> None:
    assert client.get("/_mock/nothing").status_code == 404
    assert client.get("/_mock/requests/nothing").status_code == 404
    assert journal(client) == []


def test_matched_calls_carry_no_hint(client: TestClient) -> None:
    client.get("/number/search", params={"country": "GB"}, auth=MASTER)
    [entry] = journal(client)
    assert entry["operation"] == "search"
    assert entry["hint"] is None


def test_secrets_of_an_unmatched_request_are_not_kept(client: TestClient) -> None:
    client.post("/number/bye", data={"api_key": MASTER[0], "api_secret": MASTER[1]})
    [entry] = journal(client, operation="unmatched")
    assert entry["params"] == {"api_key": MASTER[0], "api_secret": REDACTED}
    assert MASTER[1] not in str(entry)


def test_root_redirects_to_the_dashboard(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/_mock/ui/"
    assert client.get("/").headers["content-type"].startswith("text/html")
    assert journal(client) == []


def test_an_unmatched_path_is_logged_once(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=unmatched.logger.name):
        for _ in range(3):
            client.get("/numbers/search", auth=MASTER)
        client.get("/numbers/buy", auth=MASTER)
    warnings = [r.getMessage() for r in caplog.records if r.name == unmatched.logger.name]
    assert warnings == [
        messages.UNMATCHED_WARNING
        % ("GET", "/numbers/search", messages.UNMATCHED_HINT.format(route="GET /number/search")),
        messages.UNMATCHED_WARNING
        % ("GET", "/numbers/buy", messages.UNMATCHED_HINT.format(route="POST /number/buy")),
    ]
    assert count(client, operation="unmatched") == 4


def test_the_paths_remembered_for_warnings_are_bounded(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    journal = client.app.state.runtime.base.journal  # type: ignore[attr-defined]
    recorder = unmatched.UnmatchedRecorder(lambda api_key: journal, ())
    with caplog.at_level(logging.WARNING, logger=unmatched.logger.name):
        for index in range(unmatched.WARNED_PATHS + 1):
            recorder._warn("GET", f"/made/up/{index}", None)
        recorder._warn("GET", "/made/up/0", None)  # forgotten: the oldest went first
    assert len(recorder._warned) == unmatched.WARNED_PATHS
    assert len(caplog.records) == unmatched.WARNED_PATHS + 2


def test_the_journal_keeps_a_bounded_copy_of_each_answer(client: TestClient) -> None:
    block = {"country": "GB", "type": "mobile-lvn", "features": ["SMS"], "cost": "1.00",
             "range": {"start": "447700950000", "end": "447700950099"}}  # fmt: skip
    assert client.post("/_mock/numbers", json=block).status_code == 201
    response = client.get("/number/search", params={"country": "GB", "size": "100"}, auth=MASTER)
    assert len(response.content) > RESPONSE_EXCERPT_BYTES  # a page of a hundred numbers
    [entry] = journal(client)
    assert entry["response"].endswith(TRUNCATED)
    kept = entry["response"].removesuffix(TRUNCATED)
    assert response.text.startswith(kept)
    assert len(entry["response"].encode()) <= RESPONSE_EXCERPT_BYTES + len(TRUNCATED.encode())


# -- GET /_mock/requests/count --------------------------------------------------------------


@pytest.fixture
def traffic(client: TestClient) -> TestClient:
    """Three buys (two by the master account, one refused: owned already), a search, a list
    and two unmatched calls."""
    client.post("/number/buy", data={"country": "GB", "msisdn": "447700900001"}, auth=MASTER)
    client.post("/number/buy", data={"country": "GB", "msisdn": "447700900002"}, auth=MASTER)
    client.post("/number/buy", data={"country": "US", "msisdn": "12015550150"}, auth=SUB)  # owned
    client.get("/number/search", params={"country": "GB"}, auth=MASTER)
    client.get("/account/numbers", auth=MASTER)
    client.get("/numbers/search", params={"country": "GB"}, auth=MASTER)
    client.get("/number/buy", auth=MASTER)
    return client


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        pytest.param({}, 7, id="everything"),
        pytest.param({"operation": "buy"}, 3, id="operation"),
        pytest.param({"operation": "buy", "msisdn": "447700900001"}, 1, id="msisdn"),
        pytest.param({"operation": "buy", "country": "GB"}, 2, id="country"),
        pytest.param({"country": "GB"}, 4, id="country-across-operations"),
        pytest.param({"api_key": SUB[0]}, 1, id="api-key"),
        pytest.param({"operation": "buy", "status": "200"}, 2, id="status"),
        pytest.param({"operation": "unmatched"}, 2, id="unmatched"),
        pytest.param({"operation": "unmatched", "path": "/numbers/search"}, 1, id="path"),
        pytest.param({"operation": "cancel"}, 0, id="none"),
        pytest.param({"since": "2999-01-01T00:00:00"}, 0, id="since"),
    ],
)
def test_count_applies_the_journal_filters(
    traffic: TestClient, filters: dict[str, str], expected: int
) -> None:
    assert count(traffic, **filters) == expected
    # The same filters list the same calls.
    assert len(journal(traffic, **filters)) == expected


def test_count_ignores_limit(traffic: TestClient) -> None:
    assert count(traffic, limit="1") == 7


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        pytest.param({"operation": "purchase"}, "operation", id="unknown-operation"),
        pytest.param({"status": "ok"}, "status", id="status-not-a-number"),
        pytest.param({"since": "yesterday"}, "since", id="since-not-a-time"),
    ],
)
def test_count_refuses_bad_filters_naming_them(
    traffic: TestClient, filters: dict[str, str], field: str
) -> None:
    response = traffic.get("/_mock/requests/count", params=filters)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field
