"""The admin token: with one set, the control plane needs `Authorization: Bearer <token>`."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support.accounts import MASTER
from support.data import IN_PROCESS_URL, make_settings

from mock_server.serving.app import create_app
from mock_server.vonage.rendering import PROBLEM_JSON

TOKEN = "s3cret"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
ACCOUNT = {"api_key": "new00001", "api_secret": "NewSecret0000001"}
NUMBER = {
    "country": "GB",
    "type": "landline",
    "features": ["VOICE"],
    "cost": "0.40",
    "msisdn": "442079460050",
}
RULE = {"operation": "buy", "status": 420}

# Every protected route, with a request that succeeds given the token (status expected then).
PROTECTED = [
    pytest.param("POST", "/_mock/reset", None, 200, id="reset"),
    pytest.param("GET", "/_mock/state", None, 200, id="get-state"),
    pytest.param("PUT", "/_mock/state", "state", 200, id="put-state"),
    pytest.param("POST", "/_mock/numbers", NUMBER, 201, id="add-numbers"),
    pytest.param("POST", "/_mock/accounts", ACCOUNT, 201, id="add-account"),
    pytest.param("GET", "/_mock/requests", None, 200, id="journal"),
    pytest.param("DELETE", "/_mock/requests", None, 204, id="clear-journal"),
    pytest.param("POST", "/_mock/faults", RULE, 201, id="add-fault"),
    pytest.param("GET", "/_mock/faults", None, 200, id="list-faults"),
    pytest.param("DELETE", "/_mock/faults/f1", None, 204, id="remove-fault"),
    pytest.param("DELETE", "/_mock/faults", None, 204, id="clear-faults"),
]
WRONG_AUTHORIZATION = [
    pytest.param({}, id="none"),
    pytest.param({"Authorization": "Bearer wrong"}, id="wrong-token"),
    pytest.param({"Authorization": f"Basic {TOKEN}"}, id="basic-scheme"),
]
MORE_WRONG_AUTHORIZATION = [
    pytest.param({"Authorization": f"Bearer {TOKEN}x"}, id="token-prefix"),
    pytest.param({"Authorization": f"Bearer {TOKEN[:-1]}"}, id="token-truncated"),
    pytest.param({"Authorization": "Bearer "}, id="empty-token"),
    pytest.param({"Authorization": f"Token {TOKEN}"}, id="other-scheme"),
    pytest.param({"Authorization": TOKEN}, id="no-scheme"),
    pytest.param({"Authorization": f"Bearer  {TOKEN}"}, id="two-spaces"),
]


@pytest.fixture
def guarded(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(admin_token=TOKEN)


def send(client: TestClient, method: str, path: str, body: Any, headers: dict[str, str]):
    if body == "state":
        body = client.get("/_mock/state", headers=BEARER).json()
    return client.request(method, path, json=body, headers=headers)


def assert_unauthorized(response: Any) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert (body["status"], body["field"]) == (401, "Authorization")
    assert TOKEN not in response.text


@pytest.mark.parametrize("headers", WRONG_AUTHORIZATION)
@pytest.mark.parametrize(("method", "path", "body", "status"), PROTECTED)
def test_control_routes_need_the_token(
    guarded: TestClient,
    method: str,
    path: str,
    body: Any,
    status: int,
    headers: dict[str, str],
) -> None:
    guarded.post("/_mock/faults", json=RULE, headers=BEARER)
    before = guarded.get("/_mock/state", headers=BEARER).json()

    assert_unauthorized(send(guarded, method, path, body, headers))

    assert guarded.get("/_mock/state", headers=BEARER).json() == before
    assert len(guarded.get("/_mock/faults", headers=BEARER).json()["faults"]) == 1


@pytest.mark.parametrize("headers", MORE_WRONG_AUTHORIZATION)
def test_only_the_exact_bearer_token_is_accepted(
    guarded: TestClient, headers: dict[str, str]
) -> None:
    assert_unauthorized(guarded.post("/_mock/reset", headers=headers))
    assert_unauthorized(guarded.get("/_mock/state", headers=headers))


@pytest.mark.parametrize(("method", "path", "body", "status"), PROTECTED)
def test_control_routes_work_with_the_token(
    guarded: TestClient, method: str, path: str, body: Any, status: int
) -> None:
    guarded.post("/_mock/faults", json=RULE, headers=BEARER)
    response = send(guarded, method, path, body, BEARER)
    assert response.status_code == status, response.text


def test_the_scheme_is_case_insensitive(guarded: TestClient) -> None:
    assert guarded.get("/_mock/state", headers={"Authorization": f"bearer {TOKEN}"}).is_success


def test_an_unauthorized_request_with_a_malformed_body_is_still_401(guarded: TestClient) -> None:
    # Who may ask comes before what was asked: an unauthenticated caller learns nothing more.
    response = guarded.put(
        "/_mock/state", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_unauthorized(response)


@pytest.mark.parametrize(
    "path",
    [pytest.param("/_mock/openapi.json", id="openapi"), pytest.param("/_mock/docs", id="docs")],
)
def test_the_api_description_needs_the_token_too(guarded: TestClient, path: str) -> None:
    # Settings.admin_token: "/_mock/ routes (but health and the CA) need 'Authorization: ...'".
    assert_unauthorized(guarded.get(path))
    assert guarded.get(path, headers=BEARER).status_code == 200


def test_health_and_the_ca_need_no_token(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    app = create_app(make_settings(tmp_path, admin_token=TOKEN), ca_cert=ca)
    with TestClient(app, base_url=IN_PROCESS_URL) as client:
        assert client.get("/_mock/health").json()["status"] == "ok"
        assert client.get("/_mock/tls/ca.pem").text == ca.read_text()
        assert client.get("/_mock/health", headers={"Authorization": "Bearer wrong"}).is_success


def test_the_vonage_routes_ignore_the_admin_token(guarded: TestClient) -> None:
    assert guarded.get("/account/numbers", auth=MASTER).json()["count"] == 3
    bought = guarded.post(
        "/number/buy", data={"country": "GB", "msisdn": "447700900001"}, auth=MASTER
    )
    assert bought.status_code == 200
    # The admin token is no Vonage credential.
    assert guarded.get("/account/numbers", headers=BEARER).status_code == 401


def test_without_an_admin_token_no_header_is_needed(client: TestClient) -> None:
    assert client.get("/_mock/state").status_code == 200
    assert client.get("/_mock/state", headers={"Authorization": "Bearer anything"}).is_success


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/_mock/inbound/sms", id="inbound-sms"),
        pytest.param("/_mock/inbound/call", id="inbound-call"),
        pytest.param("/_mock/numbers", id="numbers"),
        pytest.param("/_mock/nothing", id="unknown-route"),
    ],
)
def test_the_token_is_checked_before_the_route_or_its_body(guarded: TestClient, path: str) -> None:
    response = guarded.post(
        path, content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_unauthorized(response)


def test_an_open_route_asked_with_another_method_is_a_405_without_the_token(
    guarded: TestClient,
) -> None:
    response = guarded.post("/_mock/health")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["allow"] == "GET"
