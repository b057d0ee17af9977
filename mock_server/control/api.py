"""The mock's own API under /_mock/: health, the CA, state, numbers, accounts, journal, faults.

JSON in and out; errors are RFC 7807 problems naming the field at fault. Every route goes
through the same domain objects as the Vonage routes.
"""

import hmac
import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response

from mock_server import __version__
from mock_server.domain.changes import Change
from mock_server.domain.errors import AdminTokenRequired, NotFound
from mock_server.domain.inventory import Inventory
from mock_server.domain.operations import JournalOperation
from mock_server.domain.pool import Block
from mock_server.runtime import Runtime
from mock_server.simulation.faults import FaultRule
from mock_server.simulation.journal import PAGE_LIMIT, JournalQuery
from mock_server.state.document import AccountEntry, AvailableEntry, FixtureFile, check_consistency
from mock_server.vonage.request import RuntimeDep
from mock_server.worlds import World

PREFIX = "/_mock"
PEM = "application/x-pem-file"
STATE_SOURCE = "state document"


def admin_denial(headers: Headers, expected: str | None) -> AdminTokenRequired | None:
    """Why a request with these headers may not use the control API, or None when it may."""
    if expected is None:
        return None
    scheme, _, given = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), expected.encode()):
        return AdminTokenRequired("Authorization", "send 'Authorization: Bearer <admin token>'")
    return None


# Mounted at PREFIX. `public` needs no admin token; every other route of the control plane does
# (control.app's guard checks it before the route, or its body, is looked at).
public = APIRouter(tags=["mock"])
router = APIRouter(tags=["mock"])


def world_of(
    runtime: RuntimeDep,
    world: Annotated[
        str | None,
        Query(description="The world to act on (an id from POST /_mock/worlds); the base "
              "world, with the fixtures' own credentials, when left out."),
    ] = None,
) -> World:  # fmt: skip
    """The world a control call names with `?world=`; 404 for one that does not exist."""
    return runtime.worlds.get(world)


WorldDep = Annotated[World, Depends(world_of)]


def _summary(runtime: Runtime, world: World) -> dict[str, Any]:
    """A world's counts, and how many worlds the server has besides the base world."""
    inventory = world.inventory
    return {
        "status": "ok",
        "version": __version__,
        "accounts": len(inventory.accounts),
        "available": inventory.pool.available,
        "owned": inventory.owned_count,
        "worlds": len(runtime.worlds),
    }


@public.get("/health", summary="Ready once the fixtures are loaded; no credentials needed.")
async def health(runtime: RuntimeDep) -> Response:
    if not runtime.ready:
        return JSONResponse({"status": "starting", "version": __version__}, status_code=503)
    return JSONResponse(_summary(runtime, runtime.base))


@public.get("/tls/ca.pem", summary="The local CA certificate that signs the HTTPS certificate.")
async def ca_certificate(runtime: RuntimeDep) -> Response:
    if runtime.ca_cert is None:
        raise NotFound(None, "no local CA: a user-supplied certificate is served")
    return FileResponse(runtime.ca_cert, media_type=PEM, filename="vonage-numbers-mock-ca.pem")


@router.get("/openapi.json", include_in_schema=False)
async def openapi(request: Request) -> JSONResponse:
    """This API's own OpenAPI document (behind the admin token, like the routes it describes)."""
    return JSONResponse(request.app.openapi())


# -- state -----------------------------------------------------------------------------------


@router.post(
    "/reset",
    summary="Back to the state as the world began (the base world: the fixtures as loaded at "
    "start); its credentials stay.",
)
async def reset(
    runtime: RuntimeDep, world: WorldDep, keep_faults: bool = False, keep_journal: bool = False
) -> dict[str, Any]:
    await world.reset(keep_faults=keep_faults, keep_journal=keep_journal)
    runtime.worlds.rekey(world)
    return _summary(runtime, world)


@router.get("/state", summary="The whole state, in the fixture format.")
async def get_state(world: WorldDep) -> dict[str, Any]:
    return world.document()


@router.put("/state", summary="Replace the whole state; a bad document changes nothing.")
async def put_state(document: FixtureFile, runtime: RuntimeDep, world: WorldDep) -> dict[str, Any]:
    runtime.check_accounts(len(document.accounts), "accounts")  # before the costly checks
    check_consistency(document, STATE_SOURCE)
    runtime.worlds.check_keys(world, document)
    await world.replace_state(document)
    runtime.worlds.rekey(world)
    return _summary(runtime, world)


@router.post(
    "/numbers", status_code=status.HTTP_201_CREATED, summary="Put numbers on sale at run time."
)
async def add_numbers(
    entries: AvailableEntry | list[AvailableEntry], world: WorldDep
) -> dict[str, int]:
    listed = entries if isinstance(entries, list) else [entries]
    blocks = [Block.of_range(*entry.bounds(), entry.attributes()) for entry in listed]
    await world.write(lambda inventory: inventory.plan_add_available(blocks))
    return {"added": sum(block.last - block.first + 1 for block in blocks)}


