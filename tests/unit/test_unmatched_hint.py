"""The hint of an unmatched request: the route it most likely meant, from the declared routes."""

import pytest

from mock_server.vonage.routes import ROUTES
from mock_server.vonage.unmatched import closest_route, is_vonage_path


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        pytest.param("GET", "/numbers/search", "GET /number/search", id="plural"),
        pytest.param("GET", "/v1/number/search", "GET /number/search", id="prefix"),
        pytest.param("GET", "/number/buy", "POST /number/buy", id="wrong-method"),
        pytest.param("DELETE", "/account/numbers", "GET /account/numbers", id="delete-list"),
        pytest.param("POST", "/number/cancell", "POST /number/cancel", id="misspelt"),
        pytest.param("POST", "/number/updates", "POST /number/update", id="update"),
        pytest.param("GET", "/accounts/numbers", "GET /account/numbers", id="accounts"),
        pytest.param("GET", "/favicon.ico", None, id="unrelated"),
        pytest.param("GET", "/", None, id="root"),
    ],
)
def test_closest_route(method: str, path: str, expected: str | None) -> None:
    assert closest_route(method, path, ROUTES) == expected


def test_the_routes_are_the_five_declared_ones() -> None:
    assert sorted(ROUTES) == [
        ("GET", "/account/numbers"),
        ("GET", "/number/search"),
        ("POST", "/number/buy"),
        ("POST", "/number/cancel"),
        ("POST", "/number/update"),
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("/number/search", True, id="vonage"),
        pytest.param("/_mockery", True, id="not-the-prefix"),
        pytest.param("/_mock", False, id="prefix"),
        pytest.param("/_mock/nothing", False, id="under-prefix"),
    ],
)
def test_is_vonage_path(path: str, expected: bool) -> None:
    assert is_vonage_path(path) is expected
