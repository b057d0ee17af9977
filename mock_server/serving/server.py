"""Serving the app: one HTTP and one HTTPS listener on the same app, in one event loop.

`serve` runs them in the foreground until SIGINT/SIGTERM (the CLI); `BackgroundServer` runs them
in a thread on ports the OS picks (running_mock and the pytest plugin).
"""

import asyncio
import contextlib
import ipaddress
import signal
import socket
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI

from mock_server.domain import messages
from mock_server.domain.errors import MockError
from mock_server.runtime import Runtime
from mock_server.serving import event_loop, tls
from mock_server.serving.app import create_app
from mock_server.serving.banner import Listening, start_lines
from mock_server.serving.logs import STOPPED, STOPPING, install_log_limits, log_config, logger
from mock_server.serving.protocols import GuardedConnection, TransportLimits, guarded
from mock_server.settings import Settings
from mock_server.simulation.faults import FaultRule
from mock_server.state.document import FixtureFile

SHUTDOWN_GRACE_SECONDS = 1


class ListenError(MockError):
    """A listener could not start: the port is taken, or not ours to use."""


class _Listener(uvicorn.Server):
    """A uvicorn server on a socket bound in advance, leaving signals to the runner.

    Binding here rather than in uvicorn turns a taken port into one clear ListenError before
    anything starts (uvicorn would log it and exit the whole process from inside its task).
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.socket = _bind(config.host, config.port)

    async def serve_bound(self) -> None:
        await self.serve(sockets=[self.socket])

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # An idle keep-alive TLS client never answers the close_notify of a graceful close, so
        # such connections would hold the shutdown for its whole grace period: abort them.
        # Connections with a response in flight are left to finish.
        for connection in list(self.server_state.connections):
            cycle = getattr(connection, "cycle", None)
            idle = cycle is None or cycle.response_complete
            if idle and connection.transport.get_extra_info("sslcontext") is not None:
                connection.transport.abort()
        await super().shutdown(sockets)

    async def _wait_tasks_to_complete(self) -> None:
        # uvicorn cancels this wait when the grace ends, then cancels the requests still running
        # (and would answer each a plain 500): answer them first.
        try:
            await super()._wait_tasks_to_complete()
        except asyncio.CancelledError:
            interrupted = sum(
                connection.interrupt()
                for connection in list(self.server_state.connections)
                if isinstance(connection, GuardedConnection)
            )
            if interrupted:
                logger.warning(
                    "Answered 503 to %d request(s) still running when the %d s grace ended",
                    interrupted,
                    SHUTDOWN_GRACE_SECONDS,
                )
            raise

    @property
    def port(self) -> int:
        """The port it listens on (the one the OS picked when configured with 0)."""
        port: int = self.socket.getsockname()[1]
        return port


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or a name to listen on) is reachable from this machine only."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def exposure_warning(settings: Settings) -> str | None:
    """What to warn of at start: a control API open to anyone beyond this machine."""
    if settings.admin_token is not None or is_loopback(settings.host):
        return None
    return messages.OPEN_CONTROL_API % (settings.host or "all interfaces")


def tls_files(settings: Settings) -> tls.TlsFiles:
    """The user's certificate when given, otherwise the local CA's, created on first use."""
    if settings.tls_cert is not None and settings.tls_key is not None:
        return tls.user_supplied(settings.tls_cert, settings.tls_key)
    return tls.ensure_certificates(settings.tls_dir, settings.tls_names, settings.regenerate_ca)


class MockServer:
    """The app and its listeners: HTTP, and HTTPS unless turned off.

    The listeners bind their sockets when it is made: a port of 0 is one the system picked, and
    `http_port` and `https_port` say which.
    """

    def __init__(
        self, settings: Settings, fixtures: FixtureFile, start_rules: Sequence[FaultRule] = ()
    ) -> None:
        self.settings = settings
        self.tls = tls_files(settings) if settings.https else None
        ca_cert = self.tls.ca_cert if self.tls else None
        self.app = create_app(settings, fixtures, ca_cert, start_rules, self._drop_connection)
        self.limits = TransportLimits(settings)
        self.protocol = guarded(self.limits, settings.http_parser)
        # The HTTP listener runs the lifespan (builds the state); the HTTPS one shares the app.
        self.http = _Listener(_config(self.app, settings, self.protocol, settings.port, "on"))
        self.https = None
        if self.tls is not None:
            https = _config(
                self.app,
                settings,
                self.protocol,
                settings.https_port,
                lifespan="off",
                ssl_certfile=str(self.tls.cert_chain),
                ssl_keyfile=str(self.tls.key),
            )
            try:
                self.https = _Listener(https)
            except ListenError:
                self.http.socket.close()
                raise
        if (warning := exposure_warning(settings)) is not None:
            logger.warning("%s", warning)

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    @property
    def listeners(self) -> list[_Listener]:
        return [self.http] if self.https is None else [self.http, self.https]

    def _drop_connection(self, scope: Mapping[str, Any]) -> None:
        _drop(self.listeners, scope)

    @property
    def http_port(self) -> int:
        return self.http.port

    @property
    def https_port(self) -> int | None:
        return self.https.port if self.https is not None else None

    @property
    def started(self) -> bool:
        return all(listener.started for listener in self.listeners)

    async def serve(self) -> None:
        """Run until `stop()`; the HTTPS listener starts once the state is built."""
        first = asyncio.create_task(self.http.serve_bound())
        await _until_started([self.http], [first])
        tasks = [first, *(asyncio.create_task(it.serve_bound()) for it in self.listeners[1:])]
        await _until_started(self.listeners, tasks)
        if self.started:
            for line in start_lines(self.listening()):
                logger.info("%s", line)
        await asyncio.gather(*tasks)
        logger.info(STOPPED)

    def stop(self) -> None:
        if not any(listener.should_exit for listener in self.listeners):
            logger.info(STOPPING)
        for listener in self.listeners:
            listener.should_exit = True

    def listening(self) -> Listening:
        """Where it listens and what clients need, as the start block reports it."""
        primary = next((a for a in self.runtime.base.inventory.accounts if a.parent is None), None)
        return Listening(
            host=self.settings.host,
            http_port=self.http_port,
            https_port=self.https_port,
            ca_cert=self.tls.ca_cert if self.tls else None,
            certificate=self.tls.cert_chain if self.tls else None,
            accounts_from=self.runtime.loaded_from,
            primary_api_key=primary.api_key if primary else None,
            state_file=self.settings.state_file,
            admin_token=self.settings.admin_token is not None,
        )


async def serve(
    settings: Settings, fixtures: FixtureFile, start_rules: Sequence[FaultRule] = ()
) -> None:
    """Run until SIGINT or SIGTERM."""
    server = MockServer(settings, fixtures, start_rules)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, server.stop)
    await server.serve()


class BackgroundServer:
    """A MockServer in a thread of its own, for tests: `start()` returns once both answer."""

    def __init__(
        self, settings: Settings, fixtures: FixtureFile, start_rules: Sequence[FaultRule] = ()
    ) -> None:
        self.server = MockServer(settings, fixtures, start_rules)
        self._thread = threading.Thread(target=self._run, name="vonage-numbers-mock", daemon=True)
        self._failure: BaseException | None = None

    def start(self, timeout: float = 30.0) -> "BackgroundServer":
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not self.server.started:
            self.stop()
            raise RuntimeError(f"the mock server did not start: {self._failure!r}")
        return self

    def stop(self) -> None:
        self.server.stop()
        self._thread.join(timeout=10)

    @property
    def http_port(self) -> int:
        return self.server.http_port

    @property
    def https_port(self) -> int | None:
        return self.server.https_port

    def _run(self) -> None:
        try:
            event_loop.run(self.server.serve(), self.server.settings.event_loop)
        except BaseException as error:  # reported by start()
            self._failure = error


async def _until_started(
    listeners: Sequence[_Listener], tasks: Sequence[asyncio.Task[None]]
) -> None:
    """Wait until the listeners answer, or one of them has failed."""
    while not all(it.started for it in listeners) and not any(t.done() for t in tasks):
        await asyncio.sleep(0.01)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only when the listening
    # socket says so, and without it every keep-alive request waits ~40 ms on delayed ACKs.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise ListenError(f"cannot listen on {host}:{port}: {error.strerror}") from error
    return sock


def _config(
    app: FastAPI,
    settings: Settings,
    protocol: type[asyncio.Protocol],
    port: int,
    lifespan: Literal["on", "off"],
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
) -> uvicorn.Config:
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=port,
        lifespan=lifespan,
        log_config=log_config(settings),
        log_level=settings.log_level,
        access_log=False,
        # A TLS close waits up to 30 s for the client's close_notify: bound the wait for
        # connections that were busy at shutdown, so SIGTERM stops the mock within a second.
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
        # The protocol on the chosen parser, bounded by the settings' limits (head size, head
        # time, connections), its class shared by both listeners.
        http=protocol,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
    )
    # After uvicorn has configured its loggers (making the Config does it).
    install_log_limits()
    return config


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
