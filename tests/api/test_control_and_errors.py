"""Health, the CA certificate, and requests no Vonage route expects: never a 500 or a trace."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from support.accounts import MASTER
from support.data import IN_PROCESS_URL
from support.vendor_spec import validate

from mock_server import __version__
from mock_server.domain import messages


def test_health_summarises_the_loaded_state_without_credentials(client: TestClient) -> None:
    response = client.get("/_mock/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "version": __version__, "accounts": 4, "available": 27, "owned": 5,
        "worlds": 0,
    }  # fmt: skip
    client.post("/number/buy", data={"country": "US", "msisdn": "12015550100"}, auth=MASTER)
    assert client.get("/_mock/health").json() | {} == {
        "status": "ok",
        "version": __version__,
        "accounts": 4,
        "available": 26,
        "owned": 6,
        "worlds": 0,
    }


def test_ca_certificate_is_served_when_there_is_one(tmp_path: Path) -> None:
    from support.data import IN_PROCESS_URL, make_settings

    from mock_server.serving.app import create_app

    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    with TestClient(
        create_app(make_settings(tmp_path), ca_cert=ca), base_url=IN_PROCESS_URL
    ) as client:
        response = client.get("/_mock/tls/ca.pem")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-pem-file"
    assert response.text == ca.read_text()


def test_ca_certificate_404_without_a_local_ca(client: TestClient) -> None:
    assert client.get("/_mock/tls/ca.pem").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        pytest.param("GET", "/number/nothing", 404, "404", id="unknown-path"),
        pytest.param("DELETE", "/number/buy", 405, "405", id="wrong-method"),
        pytest.param("GET", "/number/buy", 405, "405", id="get-on-post"),
    ],
)
def test_unknown_routes_answer_vonage_shaped(
    client: TestClient, method: str, path: str, status: int, code: str
) -> None:
    response = client.request(method, path, auth=MASTER)
    assert response.status_code == status
    assert response.json()["error-code"] == code


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        pytest.param(
            "application/json",
            b'{"country": "GB", "msisdn": "447700900001"}',
            {"country": messages.FIELD_REQUIRED, "msisdn": messages.FIELD_REQUIRED},
            id="json-body-is-not-read",
        ),
        pytest.param(
            "application/x-www-form-urlencoded",
            b"country=GB&msisdn=%ff%fe",
            {"body": messages.FIELD_INVALID},
            id="invalid-utf8",
        ),
        pytest.param(
            "application/x-www-form-urlencoded",
            b"country=G%zzB&msisdn=4477",
            {"country": messages.FIELD_INVALID, "msisdn": messages.FIELD_INVALID},
            id="bad-percent-encoding",
        ),
        pytest.param(
            "multipart/form-data; boundary=x",
            b"--x--",
            {"country": messages.FIELD_REQUIRED, "msisdn": messages.FIELD_REQUIRED},
            id="multipart",
        ),
    ],
)
def test_odd_bodies_get_a_clear_400(
    client: TestClient, content_type: str, body: bytes, expected: dict
) -> None:
    response = client.post(
        "/number/buy", content=body, auth=MASTER, headers={"Content-Type": content_type}
    )
    assert (response.status_code, response.json()) == (400, expected)
    assert client.get("/account/numbers", auth=MASTER).json()["count"] == 3


def test_duplicated_parameters_take_the_first_value(client: TestClient) -> None:
    response = client.get(
        "/number/search", params=[("country", "US"), ("country", "GB")], auth=MASTER
    )
    assert response.json()["numbers"][0]["country"] == "US"


def test_the_spec_check_itself_rejects_a_wrong_body() -> None:
    # Guards the guard: every in-process response goes through this validation.
    with pytest.raises(AssertionError):
        validate("/number/buy", "POST", 201, "application/json", b"{}")
    with pytest.raises(Exception, match="is not of type"):
        validate("/number/buy", "POST", 200, "application/json", b'{"error-code": 200}')


def test_a_bug_is_answered_in_the_format_of_the_plane_it_happened_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.data import make_settings

    from mock_server.domain.inventory import Inventory
    from mock_server.serving.app import create_app

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(Inventory, "search", broken)
    app = create_app(make_settings(tmp_path))
    with TestClient(app, raise_server_exceptions=False, base_url=IN_PROCESS_URL) as client:
        vonage = client.get("/number/search", params={"country": "GB"}, auth=MASTER)
        control = client.get("/_mock/inventory/search", params={"country": "GB"})

    assert vonage.status_code == 500
    assert vonage.headers["content-type"] == "application/json"
    assert vonage.json() == {"error-code": "500", "error-code-label": messages.INTERNAL_ERROR}
    assert control.status_code == 500
    assert control.headers["content-type"] == "application/problem+json"
    assert control.json()["detail"] == messages.INTERNAL_ERROR
    assert "a bug" not in vonage.text + control.text
