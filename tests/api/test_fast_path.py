"""The Numbers API routes' shortcut past routing: the five calls go straight to their endpoints,
everything else still meets the app's routing, and answers are the same either way."""

from fastapi.testclient import TestClient
from starlette.routing import Route
from support.accounts import MASTER

from mock_server.serving.fast_path import FastPath, direct_endpoints
from mock_server.vonage.routes import ROUTES


def _fast_path(client: TestClient) -> dict[tuple[str, str], object]:
    (middleware,) = [m for m in client.app.user_middleware if m.cls is FastPath]  # type: ignore[attr-defined]
    endpoints: dict[tuple[str, str], object] = middleware.kwargs["endpoints"]
    return endpoints


def test_each_numbers_api_route_is_served_directly(client: TestClient) -> None:
    assert set(_fast_path(client)) == set(ROUTES)


def test_a_route_with_path_parameters_or_another_method_is_left_to_routing() -> None:
    async def endpoint(request: object) -> None:
        return None

    routes = [Route("/number/{msisdn}", endpoint, methods=["GET"]), Route("/x", endpoint)]

    assert direct_endpoints(routes, [("GET", "/number/{msisdn}"), ("POST", "/x")]) == {}


def test_a_wrong_method_on_a_numbers_api_path_still_gets_routings_405(client: TestClient) -> None:
    response = client.get("/number/buy", auth=MASTER)

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["error-code"] == "405"


def test_head_of_a_search_still_answers_through_routing(client: TestClient) -> None:
    client.event_hooks["response"] = []  # the vendor's document has no HEAD to check against
    get = client.get("/number/search", params={"country": "GB"}, auth=MASTER)
    head = client.head("/number/search", params={"country": "GB"}, auth=MASTER)

    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == get.headers["content-length"]


def test_a_trailing_slash_is_left_to_routing_which_redirects(client: TestClient) -> None:
    response = client.get(
        "/number/search/", params={"country": "GB"}, auth=MASTER, follow_redirects=False
    )

    assert response.status_code == 307
    assert response.headers["location"].endswith("/number/search?country=GB")
