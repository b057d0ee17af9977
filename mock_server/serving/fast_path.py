"""A shortcut for the Numbers API routes: a call whose method and path are one of theirs goes
straight to its endpoint, past FastAPI's routing.

The Vonage endpoints are plain `Request -> Response` functions that authenticate, gate, journal
and render their own errors, so routing (a match against every route of the app, the control
plane's included) and the exception middleware add nothing to them but time: about as much as a
cached search costs. Installed as a middleware, inside Starlette's server-error middleware: an
unexpected error still gets the app's Vonage-shaped 500. Anything else (HEAD, another method, a
path with parameters, the control plane) goes through the app's routing as before.
"""

from collections.abc import Awaitable, Callable, Iterable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

Endpoint = Callable[[Request], Awaitable[Response]]


def direct_endpoints(
    routes: Iterable[BaseRoute], wanted: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], Endpoint]:
    """The endpoints of `routes` for each (method, path) in `wanted`, by (method, path)."""
    wanted = set(wanted)
    table: dict[tuple[str, str], Endpoint] = {}
    for route in routes:
        if not isinstance(route, Route) or "{" in route.path:
            continue
        for method in route.methods or ():
            if (method, route.path) in wanted:
                table[(method, route.path)] = route.endpoint
    return table


class FastPath:
    """The middleware: `endpoints` by (method, path), the rest to `app`."""

    def __init__(self, app: ASGIApp, endpoints: dict[tuple[str, str], Endpoint]) -> None:
        self.app = app
        self.endpoints = endpoints

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            endpoint = self.endpoints.get((scope["method"], scope["path"]))
            if endpoint is not None:
                response = await endpoint(Request(scope, receive, send))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