@router.post(
    "/accounts", status_code=status.HTTP_201_CREATED, summary="Open an account or subaccount."
)
async def add_account(entry: AccountEntry, runtime: RuntimeDep, world: WorldDep) -> AccountEntry:
    account = entry.account()

    def plan(inventory: Inventory) -> Change:
        # Checked with the change planned: two concurrent additions cannot both pass.
        runtime.check_accounts(len(inventory.accounts) + 1)
        return inventory.plan_add_account(account)

    await world.write(plan)
    return entry


# -- request journal ---------------------------------------------------------------------------


async def journal_query(
    operation: JournalOperation | None = None,
    api_key: str | None = None,
    msisdn: str | None = None,
    country: str | None = None,
    path: str | None = None,
    status_code: Annotated[int | None, Query(alias="status")] = None,
    since: datetime | None = None,
    limit: Annotated[int | None, Query(ge=1, le=PAGE_LIMIT)] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> JournalQuery:
    """The journal's filters, as the query string gives them (`operation=unmatched` included)."""
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)  # the journal's times are UTC
    return JournalQuery(operation, api_key, msisdn, status_code, since, limit, country, path, after)


JournalQueryDep = Annotated[JournalQuery, Depends(journal_query)]


@router.get(
    "/requests",
    summary="Recorded calls to the Vonage endpoints, oldest first, a page at a time: `after` "
    "an id (the `next` of the previous page) while `more` is true; `limit` alone keeps the "
    "most recent ones.",
)
async def requests(world: WorldDep, query: JournalQueryDep) -> dict[str, Any]:
    page = world.journal.page(query)
    return {
        "requests": [asdict(entry) for entry in page.entries],
        "capacity": world.journal.capacity,
        "more": page.more,
        "next": page.next,
    }


@router.get(
    "/requests/count",
    summary="How many recorded calls match the filters (as WireMock's /__admin/requests/count).",
)
async def count_requests(world: WorldDep, query: JournalQueryDep) -> dict[str, int]:
    return {"count": world.journal.count(query)}


@router.delete("/requests", status_code=status.HTTP_204_NO_CONTENT, summary="Empty the journal.")
async def clear_requests(world: WorldDep) -> None:
    world.journal.clear()


# -- fault rules -------------------------------------------------------------------------------


@router.post("/faults", status_code=status.HTTP_201_CREATED, summary="Add a fault rule.")
async def add_fault(rule: FaultRule, world: WorldDep) -> FaultRule:
    return world.faults.add(rule)


@router.get("/faults", summary="The fault rules in force, and the seed of their random draws.")
async def list_faults(world: WorldDep) -> dict[str, Any]:
    return {"seed": world.faults.seed, "faults": world.faults.rules()}


@router.delete(
    "/faults/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a fault rule."
)
async def remove_fault(rule_id: str, world: WorldDep) -> None:
    if not world.faults.remove(rule_id):
        raise NotFound("rule_id", f"no fault rule {rule_id!r}")


@router.delete("/faults", status_code=status.HTTP_204_NO_CONTENT, summary="Remove every rule.")
async def clear_faults(world: WorldDep) -> None:
    world.faults.clear()


# -- worlds ------------------------------------------------------------------------------------


class NewWorld(BaseModel):
    """What `POST /_mock/worlds` may be given: a name, and a state to start from."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=200, description="A label for people.")
    fixtures: FixtureFile | None = Field(
        None,
        description="A state document (the fixture format) to start from instead of the state "
        "loaded at start; its accounts get fresh credentials all the same.",
    )


@router.post(
    "/worlds",
    status_code=status.HTTP_201_CREATED,
    summary="Make a world: a copy of the loaded state (or of `fixtures`) with its own journal, "
    "faults and reset, reached by the fresh credentials answered.",
)
async def create_world(runtime: RuntimeDep, body: NewWorld | None = None) -> dict[str, Any]:
    body = body or NewWorld()
    if body.fixtures is not None:
        runtime.check_accounts(len(body.fixtures.accounts), "fixtures.accounts")
        check_consistency(body.fixtures, STATE_SOURCE)
    world = await runtime.worlds.create(body.name, body.fixtures)
    return {**world.describe(time.monotonic()), "accounts": world.accounts()}


@router.get("/worlds", summary="Every world, the base world first.")
async def list_worlds(runtime: RuntimeDep) -> dict[str, Any]:
    settings = runtime.settings
    return {
        "worlds": runtime.worlds.listing(),
        "max_worlds": settings.max_worlds,
        "idle_timeout": settings.world_idle_timeout,
    }


@router.get("/worlds/{world_id}", summary="One world, with its accounts' credentials.")
async def get_world(runtime: RuntimeDep, world_id: str) -> dict[str, Any]:
    world = runtime.worlds.get(world_id)
    return {**world.describe(time.monotonic()), "accounts": world.accounts()}


@router.delete(
    "/worlds/{world_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Drop a world: its credentials stop working at once.",
)
async def delete_world(runtime: RuntimeDep, world_id: str) -> None:
    await runtime.worlds.delete(world_id)


@router.post("/worlds/{world_id}/reset", summary="Back to the state the world began with.")
async def reset_world(
    runtime: RuntimeDep, world_id: str, keep_faults: bool = False, keep_journal: bool = False
) -> dict[str, Any]:
    world = runtime.worlds.get(world_id)
    await world.reset(keep_faults=keep_faults, keep_journal=keep_journal)
    runtime.worlds.rekey(world)
    return _summary(runtime, world)
