"""The control API's description, and its errors as RFC 7807 problems without internals."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mock_server.domain.operations import PATHS
from mock_server.vonage.rendering import PROBLEM_JSON

CONTROL_PATHS = {
    "/_mock/health",
    "/_mock/tls/ca.pem",
    "/_mock/faults",
    "/_mock/faults/{rule_id}",
    "/_mock/requests",
    "/_mock/state",
    "/_mock/reset",
    "/_mock/numbers",
    "/_mock/accounts",
}
# What a body must never show: a trace, a Python repr, pydantic's internal names.
INTERNALS = (
    "Traceback",
    'File "',
    ".py",
    "<class",
    "<function",
    "object at 0x",
    "Decimal(",
    "datetime.",
    "function-after",
    "ValidationError",
    "pydantic",
)


def test_openapi_lists_the_control_routes_and_no_vonage_path(client: TestClient) -> None:
    response = client.get("/_mock/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths) >= CONTROL_PATHS
    assert not set(paths) & set(PATHS.values())
    assert all(path.startswith("/_mock/") for path in paths)
    assert set(paths["/_mock/state"]) == {"get", "put"}
    assert set(paths["/_mock/faults"]) == {"get", "post", "delete"}
    assert set(paths["/_mock/requests"]) == {"get", "delete"}


def test_openapi_describes_the_fault_rule_fields(client: TestClient) -> None:
    schemas = client.get("/_mock/openapi.json").json()["components"]["schemas"]
    assert {"operation", "match", "status", "latency_ms", "drop", "times", "after"} <= set(
        schemas["FaultRule"]["properties"]
    )


def _bad_state(client: TestClient) -> dict[str, Any]:
    document = client.get("/_mock/state").json()
    document["accounts"][0]["balance"] = "-1"
    return document


def _duplicate_accounts(client: TestClient) -> dict[str, Any]:
    document = client.get("/_mock/state").json()
    document["accounts"] *= 2
    return document


NUMBER = {"country": "GB", "type": "landline", "features": ["VOICE"], "cost": "0.40"}

PROBLEMS = [
    pytest.param(
        "PUT", "/_mock/state", _bad_state, 400, "accounts[0].balance", id="put-state-schema"
    ),
    pytest.param(
        "PUT",
        "/_mock/state",
        lambda c: c.get("/_mock/state").json() | {"owned": [{"api_key": "x"}]},
        400,
        "owned[0].country",
        id="put-state-missing-field",
    ),
    pytest.param(
        "PUT",
        "/_mock/state",
        _duplicate_accounts,
        400,
        "accounts[4].api_key",
        id="put-state-consistency",
    ),
    pytest.param(
        "POST",
        "/_mock/numbers",
        lambda c: NUMBER | {"msisdn": "447700900500"},
        409,
        "[0]",
        id="numbers-conflict",
    ),
    pytest.param(
        "POST",
        "/_mock/numbers",
        lambda c: NUMBER | {"msisdn": "442079460050", "cost": "-1"},
        400,
        "cost",
        id="numbers-invalid",
    ),
    pytest.param(
        "POST",
        "/_mock/accounts",
        lambda c: {"api_key": "master01", "api_secret": "x"},
        409,
        "api_key",
        id="accounts-conflict",
    ),
    pytest.param(
        "POST",
        "/_mock/accounts",
        lambda c: {"api_key": "k", "api_secret": "s", "balance": "lots"},
        400,
        "balance",
        id="accounts-invalid",
    ),
    pytest.param("POST", "/_mock/faults", lambda c: {}, 400, "status", id="fault-invalid"),
    pytest.param(
        "POST",
        "/_mock/faults",
        lambda c: {"status": 420, "latency_ms": "slow"},
        400,
        "latency_ms",
        id="fault-latency",
    ),
    pytest.param("DELETE", "/_mock/faults/f7", None, 404, "rule_id", id="fault-unknown"),
    pytest.param("GET", "/_mock/requests?limit=0", None, 400, "limit", id="journal-limit"),
    pytest.param("POST", "/_mock/reset?keep_faults=perhaps", None, 400, "keep_faults", id="reset"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "field"), PROBLEMS)
def test_control_errors_are_problem_documents_naming_the_field(
    client: TestClient, method: str, path: str, body: Any, status: int, field: str
) -> None:
    payload = body(client) if body is not None else None

    response = client.request(method, path, json=payload)

    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert set(problem) == {"type", "title", "status", "detail", "field"}
    assert (problem["status"], problem["field"]) == (status, field)
    assert problem["type"] == "about:blank"
    assert problem["title"]
    assert problem["detail"]
    for internal in INTERNALS:
        assert internal not in response.text


@pytest.mark.parametrize(
    ("content", "field"),
    [
        pytest.param(b"{not json", "document", id="malformed"),
        pytest.param(b"", "document", id="empty"),
        pytest.param(b"[]", "document", id="a-list"),
    ],
)
def test_a_body_that_is_no_document_is_a_problem_naming_the_document(
    client: TestClient, content: bytes, field: str
) -> None:
    before = client.get("/_mock/state").json()

    response = client.put(
        "/_mock/state", content=content, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["field"] == field
    assert client.get("/_mock/state").json() == before


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        pytest.param("GET", "/_mock/nothing", 404, id="unknown-route"),
        pytest.param("GET", "/_mock/reset", 405, id="wrong-method"),
        pytest.param("PATCH", "/_mock/state", 405, id="patch-state"),
    ],
)
def test_routing_errors_are_problem_documents_too(
    client: TestClient, method: str, path: str, status: int
) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert {"type", "title", "status", "detail"} <= set(problem)
    assert problem["status"] == status
    assert json.loads(response.text) == problem
