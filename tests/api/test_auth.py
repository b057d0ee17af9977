"""Credentials from the Basic header, the query string or the form body; 401 before anything."""

import base64

import pytest
from fastapi.testclient import TestClient
from support import vonage_xml
from support.accounts import MASTER

from mock_server.domain import messages

UNAUTHORIZED = {"error-code": "401", "error-code-label": messages.AUTHENTICATION_FAILED}


def basic(key: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


CREDENTIAL_PLACES = [
    pytest.param({"headers": basic(*MASTER)}, {}, {}, id="basic-header"),
    pytest.param({}, {"api_key": MASTER[0], "api_secret": MASTER[1]}, {}, id="query"),
    pytest.param({}, {}, {"api_key": MASTER[0], "api_secret": MASTER[1]}, id="form-body"),
]


@pytest.mark.parametrize(("kwargs", "query", "form"), CREDENTIAL_PLACES)
def test_post_accepts_credentials_from_every_place(
    client: TestClient, kwargs: dict, query: dict, form: dict
) -> None:
    data = {"country": "GB", "msisdn": "447700900004"} | form
    response = client.post("/number/buy", params=query, data=data, **kwargs)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(("kwargs", "query", "form"), CREDENTIAL_PLACES[:2])
def test_get_accepts_credentials_from_header_and_query(
    client: TestClient, kwargs: dict, query: dict, form: dict
) -> None:
    response = client.get("/account/numbers", params=query, **kwargs)
    assert response.json()["count"] == 3


def test_the_cli_style_post_with_everything_in_the_query_and_an_empty_body(
    client: TestClient,
) -> None:
    params = {
        "api_key": MASTER[0],
        "api_secret": MASTER[1],
        "country": "GB",
        "msisdn": "447700900005",
    }
    response = client.post(
        "/number/buy",
        params=params,
        content=b"",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.json()["error-code"] == "200"


@pytest.mark.parametrize(
    "request_kwargs",
    [
        pytest.param({}, id="no-credentials"),
        pytest.param({"headers": basic(MASTER[0], "wrong")}, id="wrong-secret"),
        pytest.param({"headers": basic("nobody", MASTER[1])}, id="unknown-key"),
        pytest.param({"headers": {"Authorization": "Bearer abc"}}, id="bearer"),
        pytest.param({"headers": {"Authorization": "Basic !!!"}}, id="bad-base64"),
        pytest.param({"params": {"api_key": MASTER[0]}}, id="key-only"),
        pytest.param({"params": {"api_key": MASTER[0], "api_secret": ""}}, id="empty-secret"),
    ],
)
@pytest.mark.parametrize(
    ("method", "path", "xml_root"),
    [
        pytest.param("GET", "/account/numbers", "inbound-numbers", id="list"),
        pytest.param("GET", "/number/search", "inbound-numbers", id="search"),
        pytest.param("POST", "/number/buy", "response", id="buy"),
        pytest.param("POST", "/number/cancel", "response", id="cancel"),
        pytest.param("POST", "/number/update", "response", id="update"),
    ],
)
def test_bad_credentials_are_401_on_every_endpoint(
    client: TestClient, request_kwargs: dict, method: str, path: str, xml_root: str
) -> None:
    response = client.request(method, path, **request_kwargs)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED

    # The same refusal in XML, under the root element the operation answers with.
    headers = request_kwargs.get("headers", {}) | {"Accept": "text/xml"}
    as_xml = client.request(method, path, **(request_kwargs | {"headers": headers}))
    assert as_xml.status_code == 401
    assert as_xml.headers["content-type"].startswith("text/xml"), as_xml.headers
    assert vonage_xml.read(as_xml.content) == (xml_root, UNAUTHORIZED)


def test_401_comes_before_a_missing_field(client: TestClient) -> None:
    response = client.post("/number/buy", data={}, headers=basic("nobody", "x"))
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_a_wrong_header_is_not_rescued_by_right_query_credentials(client: TestClient) -> None:
    # The header is what the SDKs send; a client sending both means the header.
    response = client.get(
        "/account/numbers",
        params={"api_key": MASTER[0], "api_secret": MASTER[1]},
        headers=basic(MASTER[0], "wrong"),
    )
    assert response.status_code == 401
