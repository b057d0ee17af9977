"""Serving the app: one HTTP and one HTTPS listener on the same app, in one event loop."""

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI

from mock_server import tls
from mock_server.app import create_app
from mock_server.faults import FaultRule
from mock_server.fixtures import FixtureFile
from mock_server.settings import Settings

# uvicorn configures its own loggers only: speak through its error logger so messages show.
logger = logging.getLogger("uvicorn.error")

SHUTDOWN_GRACE_SECONDS = 1


class _Listener(uvicorn.Server):
    """A uvicorn server that leaves signals to the runner, which stops every listener at once."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def tls_files(settings: Settings) -> tls.TlsFiles:
    """The user's certificate when given, otherwise the local CA's, created on first use."""
    if settings.tls_cert is not None and settings.tls_key is not None:
        return tls.user_supplied(settings.tls_cert, settings.tls_key)
    return tls.ensure_certificates(settings.tls_dir, settings.tls_names)


async def serve(
    settings: Settings, fixtures: FixtureFile, start_rules: Sequence[FaultRule] = ()
) -> None:
    """Run until SIGINT or SIGTERM."""
    files = tls_files(settings) if settings.https_port else None
    app = create_app(settings, fixtures, files.ca_cert if files else None, start_rules)
    # The HTTP listener runs the lifespan (builds the state); the HTTPS one shares the app.
    listeners = [_Listener(_config(app, settings, settings.port, lifespan="on"))]
    if files is not None:
        https = _config(
            app,
            settings,
            settings.https_port,
            lifespan="off",
            ssl_certfile=str(files.cert_chain),
            ssl_keyfile=str(files.key),
        )
        listeners.append(_Listener(https))
    app.state.runtime.drop_connection = partial(_drop, listeners)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _stop, listeners)
    first = asyncio.create_task(listeners[0].serve())
    while not listeners[0].started and not first.done():
        await asyncio.sleep(0.01)
    if files is not None:
        logger.info("TLS certificate %s; clients trust the CA %s", files.cert_chain, files.ca_cert)
    await asyncio.gather(first, *(listener.serve() for listener in listeners[1:]))


def _config(
    app: FastAPI,
    settings: Settings,
    port: int,
    lifespan: Literal["on", "off"],
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=settings.host,
        port=port,
        lifespan=lifespan,
        log_level=settings.log_level,
        access_log=False,
        # An idle keep-alive TLS client never answers the close_notify of a shutdown, and asyncio
        # waits 30 s for it: bound the wait so SIGTERM stops the mock within about a second.
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
    )


def _drop(listeners: list[_Listener], scope: Mapping[str, Any]) -> None:
    """Abort the connection a request came on: the client sees it closed, with no answer."""
    client, server = tuple(scope.get("client") or ()), tuple(scope.get("server") or ())
    for listener in listeners:
        for connection in list(listener.server_state.connections):
            # uvicorn's protocols record the peer and local addresses of their connection.
            if getattr(connection, "client", None) == client and (
                getattr(connection, "server", None) == server
            ):
                connection.transport.abort()
                return
    raise ConnectionAbortedError(f"no open connection from {client}")


def _stop(listeners: list[_Listener]) -> None:
    for listener in listeners:
        listener.should_exit = True
