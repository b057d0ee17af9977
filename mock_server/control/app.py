"""The control plane as its own app, mounted at /_mock: its routes, its problems, its guard.

Every error it answers is an RFC 7807 problem; the Vonage edge that mounts it never sees one.
"""

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp

from mock_server import __version__
from mock_server.control import api, dashboard, docs, inbound
from mock_server.control.guard import ControlGuard
from mock_server.domain import messages
from mock_server.domain.errors import ControlProblem, StateNotSaved
from mock_server.runtime import Runtime
from mock_server.serving.tls import certificate_names, server_names
from mock_server.state.document import FixtureError, location_text
from mock_server.vonage.rendering import problem

TITLE = "vonage-numbers-mock control API"
SUMMARY = "Control the emulated Vonage Numbers API: state, journal, faults."


def create_control_app(runtime: Runtime) -> ASGIApp:
    """The control plane on `runtime`, behind its guard (Host, Origin, token, body size)."""
    app = FastAPI(
        title=TITLE,
        summary=SUMMARY,
        version=__version__,
        # Served by the control router instead, behind the admin token.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    routers = (api.public, dashboard.pages, docs.assets, api.router, docs.page, inbound.router,
               dashboard.data)  # fmt: skip
    for router in routers:
        app.include_router(router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    _install_error_handlers(app)
    pages = [*dashboard.pages.routes, *docs.assets.routes]
    # Routes that take a whole state document: PUT /state, and POST /worlds with its fixtures.
    documents = ("/state", "/worlds")
    state = [route for route in api.router.routes if getattr(route, "path", None) in documents]
    settings = runtime.settings
    names = server_names(settings.tls_names)
    if settings.tls_cert is not None:  # the user's certificate: its names are served too
        names += certificate_names(settings.tls_cert)
    return ControlGuard(app, runtime.settings, names, [*api.public.routes, *pages], pages, state)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The document with the paths clients call: the routes' paths under the mount point."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, summary=app.summary, routes=app.routes
        )
        schema["paths"] = {api.PREFIX + path: item for path, item in schema["paths"].items()}
        app.openapi_schema = schema
    return app.openapi_schema


def problem_response(error: ControlProblem) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return problem(error.status, error.title, error.detail, error.field, headers)


def _field(location: Sequence[int | str]) -> str:
    # Leave out where the value was (body, query) and pydantic's names of union members, which
    # hold brackets ("list[...]"); field names never do.
    names = [p for p in location if p not in ("body", "query", "path") and "[" not in str(p)]
    return location_text(names) or "document"


def _first_problem(error: RequestValidationError) -> tuple[str, str]:
    """The field at fault and what is wrong with it, from the union member the body fits."""
    problems = error.errors()

    def fits(problem: Any) -> bool:
        tags = [p for p in problem["loc"] if isinstance(p, str) and "[" in p]
        return not tags or tags[0].startswith("list[") == isinstance(error.body, list)

    first = next((p for p in problems if fits(p)), problems[0])
    if first["type"] == "json_invalid":
        return "document", first["msg"]
    # A validator's own words, without pydantic's "Value error, " before them.
    return _field(first["loc"]), str(first["msg"]).removeprefix("Value error, ")


def _install_error_handlers(app: FastAPI) -> None:
    async def control_problem(request: Request, error: Exception) -> Response:
        assert isinstance(error, ControlProblem)
        return problem_response(error)

    async def fixture_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, FixtureError)
        return problem(400, "Invalid state document", error.problem, error.location)

    async def validation_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        field, message = _first_problem(error)
        return problem(400, "Invalid request", message, field)

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        detail = str(error.detail)
        return problem(error.status_code, detail, detail, None, error.headers)

    async def state_not_saved(request: Request, error: Exception) -> Response:
        # The state file could not record the change (already logged): it was not made.
        return problem(503, messages.STATE_NOT_SAVED_TITLE, messages.STATE_NOT_SAVED)

    async def unexpected_error(request: Request, error: Exception) -> Response:
        # Not logged here: the error goes on up after this answer, and the server logs it once.
        return problem(500, "Internal error", messages.INTERNAL_ERROR)

    app.add_exception_handler(ControlProblem, control_problem)
    app.add_exception_handler(FixtureError, fixture_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(StateNotSaved, state_not_saved)
    app.add_exception_handler(Exception, unexpected_error)
