"""The five Numbers API routes: parse the parameters, call one inventory operation, render.

Every route is a plain endpoint made by `vonage_endpoint`, the one point where a call is
authenticated, put through the rate limits and fault rules (`gate`), journaled, and its errors
rendered. No dependency injection on this path: it is the hot one, and explicit code reads as
well (FastAPI's dependency solving cost more than the work of a search). What the endpoints
answer with (the renderer, the status of a 420, the connection dropper) is an `Edge`, given to
`create_router`.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from mock_server.domain.accounts import Account
from mock_server.domain.errors import (
    ApiProblem,
    AuthenticationFailed,
    ConnectionDrop,
    InvalidParameters,
    RateLimited,
    VonageError,
)
from mock_server.domain.operations import BY_PATH, Operation
from mock_server.domain.phone_number import UpdateMode, update_fields
from mock_server.domain.wire import FAULT_HEADER
from mock_server.runtime import Runtime
from mock_server.simulation import webhooks
from mock_server.simulation.fault_header import FaultHeaderError, parse_fault_header
from mock_server.simulation.faults import Fault, FaultContext
from mock_server.simulation.journal import JournalEntry, redact
from mock_server.simulation.request_log import log_request
from mock_server.vonage import credentials as auth
from mock_server.vonage import queries
from mock_server.vonage.answer_cache import AnswerCache, journal_excerpt
from mock_server.vonage.rendering import (
    Negotiated,
    Renderer,
    available_wire,
    negotiate,
    owned_wire,
)
from mock_server.vonage.request import request_params
from mock_server.worlds import World

# How the server closes a client's connection without answering, given the request's scope.
ConnectionDropper = Callable[[Mapping[str, Any]], None]


def no_connection(scope: Mapping[str, Any]) -> None:
    """The dropper of an app without a real server (a test client): it cannot close anything."""
    raise ConnectionAbortedError("the fault rule dropped the connection")


class Edge:
    """What the Vonage routes answer with, besides the state: the renderer the settings ask for,
    the HTTP status of each error code, and how a fault drops a connection."""

    def __init__(
        self, runtime: Runtime, drop_connection: ConnectionDropper = no_connection
    ) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.renderer = Renderer(settings.empty_numbers, settings.xml_names)
        self.method_failed_status = settings.method_failed_status
        self.drop_connection = drop_connection
        self.answers = AnswerCache(settings.answer_cache)

    def http_status(self, error_code: str) -> int:
        """The HTTP status carrying a Vonage error code (420's is a setting)."""
        if error_code == "420":
            return self.method_failed_status
        return int(error_code)

    def error_response(
        self, request: Request, error: VonageError | ApiProblem, status: int | None = None
    ) -> Response:
        """A Vonage error in the format the client asked for."""
        if isinstance(error, ApiProblem):  # raised by the other APIs only; answered all the same
            error = VonageError(error.detail, str(error.status))
        return self.renderer.error(
            error,
            BY_PATH.get(request.scope["path"]),
            negotiate(request.headers.get("accept")),
            status or self.http_status(error.error_code),
            error.headers,
        )


@dataclass(slots=True)
class Call:
    """One call of a Numbers API operation, as it goes through the endpoint: in the base world
    until its credentials name the world it belongs to."""

    request: Request
    runtime: Runtime
    renderer: Renderer
    operation: Operation
    format: Negotiated
    params: dict[str, str]
    answers: AnswerCache
    world: World
    api_key: str | None = None
    api_secret: str | None = None
    fault: str | None = None


Handler = Callable[[Call, Account], Awaitable[Response]]
# How an API other than the Numbers API answers its errors (its own renderer's bodies).
ErrorRenderer = Callable[[VonageError | ApiProblem], Response]


def vonage_endpoint(
    edge: Edge, operation: Operation, handler: Handler, render_error: ErrorRenderer | None = None
) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint of one operation: credentials first (401 before anything), then the gate,
    then the handler; errors rendered in the negotiated format (or by `render_error`, for the
    APIs with bodies of their own); the call journaled."""
    runtime, renderer = edge.runtime, edge.renderer

    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        negotiated = negotiate(request.headers.get("accept"))
        call = Call(
            request, runtime, renderer, operation, negotiated, {}, edge.answers, runtime.base
        )
        try:
            call.params = await request_params(request)
            caller = _authenticate(call)
            await _gate(call, caller)
            response = await handler(call, caller)
        except (VonageError, ApiProblem) as error:
            if render_error is not None:
                response = render_error(error)
            else:
                response = edge.error_response(request, error)
        except ClientDisconnect:
            # The client left before its body arrived: nobody to answer, nothing changed.
            call.fault = "client disconnected"
            _record(call, started, None)
            return Response(status_code=499)
        except ConnectionDrop:
            _record(call, started, None)
            edge.drop_connection(request.scope)
            # Let the transport report itself lost, so the server sends nothing after this.
            await asyncio.sleep(0)
            return Response(status_code=499)
        _record(call, started, response)
        return response

    return endpoint


def _authenticate(call: Call) -> Account:
    given = auth.credentials(call.request.headers.get("authorization"), call.params)
    call.api_key = given.api_key  # for the journal, even when it is wrong
    call.api_secret = given.api_secret  # kept out of the journal's copy of the answer
    call.world = call.runtime.worlds.for_key(given.api_key)
    return call.world.inventory.accounts.authenticate(given.api_key, given.api_secret)


def _record(call: Call, started: float, response: Response | None) -> None:
    body = bytes(response.body) if response is not None else None
    entry = call.world.journal.record(
        JournalEntry(
            time=datetime.now(UTC),
            method=call.request.method,
            path=call.request.scope["path"],  # as called: `/accounts/abc/subaccounts`
            operation=call.operation.value,
            api_key=call.api_key,
            params=redact(call.params),
            status=response.status_code if response is not None else None,
            response=journal_excerpt(body, call.api_secret) if body is not None else None,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            fault=call.fault,
        )
    )
    if call.runtime.settings.log_requests:
        log_request(entry)


async def _gate(call: Call, caller: Account) -> None:
    """Rate limits, then fault rules (the plan's, or the X-Mock-Fault header's) for this call."""
    operation = call.operation.value
    limiter = call.world.rate_limiter
    if limiter is not None:
        wait = limiter.check(caller.api_key, operation)
        if wait is not None:
            raise RateLimited(wait)
    context = FaultContext(
        operation, caller.api_key, call.params.get("msisdn"), call.params.get("country")
    )
    fault = _fault_for(call, context)
    if fault is not None:
        call.fault = fault.describe()
        await _apply(fault)


def _fault_for(call: Call, context: FaultContext) -> Fault | None:
    header = call.request.headers.get(FAULT_HEADER)
    if header is None:
        return call.world.faults.draw(context)
    try:
        return call.world.faults.resolve(parse_fault_header(header))
    except FaultHeaderError as error:
        raise InvalidParameters({error.field: error.problem}) from error


async def _apply(fault: Fault) -> None:
    if fault.latency_ms:
        await asyncio.sleep(fault.latency_ms / 1000)
    if fault.drop:
        raise ConnectionDrop()
    if fault.status == 401:
        raise AuthenticationFailed(fault.label)
    if fault.status == 429:
        raise RateLimited(label=fault.label)
    if fault.status is not None:
        raise VonageError(fault.label, str(fault.status))


# -- the operations ----------------------------------------------------------------------------


async def list_owned(call: Call, caller: Account) -> Response:
    query = queries.owned_query(call.params)
    return call.answers.answer(
        call.world.inventory,
        (call.operation, caller.api_key, query, call.format),
        lambda now: call.renderer.page(now.list_owned(caller, query), owned_wire, call.format),
    )


async def search(call: Call, caller: Account) -> Response:
    query = queries.search_query(call.params)
    return call.answers.answer(
        call.world.inventory,
        (call.operation, caller.api_key, query, call.format),
        lambda now: call.renderer.page(now.search(query), available_wire, call.format),
    )


async def buy(call: Call, caller: Account) -> Response:
    ref, target = queries.number_ref(call.params), queries.target_api_key(call.params)
    await call.world.write(lambda inventory: inventory.plan_buy(caller, ref, target))
    return call.renderer.success(call.format)


async def cancel(call: Call, caller: Account) -> Response:
    ref, target = queries.number_ref(call.params), queries.target_api_key(call.params)
    await call.world.write(lambda inventory: inventory.plan_cancel(caller, ref, target))
    return call.renderer.success(call.format)


async def update(call: Call, caller: Account) -> Response:
    ref, given = queries.update_changes(call.params)
    runtime = call.runtime
    changes = update_fields(given, UpdateMode(runtime.settings.update_mode))
    mo_http_url = changes.get("mo_http_url")
    if mo_http_url and runtime.settings.verify_webhooks:
        # Vonage GETs a new moHttpUrl and refuses the update unless it answers 200 OK. The probe
        # is awaited before the inventory is touched, so without its lock, and a refusal (a 420)
        # changes nothing. An empty moHttpUrl removes the webhook: nothing to check.
        await webhooks.verify_mo_http_url(
            runtime.webhooks, call.world.journal, mo_http_url, caller.api_key, redact(call.params)
        )
    await call.world.write(lambda inventory: inventory.plan_update(caller, ref, changes))
    return call.renderer.success(call.format)


HANDLERS: dict[Operation, tuple[str, Handler]] = {
    Operation.LIST: ("GET", list_owned),
    Operation.SEARCH: ("GET", search),
    Operation.BUY: ("POST", buy),
    Operation.CANCEL: ("POST", cancel),
    Operation.UPDATE: ("POST", update),
}


# The routes as clients call them, method and path: where an unmatched request finds its hint.
ROUTES: tuple[tuple[str, str], ...] = tuple(
    (method, operation.path) for operation, (method, _) in HANDLERS.items()
)


def create_router(edge: Edge) -> APIRouter:
    """The five routes, answering through `edge`."""
    return add_routes(APIRouter(), edge, HANDLERS)


def add_routes(
    router: APIRouter,
    edge: Edge,
    handlers: Mapping[Operation, tuple[str, Handler]],
    render_error: ErrorRenderer | None = None,
) -> APIRouter:
    """`handlers` as routes of `router`, each through `vonage_endpoint`."""
    for operation, (method, handler) in handlers.items():
        router.add_route(
            operation.path,
            vonage_endpoint(edge, operation, handler, render_error),
            methods=[method],
            include_in_schema=False,
        )
    return router
