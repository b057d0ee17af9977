"""Methods the vendor's document does not declare on its five paths (schemathesis'
`unsupported_method` and `allow_header_conformance` checks, made explicit and run once per path).

RFC 9110 section 15.5.6: "The origin server MUST generate an Allow header field in a 405
response containing a list of the target resource's currently supported methods."
"""

import pytest
import requests
from support.servers import MockServer

from . import contract

pytestmark = pytest.mark.e2e

CREDENTIALS = ("master01", "MasterSecret0001")
METHOD_NOT_ALLOWED = {"error-code": "405", "error-code-label": "method not allowed"}
# Every method schemathesis' coverage phase tries, and HEAD (which carries no body).
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "QUERY", "HEAD")
# Starlette answers HEAD wherever GET is declared, as HTTP allows.
ALLOWED = {"GET": {"GET", "HEAD"}, "POST": {"POST"}}

UNDECLARED = [
    pytest.param(path, method, declared, id=f"{method} {path}")
    for declared, path in (label.split(" ") for label in contract.OPERATIONS)
    for method in METHODS
    if method not in ALLOWED[declared]
]


@pytest.mark.parametrize(("path", "method", "declared"), UNDECLARED)
def test_an_undeclared_method_is_a_vonage_405_with_allow(
    live_server: MockServer, path: str, method: str, declared: str
) -> None:
    response = requests.request(method, live_server.http_url + path, auth=CREDENTIALS, timeout=10)
    assert response.status_code == 405
    if method != "HEAD":
        assert response.headers["content-type"] == "application/json"
        assert response.json() == METHOD_NOT_ALLOWED
    allow = {m.strip() for m in response.headers.get("allow", "").split(",") if m.strip()}
    assert allow == ALLOWED[declared], f"Allow: {response.headers.get('allow')!r}"
