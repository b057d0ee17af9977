"""The host names the in-process control API answers to (issue 15, item 10): a user's own
certificate's names, and not the `testserver` Starlette's TestClient sends by default."""

from pathlib import Path

import trustme
from fastapi.testclient import TestClient
from support.data import make_settings

from mock_server.domain import messages
from mock_server.serving.app import create_app


def test_the_names_of_a_user_s_certificate_are_served(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    issued = trustme.CA().issue_cert("mock.internal")
    issued.private_key_pem.write_to_path(str(key))
    issued.cert_chain_pems[0].write_to_path(str(cert))
    settings = make_settings(tmp_path, tls_cert=cert, tls_key=key)
    for url, status in (("http://mock.internal", 200), ("http://other.internal", 403)):
        with TestClient(create_app(settings), base_url=url) as client:
            assert client.get("/_mock/health").status_code == status, url


def test_the_test_client_s_default_host_is_refused(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path))) as client:
        response = client.get("/_mock/health")
        assert response.status_code == 403
        assert response.json()["detail"] == messages.UNKNOWN_HOST.format(host="testserver")
        # The Vonage API is no part of the control plane: any Host reaches it.
        assert client.get("/account/numbers").status_code == 401
