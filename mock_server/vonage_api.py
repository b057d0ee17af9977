"""The five Numbers API routes: parse the parameters, call one inventory operation, render."""

from fastapi import APIRouter, Depends
from starlette.responses import Response

from mock_server import params as parse
from mock_server.dependencies import Caller, Format, Params, RuntimeDep, authenticated_account
from mock_server.operations import Operation
from mock_server.rendering import available_wire, owned_wire

# Authentication is a router dependency: it runs before anything a route depends on, so a bad
# credential is answered 401 before a missing field (400) or a failing operation (420).
router = APIRouter(dependencies=[Depends(authenticated_account)], include_in_schema=False)


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
    runtime.inventory.update(caller, ref, changes)
    return runtime.renderer.success(fmt)
