"""The five Numbers API routes: parse the parameters, call one inventory operation, render.

Every route goes through `VonageRoute`, the one point where a call is journaled and its errors
rendered, and through `gate`, the one point where rate limits and fault rules are applied.
"""

import asyncio
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.routing import APIRoute
from starlette.responses import Response

from mock_server import params as parse
from mock_server import webhooks
from mock_server.dependencies import (
    Caller,
    Format,
    Params,
    RuntimeDep,
    authenticated_account,
    runtime_of,
)
from mock_server.errors import (
    AuthenticationFailed,
    ConnectionDrop,
    InvalidParameters,
    RateLimited,
    VonageError,
)
from mock_server.fault_header import FaultHeaderError, parse_fault_header
from mock_server.faults import Fault, FaultContext
from mock_server.journal import JournalEntry, redact
from mock_server.operations import BY_PATH, Operation
from mock_server.rendering import available_wire, negotiate, owned_wire
from mock_server.runtime import Runtime

FAULT_HEADER = "x-mock-fault"

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def error_response(
    runtime: Runtime, request: Request, error: VonageError, status: int | None = None
) -> Response:
    """A Vonage error in the format the client asked for."""
    return runtime.renderer.error(
        error,
        BY_PATH.get(request.url.path),
        negotiate(request.headers.get("accept")),
        status or runtime.http_status(error.error_code),
        error.headers,
    )


class VonageRoute(APIRoute):
    """A Numbers API route: renders its errors, and journals the call with its answer."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        operation = BY_PATH[self.path]

        async def journaled(request: Request) -> Response:
            runtime = runtime_of(request)
            started = time.perf_counter()
            try:
                response = await handler(request)
            except VonageError as error:
                response = error_response(runtime, request, error)
            except ConnectionDrop:
                _record(runtime, request, operation, started, None)
                runtime.drop_connection(request.scope)
                # Let the transport report itself lost, so the server sends nothing after this.
                await asyncio.sleep(0)
                return Response(status_code=499)
            _record(runtime, request, operation, started, response)
            return response

        return journaled


def _record(
    runtime: Runtime,
    request: Request,
    operation: Operation,
    started: float,
    response: Response | None,
) -> None:
    runtime.journal.record(
        JournalEntry(
            time=datetime.now(UTC),
            method=request.method,
            path=request.url.path,
            operation=operation.value,
            api_key=getattr(request.state, "api_key", None),
            params=redact(getattr(request.state, "params", {})),
            status=response.status_code if response is not None else None,
            response=bytes(response.body).decode("utf-8", "replace") if response else None,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            fault=getattr(request.state, "fault", None),
        )
    )


async def gate(request: Request, params: Params, caller: Caller, runtime: RuntimeDep) -> None:
    """Rate limits, then fault rules (the plan's, or the X-Mock-Fault header's) for this call."""
    operation = BY_PATH[request.url.path].value
    if runtime.rate_limiter is not None:
        wait = runtime.rate_limiter.check(caller.api_key, operation)
        if wait is not None:
            raise RateLimited(wait)
    fault = _fault_for(request, runtime, FaultContext(
        operation, caller.api_key, params.get("msisdn"), params.get("country")
    ))  # fmt: skip
    if fault is not None:
        request.state.fault = fault.describe()
        await _apply(fault)


def _fault_for(request: Request, runtime: Runtime, context: FaultContext) -> Fault | None:
    header = request.headers.get(FAULT_HEADER)
    if header is None:
        return runtime.faults.draw(context)
    try:
        return runtime.faults.resolve(parse_fault_header(header))
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


# Authentication comes first among the router's dependencies: a bad credential is answered 401
# before a rate limit, an injected fault, a missing field (400) or a failing operation (420).
router = APIRouter(
    route_class=VonageRoute,
    dependencies=[Depends(authenticated_account), Depends(gate)],
    include_in_schema=False,
)


@router.get(Operation.LIST.path)
async def list_owned(params: Params, caller: Caller, runtime: RuntimeDep, fmt: Format) -> Response:
    page = runtime.inventory.list_owned(caller, parse.owned_query(params))
    return runtime.renderer.page(page, owned_wire, fmt)


@router.get(Operation.SEARCH.path)
async def search(params: Params, runtime: RuntimeDep, fmt: Format) -> Response:
    page = runtime.inventory.search(parse.search_query(params))
    return runtime.renderer.page(page, available_wire, fmt)


@router.post(Operation.BUY.path)
async def buy(params: Params, caller: Caller, runtime: RuntimeDep, fmt: Format) -> Response:
    ref = parse.number_ref(params)
    runtime.inventory.buy(caller, ref, parse.target_api_key(params))
    return runtime.renderer.success(fmt)


@router.post(Operation.CANCEL.path)
async def cancel(params: Params, caller: Caller, runtime: RuntimeDep, fmt: Format) -> Response:
    ref = parse.number_ref(params)
    runtime.inventory.cancel(caller, ref, parse.target_api_key(params))
    return runtime.renderer.success(fmt)


@router.post(Operation.UPDATE.path)
async def update(params: Params, caller: Caller, runtime: RuntimeDep, fmt: Format) -> Response:
    ref, changes = parse.update_changes(params)
    mo_http_url = changes.get("mo_http_url")
    if mo_http_url and runtime.settings.verify_webhooks:
        # Vonage GETs a new moHttpUrl and refuses the update unless it answers 200 OK. The probe
        # is awaited before the inventory is touched, so without its lock, and a refusal (a 420)
        # changes nothing. An empty moHttpUrl removes the webhook: nothing to check.
        await webhooks.verify_mo_http_url(
            runtime.webhooks, runtime.journal, mo_http_url, caller.api_key, redact(params)
        )
    runtime.inventory.update(caller, ref, changes)
    return runtime.renderer.success(fmt)
