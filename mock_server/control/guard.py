"""The control API's door: who may call it (Host, Origin, admin token) and how much they may send.

Checked in this order, each before anything reads the request's body:

1. Host and Origin. A web page the user happens to open must not drive the mock: a foreign
   `Origin` is refused, and so is a `Host` that is not a name the mock serves, which is what a
   page using DNS rebinding sends (Vite and Jupyter refuse it so). IP-literal hosts are always
   served: a rebinding attack needs a name. The dashboard's page and files (a plain GET) are let
   through: they hold no data.
2. The admin token (api.admin_denial), but on the open routes (health, the CA, the dashboard).
3. The body size: the declared Content-Length, then the bytes as they arrive, against
   --max-state-bytes for PUT /state and --max-control-body-bytes for every other route.
"""

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.control import api
from mock_server.domain import messages
from mock_server.domain.errors import BodyTooLarge, ControlProblem, ForeignRequest
from mock_server.settings import Settings, flag_and_variable
from mock_server.vonage.rendering import problem

# Names every loopback interface answers to (RFC 6761: *.localhost is loopback too).
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def host_name(host_header: str) -> str:
    """The name or address of a Host header, without its port and brackets, lower-cased."""
    value = host_header.strip().lower()
    if value.startswith("["):
        return value[1:].partition("]")[0]
    name, _, port = value.rpartition(":")
    return name if name and port.isdigit() else value


def is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class HostPolicy:
    """The names the control API answers to: loopback names, IP literals, and `names`."""

    names: frozenset[str]

    @classmethod
    def of(cls, names: Iterable[str]) -> "HostPolicy":
        return cls(frozenset(name.strip().lower().rstrip(".") for name in names if name.strip()))

    def serves(self, host_header: str) -> bool:
        name = host_name(host_header).rstrip(".")
        return (
            name in LOOPBACK_NAMES
            or name.endswith(".localhost")
            or name in self.names
            or is_ip_literal(name)
        )


def foreign_denial(scope: Scope, headers: Headers, hosts: HostPolicy) -> ForeignRequest | None:
    """Why a request may not use the control API from where it comes, or None when it may."""
    host = headers.get("host")
    if host is not None and not hosts.serves(host):
        return ForeignRequest("Host", messages.UNKNOWN_HOST.format(host=host))
    origin = headers.get("origin")
    if origin is not None:
        own = f"{scope.get('scheme', 'http')}://{host}".lower()
        if host is None or origin.strip().lower() != own:
            return ForeignRequest("Origin", messages.FOREIGN_ORIGIN.format(origin=origin))
    return None


def _matches(routes: Sequence[BaseRoute], scope: Scope, full: bool = False) -> bool:
    # A partial match is a route asked with another method: its 405 needs no token.
    wanted = (Match.FULL,) if full else (Match.FULL, Match.PARTIAL)
    return any(route.matches(scope)[0] in wanted for route in routes)


@dataclass(frozen=True, slots=True)
class BodyLimit:
    limit: int
    setting: str

    def problem(self) -> BodyTooLarge:
        flag, variable = flag_and_variable(self.setting)
        detail = messages.BODY_TOO_LARGE.format(limit=self.limit, flag=flag, variable=variable)
        return BodyTooLarge(None, detail)


class ControlGuard:
    """The checks of this module's docstring, around the control app."""

    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        server_names: Iterable[str],
        open_routes: Sequence[BaseRoute],
        page_routes: Sequence[BaseRoute],
        state_routes: Sequence[BaseRoute],
    ) -> None:
        self.app, self.token = app, settings.admin_token
        self.hosts = HostPolicy.of([*server_names, *settings.allowed_hosts])
        self.open_routes, self.page_routes, self.state_routes = (
            open_routes, page_routes, state_routes
        )  # fmt: skip
        self.state_limit = BodyLimit(settings.max_state_bytes, "max_state_bytes")
        self.body_limit = BodyLimit(settings.max_control_body_bytes, "max_control_body_bytes")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        denial = self._denial(scope, headers)
        if denial is not None:
            await _refuse(denial, headers, scope, receive, send)
            return
        limit = self.state_limit if _matches(self.state_routes, scope, True) else self.body_limit
        if _declared_length(headers) > limit.limit:
            await _refuse(limit.problem(), headers, scope, receive, send)
            return
        body = await _read_bounded(receive, limit.limit)
        if body is None:
            await _refuse(limit.problem(), headers, scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    def _denial(self, scope: Scope, headers: Headers) -> ControlProblem | None:
        page = scope["method"] == "GET" and _matches(self.page_routes, scope, True)
        if not page:
            foreign = foreign_denial(scope, headers, self.hosts)
            if foreign is not None:
                return foreign
        if _matches(self.open_routes, scope):
            return None
        return api.admin_denial(headers, self.token)


def _declared_length(headers: Headers) -> int:
    try:
        return int(headers.get("content-length", "0"))
    except ValueError:  # the server refuses such a head before it gets here
        return 0


def _has_body(headers: Headers) -> bool:
    return _declared_length(headers) > 0 or "transfer-encoding" in headers


async def _read_bounded(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it passes `limit` bytes (the rest is never read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away; the app sees an empty body and answers no one
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the body read already, then what the connection says next."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


async def _refuse(
    error: ControlProblem, headers: Headers, scope: Scope, receive: Receive, send: Send
) -> None:
    """Answers the problem; a connection whose body is left unread is closed after it."""
    extra: dict[str, str] = {"WWW-Authenticate": "Bearer"} if error.status == 401 else {}
    if _has_body(headers):
        extra["Connection"] = "close"
    response = problem(error.status, error.title, error.detail, error.field, extra or None)
    await response(scope, receive, send)
