"""The app factory: the Vonage edge with the control plane mounted, and a lifespan that builds
fresh state."""

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.control.api import PREFIX
from mock_server.control.app import create_control_app
from mock_server.domain import messages
from mock_server.domain.errors import VonageError
from mock_server.domain.operations import Operation
from mock_server.runtime import Runtime
from mock_server.serving.fast_path import FastPath, direct_endpoints
from mock_server.settings import Settings
from mock_server.simulation.faults import FaultRule
from mock_server.state.document import FixtureFile, load_fixture_file
from mock_server.vonage import (
    account_rendering,
    account_routes,
    subaccounts_rendering,
    subaccounts_routes,
)
from mock_server.vonage.routes import (
    ROUTES,
    ConnectionDropper,
    Edge,
    ErrorRenderer,
    create_router,
    no_connection,
)
from mock_server.vonage.unmatched import UnmatchedRecorder, is_vonage_path

# Every route of the Vonage APIs, where an unmatched request looks for the one it meant.
ALL_ROUTES = (*ROUTES, *account_routes.ROUTES, *subaccounts_routes.ROUTES)
# Routing's answers to a request for no route: a path nobody serves, or a method it does not take.
UNMATCHED_STATUSES = frozenset({404, 405})


def create_app(
    settings: Settings | None = None,
    fixtures: FixtureFile | None = None,
    ca_cert: Path | None = None,
    start_rules: Sequence[FaultRule] = (),
    drop_connection: ConnectionDropper = no_connection,
) -> FastAPI:
    """A new app with its own state; the fixtures are read from settings unless given.

    `drop_connection` is how the server closes a connection a fault rule drops.
    """
    settings = settings or Settings()
    fixtures = fixtures or load_fixture_file(settings.fixtures)
    runtime = Runtime(settings, fixtures, ca_cert, start_rules)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.start()
        yield
        await runtime.stop()

    # The Vonage edge: its own answers and errors are Vonage's. It describes nothing: the
    # control plane serves its own OpenAPI document, behind the admin token.
    app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
    app.state.runtime = runtime
    edge = Edge(runtime, drop_connection)
    vonage = create_router(edge)
    app.include_router(vonage)
    app.include_router(account_routes.create_router(edge))
    app.include_router(subaccounts_routes.create_router(edge))
    app.add_middleware(FastPath, endpoints=direct_endpoints(vonage.routes, ROUTES))
    app.add_route("/", _to_dashboard, methods=["GET", "HEAD"], include_in_schema=False)
    app.mount(PREFIX, HeadAsGet(create_control_app(runtime)))
    unmatched = UnmatchedRecorder(
        lambda api_key: runtime.worlds.for_key(api_key).journal,
        ALL_ROUTES,
        runtime.settings.log_requests,
    )
    _install_error_handlers(app, edge, unmatched)
    return app


async def _to_dashboard(request: Request) -> Response:
    # A person who opens the mock's address in a browser wants the dashboard.
    return RedirectResponse(f"{PREFIX}/ui/", status_code=302)


class HeadAsGet:
    """Answers HEAD as GET, without the body: FastAPI's GET routes do not take HEAD (Starlette's,
    like the Vonage routes, do), and probes and `curl -I` use it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "HEAD":
            # The server leaves out the body of an answer to HEAD, knowing the method it read.
            scope = {**scope, "method": "GET"}
        await self.app(scope, receive, send)


def _own_error_renderer(path: str) -> ErrorRenderer | None:
    """The renderer of the API a path belongs to, when that API has bodies of its own (the
    Account and Subaccounts APIs' problems); None for the Numbers API and unknown paths."""
    if path.startswith("/accounts/"):
        return subaccounts_rendering.error
    if path == Operation.GET_BALANCE.path:
        return account_rendering.error
    return None


def _install_error_handlers(app: FastAPI, edge: Edge, unmatched: UnmatchedRecorder) -> None:
    # The Vonage routes render their own errors; what is left is routing (404, 405) and bugs.
    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        started = time.perf_counter()
        failure = VonageError(str(error.detail).lower(), str(error.status_code))
        failure.headers = dict(error.headers or {})  # a 405 keeps its Allow header
        render = _own_error_renderer(request.scope["path"])
        if render is not None:
            response = render(failure)
        else:
            response = edge.error_response(request, failure, error.status_code)
        if error.status_code in UNMATCHED_STATUSES and is_vonage_path(request.scope["path"]):
            await unmatched.record(request, response, started)
        return response

    async def unexpected_error(request: Request, error: Exception) -> Response:
        # Not logged here: the error goes on up after this answer, and the server logs it once.
        failure = VonageError(messages.INTERNAL_ERROR)
        return edge.error_response(request, failure, 500)

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)
