"""The app factory: routes, the error handlers, and a lifespan that builds fresh state."""

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from mock_server import __version__
from mock_server.control import api as control_api
from mock_server.control import dashboard
from mock_server.control import inbound as inbound_api
from mock_server.domain import messages
from mock_server.domain.errors import ControlProblem, InvalidParameters, VonageError
from mock_server.runtime import Runtime
from mock_server.settings import Settings
from mock_server.simulation.faults import FaultRule
from mock_server.state.document import FixtureError, FixtureFile, load_fixture_file, location_text
from mock_server.vonage import routes as vonage_api
from mock_server.vonage.rendering import problem

logger = logging.getLogger("uvicorn.error")


def create_app(
    settings: Settings | None = None,
    fixtures: FixtureFile | None = None,
    ca_cert: Path | None = None,
    start_rules: Sequence[FaultRule] = (),
) -> FastAPI:
    """A new app with its own state; the fixtures are read from settings unless given."""
    settings = settings or Settings()
    fixtures = fixtures or load_fixture_file(settings.fixtures)
    runtime = Runtime(settings, fixtures, ca_cert, start_rules)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.start()
        yield

    app = FastAPI(
        title="vonage-numbers-mock control API",
        summary="Control the emulated Vonage Numbers API: state, journal, faults.",
        version=__version__,
        lifespan=lifespan,
        # Served by the control router instead, behind the admin token.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.include_router(vonage_api.router)
    app.include_router(control_api.public)
    app.include_router(control_api.router)
    app.include_router(inbound_api.router)
    app.include_router(dashboard.pages)
    app.include_router(dashboard.data)
    _install_error_handlers(app, runtime)
    return app


def _is_control(request: Request) -> bool:
    # The scope's path, not request.url: building a URL decodes the query, which may be invalid.
    return str(request.scope["path"]).startswith(control_api.PREFIX + "/")


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
    return _field(first["loc"]), first["msg"]


def _install_error_handlers(app: FastAPI, runtime: Runtime) -> None:
    async def vonage_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, VonageError)
        return vonage_api.error_response(runtime, request, error)

    async def control_problem(request: Request, error: Exception) -> Response:
        assert isinstance(error, ControlProblem)
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        return problem(error.status, error.title, error.detail, error.field, headers)

    async def fixture_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, FixtureError)
        return problem(400, "Invalid state document", error.problem, error.location)

    async def validation_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        if _is_control(request):
            # FastAPI reads the body before any dependency: check the token here too, so that
            # a request without one is a 401 whatever its body.
            denial = control_api.admin_denial(request, runtime)
            if denial is not None:
                return await control_problem(request, denial)
            field, message = _first_problem(error)
            return problem(400, "Invalid request", message, field)
        # FastAPI's 422 body would mean nothing to a Vonage client: answer Vonage's 400.
        fields = {_field(p["loc"]): messages.FIELD_INVALID for p in error.errors()}
        return vonage_api.error_response(runtime, request, InvalidParameters(fields))

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        detail = str(error.detail)
        if _is_control(request):
            return problem(error.status_code, detail, detail, None, error.headers)
        failure = VonageError(detail.lower(), str(error.status_code))
        failure.headers = dict(error.headers or {})  # a 405 keeps its Allow header
        return vonage_api.error_response(runtime, request, failure, error.status_code)

    async def unexpected_error(request: Request, error: Exception) -> Response:
        logger.exception("unexpected error on %s %s", request.method, request.scope["path"])
        if _is_control(request):
            return problem(500, "Internal error", messages.INTERNAL_ERROR)
        failure = VonageError(messages.INTERNAL_ERROR)
        return vonage_api.error_response(runtime, request, failure, 500)

    app.add_exception_handler(VonageError, vonage_error)
    app.add_exception_handler(ControlProblem, control_problem)
    app.add_exception_handler(FixtureError, fixture_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)
