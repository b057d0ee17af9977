"""The app factory: routes, the one error handler, and a lifespan that builds fresh state."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from mock_server import __version__, control_api, messages, vonage_api
from mock_server.errors import InvalidParameters, VonageError
from mock_server.fixtures import FixtureFile, load_fixture_file
from mock_server.operations import BY_PATH
from mock_server.rendering import negotiate
from mock_server.runtime import Runtime
from mock_server.settings import Settings

logger = logging.getLogger("mock_server")


def create_app(
    settings: Settings | None = None,
    fixtures: FixtureFile | None = None,
    ca_cert: Path | None = None,
) -> FastAPI:
    """A new app with its own state; the fixtures are read from settings unless given."""
    settings = settings or Settings()
    runtime = Runtime(settings, fixtures or load_fixture_file(settings.fixtures), ca_cert)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.reset()
        yield

    app = FastAPI(
        title="vonage-numbers-mock control API",
        version=__version__,
        lifespan=lifespan,
        openapi_url=f"{control_api.PREFIX}/openapi.json",
        docs_url=f"{control_api.PREFIX}/docs",
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.include_router(vonage_api.router)
    app.include_router(control_api.router)
    _install_error_handlers(app, runtime)
    return app


def _install_error_handlers(app: FastAPI, runtime: Runtime) -> None:
    def render(request: Request, error: VonageError, status: int | None = None) -> Response:
        return runtime.renderer.error(
            error,
            BY_PATH.get(request.url.path),
            negotiate(request.headers.get("accept")),
            status or runtime.http_status(error.error_code),
        )

    async def vonage_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, VonageError)
        return render(request, error)

    async def validation_error(request: Request, error: Exception) -> Response:
        # FastAPI's 422 body would mean nothing to a Vonage client: answer Vonage's 400.
        assert isinstance(error, RequestValidationError)
        fields = {str(e["loc"][-1]): messages.FIELD_INVALID for e in error.errors()}
        return render(request, InvalidParameters(fields or {"request": messages.FIELD_INVALID}))

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        code = str(error.status_code)
        return render(request, VonageError(str(error.detail).lower(), code), error.status_code)

    async def unexpected_error(request: Request, error: Exception) -> Response:
        logger.exception("unexpected error on %s %s", request.method, request.url.path)
        return render(request, VonageError(messages.INTERNAL_ERROR), 500)

    app.add_exception_handler(VonageError, vonage_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)
